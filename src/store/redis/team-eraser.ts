import type { Cluster, Redis } from 'ioredis';
import type { TeamEraser, TeamRef } from '../../engine/ports.js';
import { dueMember, parseDueMember } from '../team-codec.js';
import { globEscape, Keys } from './keys.js';

/** Keys deleted per UNLINK, and the SCAN page size. */
const BATCH = 500;

/** The nodes to SCAN: every master of a cluster (a slot's keys live on one of them), else the one server. */
function scanNodes(redis: Redis | Cluster): Redis[] {
  return 'nodes' in redis && typeof redis.nodes === 'function' ? redis.nodes('master') : [redis as Redis];
}

/**
 * Team deletion in Redis. Everything of a team lives in its slot (`{t:<platform>:<teamId>}`), so
 * the keys are found by one SCAN over that tag, whatever other parts of quizbot add there later;
 * its entries in the global indexes are removed by name, and in the due index by a ZSCAN over
 * the members that name the team (each checked by decoding it).
 */
export class RedisTeamEraser implements TeamEraser {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: Keys,
  ) {}

  async eraseTeam(team: TeamRef): Promise<number> {
    let removed = 0;
    for (const node of scanNodes(this.redis)) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', this.keys.teamPattern(team), 'COUNT', BATCH);
        cursor = next;
        if (found.length > 0) removed += await node.unlink(...found);
      } while (cursor !== '0');
    }
    const k = this.keys;
    const member = k.teamMember(team);
    const due = await this.teamDueMembers(team);
    // One command each: the global indexes live in different slots (no pipeline across them in a cluster).
    const counts = await Promise.all([
      this.redis.srem(k.teams(team), member),
      this.redis.srem(k.fsrsTeams(team), member),
      this.redis.zrem(k.teamErasures(), member),
      ...due.map((m) => this.redis.zrem(k.dailyDue(m), m)),
    ]);
    for (const n of counts) removed += n;
    return removed;
  }

  /** Members of the due index (every bucket) that name the team (open a channel's round, close a round). */
  private async teamDueMembers(team: TeamRef): Promise<string[]> {
    const out: string[] = [];
    for (const bucket of Keys.buckets((b) => this.keys.dailyDueBucket(b))) {
      out.push(...(await this.teamDueMembersIn(bucket, team)));
    }
    return out;
  }

  private async teamDueMembersIn(bucket: string, team: TeamRef): Promise<string[]> {
    // `["o","slack","T1","C1"]`: the platform and team id sit between commas, JSON-encoded.
    const sample = dueMember({ kind: 'open', team, channelId: '' });
    const middle = sample.slice(sample.indexOf(','), sample.lastIndexOf(',') + 1);
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(
        bucket,
        cursor,
        'MATCH',
        `*${globEscape(middle)}*`,
        'COUNT',
        BATCH,
      );
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) {
        const m = flat[i] as string;
        const item = parseDueMember(m);
        if (item && item.team.platform === team.platform && item.team.teamId === team.teamId) out.push(m);
      }
    } while (cursor !== '0');
    return out;
  }

  async planErase(team: TeamRef, at: number): Promise<void> {
    await this.redis.zadd(this.keys.teamErasures(), at, this.keys.teamMember(team));
  }

  async cancelErase(team: TeamRef): Promise<boolean> {
    return (await this.redis.zrem(this.keys.teamErasures(), this.keys.teamMember(team))) > 0;
  }

  async plannedErase(team: TeamRef): Promise<number | null> {
    const s = await this.redis.zscore(this.keys.teamErasures(), this.keys.teamMember(team));
    return s === null ? null : Number(s);
  }

  async dueErasures(now: number, limit: number): Promise<TeamRef[]> {
    const members = await this.redis.zrangebyscore(this.keys.teamErasures(), '-inf', now, 'LIMIT', 0, limit);
    return members.map((m) => this.keys.parseTeamMember(m));
  }
}
