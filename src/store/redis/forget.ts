import type { Redis } from 'ioredis';
import type {
  MemberForgotten,
  Platform,
  StudyForgotten,
  TeamRef,
  UserDataPort,
  UserRef,
} from '../../engine/ports.js';
import { guard } from './connect.js';
import type { Keys } from './keys.js';
import { type ScriptedPipeline, type ScriptedRedis, scripted } from './scripts.js';

/** Keys scanned per SCAN call when listing a platform's teams. */
const SCAN_COUNT = 1_000;

/**
 * Deleting one user's data in Redis. Round trips: study data 3 (the user's deck list, one MULTI in
 * the user's slot, the users index) plus 2 for the team review logs (the index of teams with one,
 * then one `lua/forgetReviewLines-1.lua` per team in a pipeline); a team's daily-quiz data one
 * `lua/forgetMember-6.lua` (callers pipeline several teams' calls).
 */
export class RedisUserData implements UserDataPort {
  private readonly scripts: ScriptedRedis;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    this.scripts = scripted(redis);
  }

  async forgetStudy(user: UserRef): Promise<StudyForgotten> {
    const k = this.keys;
    const decks = await guard('forgetStudy', () => this.redis.smembers(k.decks(user)));
    const m = this.redis.multi();
    for (const d of decks) m.hlen(k.cards(user, d));
    m.del(
      ...decks.flatMap((d) => [k.cards(user, d), k.due(user, d), k.deckDays(user, d)]),
      k.days(user),
      k.log(user),
      k.decks(user),
    );
    const res = await guard('forgetStudy', () => m.exec());
    let cards = 0;
    for (let i = 0; i < decks.length; i++) cards += Number(res?.[i]?.[1] ?? 0);
    await guard('forgetStudy', () => this.redis.srem(k.users(), k.userMember(user)));
    return { decks: decks.length, cards, reviewLines: await this.forgetReviewLines(user) };
  }

  /** The user's lines in every review log of a team of their platform: one script per team, pipelined. */
  private async forgetReviewLines(user: UserRef): Promise<number> {
    const members = await guard('forgetStudy', () => this.redis.smembers(this.keys.fsrsTeams()));
    const teams = members
      .map((m) => this.keys.parseTeamMember(m))
      .filter((t) => t.platform === user.platform);
    if (teams.length === 0) return 0;
    const pipe = this.redis.pipeline() as ScriptedPipeline;
    // As teamReviewLine spells the user (engine/fsrs/log.ts).
    for (const t of teams)
      pipe.forgetReviewLines(this.keys.teamReviewLog(t), encodeURIComponent(user.userId));
    const res = await guard('forgetStudy', () => pipe.exec());
    let n = 0;
    for (const [err, v] of res ?? []) {
      if (err) throw err;
      n += Number(v);
    }
    return n;
  }

  /** Every team with a key of this platform: one pass of SCAN over the keyspace (a rare, operator-sized cost). */
  async platformTeams(platform: Platform): Promise<TeamRef[]> {
    const found = new Map<string, TeamRef>();
    let cursor = '0';
    do {
      const [next, batch] = await guard('platformTeams', () =>
        this.redis.scan(cursor, 'MATCH', this.keys.platformTeamsPattern(platform), 'COUNT', SCAN_COUNT),
      );
      cursor = next;
      for (const key of batch) {
        const t = this.keys.teamOfKey(key);
        if (t?.platform === platform) found.set(t.teamId, t);
      }
    } while (cursor !== '0');
    return [...found.values()];
  }

  async forgetMember(team: TeamRef, userId: string): Promise<MemberForgotten> {
    const k = this.keys;
    const [answers, boardEntries, points] = await guard('forgetMember', () =>
      this.scripts.forgetMember(
        k.teamNames(team),
        k.teamStreaks(team),
        k.teamSeen(team),
        k.teamGc(team),
        k.teamOpenRounds(team),
        k.teamBoard(team, 'all'),
        userId,
        k.teamBase(team),
      ),
    );
    return { answers: Number(answers), boardEntries: Number(boardEntries), points: Number(points) };
  }
}
