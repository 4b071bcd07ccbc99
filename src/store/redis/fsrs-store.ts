import type { Redis } from 'ioredis';
import type { FitAttempt, FsrsParams, FsrsStore, TeamParams, TeamRef } from '../../engine/ports.js';
import { attemptField, attemptsOf, paramsField, teamParamsOf } from '../fsrs-fields.js';
import { guard } from './connect.js';
import { Keys } from './keys.js';
import { scripted } from './scripts.js';

/**
 * Team FSRS data in Redis: the review log and the parameters in the team's slot (see {@link Keys}),
 * the fit index and lease as global keys. None of this is on a click's path except the review
 * log's append (in the grade pipeline, `RedisReviewStore`) and the weights' read (`readForGrade`).
 */
export class RedisFsrsStore implements FsrsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
  ) {}

  /** One round trip: LRANGE of the whole (capped) log. The key's TTL does the expiry. */
  async teamReviews(t: TeamRef, _now: number): Promise<string[]> {
    return guard('teamReviews', () => this.redis.lrange(this.keys.teamReviewLog(t), 0, -1));
  }

  /** SMEMBERS of the index, then EXISTS of each log; teams whose log expired leave the index. */
  async teamsWithReviews(_now: number): Promise<TeamRef[]> {
    return guard('teamsWithReviews', async () => {
      const members = await this.redis.smembers(this.keys.fsrsTeams());
      const teams = members.map((m) => this.keys.parseTeamMember(m));
      if (teams.length === 0) return [];
      const pipe = this.redis.pipeline();
      for (const t of teams) pipe.exists(this.keys.teamReviewLog(t));
      const res = (await pipe.exec()) ?? [];
      const gone = members.filter((_, i) => res[i]?.[1] === 0);
      if (gone.length > 0) await this.redis.srem(this.keys.fsrsTeams(), ...gone);
      return teams.filter((_, i) => res[i]?.[1] === 1);
    });
  }

  async params(t: TeamRef): Promise<TeamParams> {
    return teamParamsOf(await guard('fsrsParams', () => this.redis.hgetall(this.keys.teamFsrs(t))));
  }

  async saveParams(t: TeamRef, deckId: string | null, p: FsrsParams): Promise<void> {
    await guard('fsrsSave', () =>
      this.redis.hset(this.keys.teamFsrs(t), paramsField(deckId), JSON.stringify(p)),
    );
  }

  async attempts(t: TeamRef): Promise<Record<string, FitAttempt>> {
    return attemptsOf(await guard('fsrsAttempts', () => this.redis.hgetall(this.keys.teamFsrs(t))));
  }

  async saveAttempt(t: TeamRef, deckId: string | null, a: FitAttempt): Promise<void> {
    await guard('fsrsAttempt', () =>
      this.redis.hset(this.keys.teamFsrs(t), attemptField(deckId), JSON.stringify(a)),
    );
  }

  async resetParams(t: TeamRef): Promise<void> {
    await guard('fsrsReset', () => this.redis.del(this.keys.teamFsrs(t)));
  }

  /** One round trip: the `fsrsLease` script (SET PX unless another owner holds it). */
  async acquireFitLease(owner: string, _now: number, ttlMs: number): Promise<boolean> {
    const s = scripted(this.redis);
    const r = await guard('fsrsLease', () =>
      s.fsrsLease(this.keys.fsrsLease(), owner, 'take', String(ttlMs)),
    );
    return r === 1;
  }

  async releaseFitLease(owner: string): Promise<void> {
    const s = scripted(this.redis);
    await guard('fsrsLease', () => s.fsrsLease(this.keys.fsrsLease(), owner, 'drop', '0'));
  }
}
