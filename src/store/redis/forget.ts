import type { Redis } from 'ioredis';
import type {
  MemberForgotten,
  Platform,
  StudyForgotten,
  TeamRef,
  UserDataPort,
  UserRef,
} from '../../engine/ports.js';
import { SlotBatch, scanKeys } from './batch.js';
import { guard } from './connect.js';
import { Keys } from './keys.js';
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
      ...decks.flatMap((d) => [
        k.cards(user, d),
        k.due(user, d),
        k.deckDays(user, d),
        k.legacyCards(user, d),
        k.legacyDue(user, d),
      ]),
      k.days(user),
      k.log(user),
      k.decks(user),
      k.timezone(user),
    );
    const res = await guard('forgetStudy', () => m.exec());
    let cards = 0;
    for (let i = 0; i < decks.length; i++) cards += Number(res?.[i]?.[1] ?? 0);
    await guard('forgetStudy', () => this.redis.srem(k.users(user), k.userMember(user)));
    return { decks: decks.length, cards, reviewLines: await this.forgetReviewLines(user) };
  }

  /** The user's lines in every review log of a team of their platform: one script per team, pipelined. */
  private async forgetReviewLines(user: UserRef): Promise<number> {
    const read = new SlotBatch(this.redis);
    for (const key of Keys.buckets((b) => this.keys.fsrsTeamsBucket(b))) read.on(key, (p) => p.smembers(key));
    const members = (await guard('forgetStudy', () => read.exec())).flatMap((m) => m as string[]);
    const teams = members
      .map((m) => this.keys.parseTeamMember(m))
      .filter((t) => t.platform === user.platform);
    if (teams.length === 0) return 0;
    // One pipeline per slot on a cluster (batch.ts). As teamReviewLine spells the user (engine/fsrs/log.ts).
    const batch = new SlotBatch<ScriptedPipeline>(this.redis);
    for (const t of teams) {
      const log = this.keys.teamReviewLog(t);
      batch.on(log, (p) => p.forgetReviewLines(log, encodeURIComponent(user.userId)));
    }
    const res = await guard('forgetStudy', () => batch.exec());
    return res.reduce<number>((n, v) => n + Number(v), 0);
  }

  /** Every team with a key of this platform: one pass of SCAN over the keyspace (a rare, operator-sized cost). */
  async platformTeams(platform: Platform): Promise<TeamRef[]> {
    const found = new Map<string, TeamRef>();
    await guard('platformTeams', async () => {
      // Every master on a cluster (batch.ts).
      for await (const batch of scanKeys(this.redis, this.keys.platformTeamsPattern(platform), SCAN_COUNT)) {
        for (const key of batch) {
          const t = this.keys.teamOfKey(key);
          if (t?.platform === platform) found.set(t.teamId, t);
        }
      }
    });
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
