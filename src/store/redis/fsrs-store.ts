import type { Redis } from 'ioredis';
import type { FitAttempt, FsrsParams, FsrsStore, TeamParams, TeamRef } from '../../engine/ports.js';
import type { FsrsBackupPort, FsrsTeamExport } from '../fsrs-export.js';
import { attemptField, attemptsOf, paramsField, teamParamsOf } from '../fsrs-fields.js';
import { SlotBatch } from './batch.js';
import { guard } from './connect.js';
import { Keys } from './keys.js';
import { scripted } from './scripts.js';

/**
 * Team FSRS data in Redis: the review log and the parameters in the team's slot (see {@link Keys}),
 * the fit index (hash-tagged buckets) and lease as global keys. None of this is on a click's path except the review
 * log's append (in the grade pipeline, `RedisReviewStore`) and the weights' read (`readForGrade`).
 */
export class RedisFsrsStore implements FsrsStore, FsrsBackupPort {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
  ) {}

  /** One round trip: LRANGE of the whole (capped) log. The key's TTL does the expiry. */
  async teamReviews(t: TeamRef, _now: number): Promise<string[]> {
    return guard('teamReviews', () => this.redis.lrange(this.keys.teamReviewLog(t), 0, -1));
  }

  /** SMEMBERS of each index bucket, then EXISTS of each log; teams whose log expired leave the index. */
  async teamsWithReviews(_now: number): Promise<TeamRef[]> {
    return guard('teamsWithReviews', async () => {
      const k = this.keys;
      const buckets = Keys.buckets((b) => k.fsrsTeamsBucket(b));
      const read = new SlotBatch(this.redis);
      for (const key of buckets) read.on(key, (p) => p.smembers(key));
      const members = (await read.exec()).flatMap((m) => m as string[]);
      const teams = members.map((m) => k.parseTeamMember(m));
      if (teams.length === 0) return [];
      const check = new SlotBatch(this.redis);
      for (const t of teams) check.on(k.teamReviewLog(t), (p) => p.exists(k.teamReviewLog(t)));
      const res = await check.exec();
      const drop = new SlotBatch(this.redis);
      teams.forEach((t, i) => {
        if (res[i] === 0) drop.on(k.fsrsTeams(t), (p) => p.srem(k.fsrsTeams(t), k.teamMember(t)));
      });
      if (drop.length > 0) await drop.exec();
      return teams.filter((_, i) => res[i] === 1);
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

  /** Per indexed team one pipeline (log, its TTL, the parameter record), in the team's slot. */
  async *exportFsrs(now: number): AsyncIterable<FsrsTeamExport> {
    const read = new SlotBatch(this.redis);
    for (const key of Keys.buckets((b) => this.keys.fsrsTeamsBucket(b))) read.on(key, (p) => p.smembers(key));
    const members = (await guard('exportFsrs', () => read.exec())).flatMap((m) => m as string[]).sort();
    for (const m of members) {
      const team = this.keys.parseTeamMember(m);
      const res = await guard('exportFsrs', async () => {
        const r = await this.redis
          .pipeline()
          .lrange(this.keys.teamReviewLog(team), 0, -1)
          .pttl(this.keys.teamReviewLog(team))
          .hgetall(this.keys.teamFsrs(team))
          .exec();
        return (r ?? []).map(([err, v]) => {
          if (err) throw err;
          return v;
        });
      });
      const [log, ttl, fields] = res as [string[], number, Record<string, string>];
      const hasLog = log.length > 0 && ttl > 0;
      if (!hasLog && Object.keys(fields).length === 0) continue;
      yield { team, log: hasLog ? log : [], logExpiresAt: hasLog ? now + ttl : null, fields };
    }
  }

  /** One MULTI in the team's slot: the log and the parameter record replaced whole; then the team indexed (its bucket's slot). */
  async importFsrs(e: FsrsTeamExport, now: number): Promise<void> {
    const k = this.keys;
    const m = this.redis.multi().del(k.teamReviewLog(e.team), k.teamFsrs(e.team));
    if (e.log.length > 0 && e.logExpiresAt !== null && e.logExpiresAt > now) {
      for (let i = 0; i < e.log.length; i += 5_000)
        m.rpush(k.teamReviewLog(e.team), ...e.log.slice(i, i + 5_000));
      m.pexpireat(k.teamReviewLog(e.team), e.logExpiresAt);
    }
    if (Object.keys(e.fields).length > 0) m.hset(k.teamFsrs(e.team), e.fields);
    await guard('importFsrs', () => m.exec());
    await guard('importFsrs', () => this.redis.sadd(k.fsrsTeams(e.team), k.teamMember(e.team)));
  }
}
