import { parseTeamReview } from '../../engine/fsrs/log.js';
import type {
  MemberForgotten,
  Platform,
  StudyForgotten,
  TeamRef,
  UserDataPort,
  UserRef,
} from '../../engine/ports.js';
import type { FsrsDoc } from './fsrs-store.js';
import type { PersistedDoc } from './persist.js';
import type { ReviewDoc } from './review-store.js';
import type { MemoryTeamData, TeamDoc } from './team-data.js';

type Doc = ReviewDoc & FsrsDoc & TeamDoc;

/**
 * Deleting one user's data in the embedded store, with the semantics of the Redis scripts
 * (`lua/forgetMember-6.lua`, `lua/forgetReviewLines-1.lua`). Each method changes the document
 * without awaiting, then saves once: as atomic as a script.
 */
export class MemoryUserData implements UserDataPort {
  constructor(private readonly doc: PersistedDoc<object>) {}

  private get data(): Doc {
    return this.doc.data as Doc;
  }

  async forgetStudy(user: UserRef): Promise<StudyForgotten> {
    const users = this.data.review?.users ?? {};
    const member = `${user.platform}:${user.userId}`;
    const u = Object.hasOwn(users, member) ? users[member] : undefined;
    const decks = u ? Object.values(u.decks) : [];
    const cards = decks.reduce((n, d) => n + Object.keys(d.cards).length, 0);
    if (u) delete users[member];
    let reviewLines = 0;
    for (const t of Object.values(this.data.fsrs?.teams ?? {})) {
      if (t.team.platform !== user.platform) continue;
      const kept = t.log.filter((line) => parseTeamReview(line)?.userId !== user.userId);
      reviewLines += t.log.length - kept.length;
      t.log = kept;
    }
    if (u || reviewLines > 0) await this.doc.changed();
    return { decks: decks.length, cards, reviewLines };
  }

  async platformTeams(platform: Platform): Promise<TeamRef[]> {
    return Object.values(this.data.team?.teams ?? {})
      .filter((t) => t.team.platform === platform)
      .map((t) => ({ ...t.team }));
  }

  async forgetMember(team: TeamRef, userId: string): Promise<MemberForgotten> {
    const teams = this.data.team?.teams ?? {};
    const key = `${team.platform}:${team.teamId}`;
    const d = Object.hasOwn(teams, key) ? teams[key] : undefined;
    if (!d) return { answers: 0, boardEntries: 0, points: 0 };
    const out = forgetIn(d, userId);
    await this.doc.changed();
    return out;
  }
}

/** Deletes a member's answers, board entries, streak, name, last-seen time and fastest-list entries. */
function forgetIn(d: MemoryTeamData, userId: string): MemberForgotten {
  let answers = 0;
  for (const r of Object.values(d.rounds)) {
    if (Object.hasOwn(r.answers, userId)) {
      delete r.answers[userId];
      answers++;
    }
    if (r.result?.fastest.some((f) => f.userId === userId))
      r.result = { ...r.result, fastest: r.result.fastest.filter((f) => f.userId !== userId) };
  }
  let boardEntries = 0;
  const points = d.boards.all && Object.hasOwn(d.boards.all, userId) ? (d.boards.all[userId] ?? 0) : 0;
  for (const board of Object.values(d.boards)) {
    if (Object.hasOwn(board, userId)) {
      delete board[userId];
      boardEntries++;
    }
  }
  for (const rec of [d.streaks, d.names, d.seen ?? {}]) delete rec[userId];
  return { answers, boardEntries, points };
}
