import type { Redis } from 'ioredis';
import type {
  AnswerOutcome,
  BoardPage,
  ChannelSchedule,
  ClaimLease,
  ClaimOutcome,
  CloseAwards,
  CloseOutcome,
  DailyRound,
  DueEntry,
  DueItem,
  PostRecord,
  Streak,
  TeamRef,
  TeamStore,
} from '../../engine/ports.js';
import type { TeamRecordPort } from '../backup.js';
import { RETENTION } from '../retention.js';
import {
  decodeStreak,
  dueMember,
  parseAnswer,
  parseDueMember,
  parseRound,
  roundFields,
  roundOfValues,
} from '../team-codec.js';
import { type TeamExport, validateTeamExport } from '../team-export.js';
import { SlotBatch } from './batch.js';
import { boardPage } from './board-reply.js';
import { closeRoundChunked, unindexIdleTeam } from './close.js';
import { guard } from './connect.js';
import { Keys } from './keys.js';
import {
  pairs,
  type ScriptArgs,
  type ScriptedPipeline,
  type ScriptedRedis,
  type ScriptReply,
  scripted,
} from './scripts.js';
import { RedisTeamBackup } from './team-backup.js';
import { noWait, type WaitPolicy, waitTarget, writeThenWait } from './wait.js';

/**
 * Competition data in Redis, in the team's slot (see {@link Keys}); the due index and the team
 * index are global, split into hash-tagged buckets. Expects a client made by `connectRedis`
 * (scripts defined). Every Redis failure surfaces as QuizError('store_unavailable').
 */
export class RedisTeamStore implements TeamStore, TeamRecordPort {
  private readonly scripts: ScriptedRedis;
  private readonly backup: RedisTeamBackup;

  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
    /** Replicas an answer waits for before it is acknowledged (`REDIS_WAIT_REPLICAS`). */
    private readonly wait: WaitPolicy = noWait,
  ) {
    this.scripts = scripted(redis);
    this.backup = new RedisTeamBackup(redis, keys, this);
  }

  async putSchedule(team: TeamRef, s: ChannelSchedule): Promise<void> {
    const k = this.keys;
    await guard('putSchedule', async () => {
      const before = await this.redis.hget(k.teamSchedules(team), s.channelId);
      const oldDeck = before ? (JSON.parse(before) as ChannelSchedule).deckId : null;
      // Team slot and the global team index are different slots: two commands, not one script.
      const m = this.redis
        .multi()
        .hset(k.teamSchedules(team), s.channelId, JSON.stringify(s))
        .hset(k.teamMeta(team), 'tz', s.timezone);
      // Another deck starts its own no-repeat cycle; the old deck's is dropped (retention).
      if (oldDeck !== null && oldDeck !== s.deckId) m.del(k.teamAsked(team, s.channelId, oldDeck));
      await m.exec();
      await this.redis.sadd(k.teams(team), k.teamMember(team));
    });
  }

  async getSchedule(team: TeamRef, channelId: string): Promise<ChannelSchedule | null> {
    const raw = await guard('getSchedule', () => this.redis.hget(this.keys.teamSchedules(team), channelId));
    return raw ? (JSON.parse(raw) as ChannelSchedule) : null;
  }

  async listSchedules(team: TeamRef): Promise<ChannelSchedule[]> {
    const all = await guard('listSchedules', () => this.redis.hgetall(this.keys.teamSchedules(team)));
    return Object.values(all)
      .map((v) => JSON.parse(v) as ChannelSchedule)
      .sort((a, b) => (a.channelId < b.channelId ? -1 : a.channelId > b.channelId ? 1 : 0));
  }

  /** Removes the schedule and its no-repeat cycle; a team with no schedule and no open round leaves the team index. */
  async deleteSchedule(team: TeamRef, channelId: string): Promise<boolean> {
    const k = this.keys;
    return guard('deleteSchedule', async () => {
      const before = await this.redis.hget(k.teamSchedules(team), channelId);
      if (!before) return false;
      const deck = (JSON.parse(before) as ChannelSchedule).deckId;
      const res = await this.redis
        .multi()
        .hdel(k.teamSchedules(team), channelId)
        .del(k.teamAsked(team, channelId, deck))
        .exec();
      if (!res) throw new Error('transaction discarded');
      await unindexIdleTeam(this.redis, k, team);
      return res[0]?.[1] === 1;
    });
  }

  async teamTimezone(team: TeamRef): Promise<string | null> {
    return guard('teamTimezone', () => this.redis.hget(this.keys.teamMeta(team), 'tz'));
  }

  /** One round trip (on a cluster, one per bucket, sent together): SMEMBERS of every bucket. */
  async teams(): Promise<TeamRef[]> {
    const batch = new SlotBatch(this.redis);
    for (const key of Keys.buckets((b) => this.keys.teamsBucket(b))) batch.on(key, (p) => p.smembers(key));
    const members = (await guard('teams', () => batch.exec())).flatMap((m) => m as string[]);
    return members.sort().map((m) => this.keys.parseTeamMember(m));
  }

  async askedCards(team: TeamRef, channelId: string, deckId: string): Promise<Set<string>> {
    const ids = await guard('askedCards', () =>
      this.redis.smembers(this.keys.teamAsked(team, channelId, deckId)),
    );
    return new Set(ids);
  }

  /** One round trip: `lua/dailyClaim-3.lua`. */
  async claimRound(team: TeamRef, round: DailyRound, lease: ClaimLease): Promise<ClaimOutcome> {
    const k = this.keys;
    const reply = await guard('claimRound', () =>
      this.scripts.dailyClaim(
        k.teamClaim(team, round.roundId),
        k.teamRound(team, round.roundId),
        k.teamAnswers(team, round.roundId),
        lease.owner,
        lease.now,
        lease.leaseMs,
        lease.maxAttempts,
        lease.keepMs,
        round.closesAt,
        ...roundFields(round),
      ),
    );
    const [status, n] = [String(reply[0]), Number(reply[1])];
    switch (status) {
      case 'claimed': {
        const stored = parseRound(pairs(reply, 3));
        if (!stored) throw new Error(`claimRound: round ${round.roundId} is stored incomplete`);
        return { status, generation: n, attempt: Number(reply[2]), round: stored };
      }
      case 'busy':
        return { status, until: n };
      case 'posted':
        return { status };
      default:
        return { status: 'failed', attempts: n };
    }
  }

  /** One round trip: `lua/dailyRenew-1.lua`. */
  async renewClaim(
    team: TeamRef,
    roundId: string,
    generation: number,
    now: number,
    until: number,
  ): Promise<'ok' | 'lost'> {
    return guard('renewClaim', () =>
      this.scripts.dailyRenew(this.keys.teamClaim(team, roundId), generation, now, until),
    );
  }

  /** One round trip: `lua/dailyPosted-4.lua`. */
  async recordPost(team: TeamRef, round: DailyRound, post: PostRecord): Promise<'ok' | 'late' | 'lost'> {
    const k = this.keys;
    const roundId = round.roundId;
    return guard('recordPost', () =>
      this.scripts.dailyPosted(
        k.teamClaim(team, roundId),
        k.teamRound(team, roundId),
        k.teamAsked(team, round.channelId, round.deckId),
        k.teamOpenRounds(team),
        post.generation,
        roundId,
        post.message.channelId,
        post.message.messageId,
        post.resetAsked ? '1' : '0',
        post.keepMs,
      ),
    );
  }

  /** One round trip: `lua/dailyFailed-2.lua`. */
  async failPost(
    team: TeamRef,
    roundId: string,
    generation: number,
    final: boolean,
    keepMs: number,
    rateLimited = false,
  ): Promise<'ok' | 'lost'> {
    return guard('failPost', () =>
      this.scripts.dailyFailed(
        this.keys.teamClaim(team, roundId),
        this.keys.teamRound(team, roundId),
        generation,
        final ? '1' : '0',
        keepMs,
        rateLimited ? '1' : '0',
      ),
    );
  }

  /** One round trip: `lua/dailyPostNow-1.lua`. */
  async markPostNow(team: TeamRef, channelId: string, now: number, windowMs: number): Promise<boolean> {
    const n = await guard('markPostNow', () =>
      this.scripts.dailyPostNow(this.keys.teamPostNow(team, channelId), now, windowMs),
    );
    return n === 1;
  }

  /** One round trip: `lua/dailyPostNow-1.lua` in release mode. */
  async releasePostNow(team: TeamRef, channelId: string, now: number, windowMs: number): Promise<void> {
    await guard('releasePostNow', () =>
      this.scripts.dailyPostNow(this.keys.teamPostNow(team, channelId), now, windowMs, 'release'),
    );
  }

  async getRound(team: TeamRef, roundId: string): Promise<DailyRound | null> {
    const h = await guard('getRound', () => this.redis.hgetall(this.keys.teamRound(team, roundId)));
    return parseRound(h);
  }

  async openRounds(team: TeamRef): Promise<{ roundId: string; closesAt: number }[]> {
    const flat = await guard('openRounds', () =>
      this.redis.zrange(this.keys.teamOpenRounds(team), '0', '-1', 'WITHSCORES'),
    );
    const out: { roundId: string; closesAt: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      out.push({ roundId: flat[i] as string, closesAt: Number(flat[i + 1]) });
    return out;
  }

  /** One round trip: `lua/dailyAnswer-3.lua`. */
  async answer(
    team: TeamRef,
    roundId: string,
    userId: string,
    choice: number,
    now: number,
    name: string | null,
    requestId?: string,
    messageId?: string,
  ): Promise<AnswerOutcome> {
    const k = this.keys;
    const args: ScriptArgs<'dailyAnswer'> = [
      k.teamRound(team, roundId),
      k.teamAnswers(team, roundId),
      k.teamNames(team),
      userId,
      choice,
      now,
      name ?? '',
      requestId ?? '',
      messageId ?? '',
      RETENTION.memberIdleMs,
    ];
    const reply = await guard('answer', () => this.answerScript(args));
    const status = String(reply[0]);
    if (status === 'unknown' || status === 'closed' || status === 'bad_choice' || status === 'mismatch')
      return { status };
    const round = parseRound(roundOfValues(reply, 2));
    const stored = parseAnswer(String(reply[1]));
    if (!round || !stored) return { status: 'unknown' };
    if (status === 'already') return { status, choice: stored.choice, round };
    return { status: 'accepted', round, choice: stored.choice, at: stored.at, repeat: status === 'repeat' };
  }

  /**
   * The `dailyAnswer` script; with `REDIS_WAIT_REPLICAS`, followed by WAIT in the same pipeline (one
   * round trip; sent again if a failover moved the slot before it ran: the script is idempotent per
   * request, and a moved slot ran nothing).
   */
  private async answerScript(args: ScriptArgs<'dailyAnswer'>): Promise<ScriptReply<'dailyAnswer'>> {
    const key = args[0];
    const node = waitTarget(this.redis, this.wait, key, 'answer');
    if (node === null) return this.scripts.dailyAnswer(...args);
    const reply = await writeThenWait(this.redis, this.wait, 'answer', key, node, (p) =>
      (p as ScriptedPipeline).dailyAnswer(...args),
    );
    return reply as ScriptReply<'dailyAnswer'>;
  }

  /** Plans, then applies in chunks: see close.ts (one script call up to a chunk of answers). */
  async closeRound(team: TeamRef, roundId: string, a: CloseAwards): Promise<CloseOutcome> {
    return closeRoundChunked(this.redis, this.keys, team, roundId, a);
  }

  /** One round trip: `lua/dailyReveal-1.lua`. */
  async noteReveal(team: TeamRef, roundId: string, ok: boolean): Promise<number> {
    const n = await guard('noteReveal', () =>
      this.scripts.dailyReveal(this.keys.teamRound(team, roundId), ok ? '1' : '0'),
    );
    return Math.max(0, n);
  }

  /** One round trip: `lua/lbRead-2.lua`. */
  async leaderboard(team: TeamRef, board: string, userId: string, n: number): Promise<BoardPage> {
    const k = this.keys;
    const r = await guard('leaderboard', () =>
      this.scripts.lbRead(k.teamBoard(team, board), k.teamNames(team), userId, n),
    );
    return boardPage(r, userId);
  }

  async streak(team: TeamRef, userId: string): Promise<Streak | null> {
    const raw = await guard('streak', () => this.redis.hget(this.keys.teamStreaks(team), userId));
    return raw ? decodeStreak(raw) : null;
  }

  async allStreaks(team: TeamRef): Promise<Streak[]> {
    const raw = await guard('allStreaks', () => this.redis.hvals(this.keys.teamStreaks(team)));
    return raw.flatMap((v) => decodeStreak(v) ?? []);
  }

  async boardSizes(team: TeamRef, boards: string[]): Promise<number[]> {
    if (boards.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const b of boards) pipe.zcard(this.keys.teamBoard(team, b));
    const res = await guard('boardSizes', async () => (await pipe.exec()) ?? []);
    return boards.map((_, i) => Number(res[i]?.[1] ?? 0));
  }

  /**
   * The earliest `limit` entries over every bucket of the due queue: each bucket's first `limit`,
   * merged (one round trip; on a cluster one per bucket, sent together).
   */
  async dueEntries(upTo: number, limit: number): Promise<DueEntry[]> {
    const batch = new SlotBatch(this.redis);
    for (const key of Keys.buckets((b) => this.keys.dailyDueBucket(b)))
      batch.on(key, (p) => p.zrangebyscore(key, '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, limit));
    const replies = await guard('dueEntries', () => batch.exec());
    const out: DueEntry[] = [];
    for (const flat of replies as string[][]) {
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const item = parseDueMember(flat[i] as string);
        if (item) out.push({ item, at: Number(flat[i + 1]) });
      }
    }
    // Earliest first; equal times by member (members are unique), as one sorted set orders them.
    const m = (e: DueEntry) => dueMember(e.item);
    return out.sort((a, b) => a.at - b.at || (m(a) < m(b) ? -1 : 1)).slice(0, limit);
  }

  /** One round trip: `lua/dueLease-1.lua` on the entry's bucket. */
  async leaseDue(item: DueItem, at: number, until: number): Promise<boolean> {
    const member = dueMember(item);
    const n = await guard('leaseDue', () =>
      this.scripts.dueLease(this.keys.dailyDue(member), member, at, until),
    );
    return n === 1;
  }

  async setDue(item: DueItem, at: number, onlyIfAbsent = false): Promise<void> {
    const member = dueMember(item);
    const key = this.keys.dailyDue(member);
    await guard('setDue', () =>
      onlyIfAbsent ? this.redis.zadd(key, 'NX', at, member) : this.redis.zadd(key, at, member),
    );
  }

  async removeDue(item: DueItem): Promise<void> {
    const member = dueMember(item);
    await guard('removeDue', () => this.redis.zrem(this.keys.dailyDue(member), member));
  }

  // ---- export / import (TeamRecordPort): the backup path, in team-backup.ts ------------------

  /** See {@link RedisTeamBackup.exportTeams}; expired keys are gone by their TTL, so `now` decides nothing here. */
  exportTeams(_now: number): AsyncIterable<TeamExport> {
    return this.backup.exportTeams();
  }

  /** Checks one exported team record; throws with a reason. Writes nothing. */
  validateTeam(data: unknown): void {
    validateTeamExport(data);
  }

  /** See {@link RedisTeamBackup.importTeam}. */
  importTeam(data: unknown, now: number): Promise<TeamRef> {
    return this.backup.importTeam(data, now);
  }
}
