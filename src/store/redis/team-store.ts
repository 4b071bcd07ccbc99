import type { Redis } from 'ioredis';
import type {
  AnswerOutcome,
  BoardEntry,
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
  RoundResult,
  Streak,
  TeamRef,
  TeamStore,
} from '../../engine/ports.js';
import { reindexTeam } from '../../engine/schedule.js';
import type { TeamRecordPort } from '../backup.js';
import {
  decodeClaim,
  type ExportClaim,
  type ExportRound,
  encodeClaim,
  expired,
  exportedTeam,
  isListedOpen,
  type TeamExport,
  validateTeamExport,
} from '../team-export.js';
import { guard } from './connect.js';
import { Keys } from './keys.js';

type Arg = string | number;
type Reply = (string | number | null)[];

/** The custom commands `defineScripts` adds from `lua/daily*.lua`, `lua/lbRead-2.lua`, `lua/dueLease-1.lua`. */
interface TeamScripts {
  dailyClaim(...args: Arg[]): Promise<[string, string]>;
  dailyPosted(...args: Arg[]): Promise<'ok' | 'lost'>;
  dailyFailed(...args: Arg[]): Promise<'ok' | 'lost'>;
  dailyAnswer(...args: Arg[]): Promise<Reply>;
  dailyClose(...args: Arg[]): Promise<Reply>;
  dailyReveal(...args: Arg[]): Promise<number>;
  lbRead(...args: Arg[]): Promise<Reply>;
  dueLease(...args: Arg[]): Promise<number>;
}

/** Round hash fields written at claim time (the rest are added by later scripts). */
export function roundFields(r: DailyRound): string[] {
  return [
    'id',
    r.roundId,
    'ch',
    r.channelId,
    'date',
    r.date,
    'deck',
    r.deckId,
    'card',
    r.cardId,
    'form',
    String(r.form),
    'order',
    r.order.join(','),
    'correct',
    String(r.correct),
    'opens',
    String(r.opensAt),
    'closes',
    String(r.closesAt),
    'prev',
    r.prevDate ?? '',
    'status',
    r.status,
  ];
}

/** Inverse of {@link roundFields} (plus `mch`/`msg`/`rv` written later); null when incomplete. */
export function parseRound(h: Record<string, string>): DailyRound | null {
  if (!h.id || !h.ch || !h.date || !h.deck || !h.card || !h.order) return null;
  return {
    roundId: h.id,
    channelId: h.ch,
    date: h.date,
    deckId: h.deck,
    cardId: h.card,
    form: Number(h.form ?? 0),
    order: h.order.split(',').map(Number),
    correct: Number(h.correct ?? 0),
    opensAt: Number(h.opens ?? 0),
    closesAt: Number(h.closes ?? 0),
    prevDate: h.prev ? h.prev : null,
    status: h.status === 'closed' ? 'closed' : 'open',
    message: h.msg ? { channelId: h.mch || h.ch, messageId: h.msg } : null,
    revealed: h.rv === '1',
  };
}

/** A stored daily answer: the display choice, the answer time and the request id it came with. */
export interface StoredAnswer {
  /** Display index of the choice. */
  choice: number;
  /** Answer time, ms. */
  at: number;
  /** Stable id of the platform event that made it, when the adapter gave one. */
  requestId?: string;
}

/** A value of the answers hash, as `lua/dailyAnswer-3.lua` writes it: `<choice>:<ms>[:<requestId>]`. */
export function encodeAnswer(a: { choice: number; at: number; requestId?: string | undefined }): string {
  return `${a.choice}:${a.at}${a.requestId ? `:${a.requestId}` : ''}`;
}

/** Inverse of {@link encodeAnswer} (values without a request id, as older versions wrote, too); null for anything else. */
export function parseAnswer(v: string): StoredAnswer | null {
  const m = /^(\d+):(\d+)(?::([\s\S]+))?$/.exec(v);
  if (!m) return null;
  const a: StoredAnswer = { choice: Number(m[1]), at: Number(m[2]) };
  if (m[3]) a.requestId = m[3];
  return a;
}

function pairs(flat: Reply, from: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = from; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** Parses the result JSON the close script stores (cjson writes an empty list as `{}`). */
export function parseResult(json: string): RoundResult {
  const raw = JSON.parse(json || '{}') as {
    answered?: number;
    right?: number;
    fastest?: { u: string; t: string | number; p: number; n: string }[] | Record<string, never>;
  };
  const fastest = Array.isArray(raw.fastest) ? raw.fastest : [];
  return {
    answered: raw.answered ?? 0,
    right: raw.right ?? 0,
    fastest: fastest.map((f) => ({ userId: f.u, name: f.n ? f.n : null, at: Number(f.t), points: f.p })),
  };
}

/** Due index member of an item (JSON array, so ids may hold any character). */
export function dueMember(item: DueItem): string {
  return item.kind === 'open'
    ? JSON.stringify(['o', item.team.platform, item.team.teamId, item.channelId])
    : JSON.stringify(['c', item.team.platform, item.team.teamId, item.roundId]);
}

/** Inverse of {@link dueMember}; null for anything else. */
export function parseDueMember(member: string): DueItem | null {
  try {
    const [k, platform, teamId, id] = JSON.parse(member) as [string, TeamRef['platform'], string, string];
    if (typeof teamId !== 'string' || typeof id !== 'string') return null;
    const team = { platform, teamId };
    if (k === 'o') return { kind: 'open', team, channelId: id };
    if (k === 'c') return { kind: 'close', team, roundId: id };
  } catch {
    // Not one of ours: ignored (and left alone).
  }
  return null;
}

/** Escapes Redis glob characters so a literal string can lead a SCAN MATCH pattern. */
function globEscape(s: string): string {
  return s.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

/** Result JSON as the close script stores it (`t` and `n` as strings, no name = ''). */
function resultJson(r: RoundResult): string {
  return JSON.stringify({
    answered: r.answered,
    right: r.right,
    fastest: r.fastest.map((f) => ({ u: f.userId, t: String(f.at), p: f.points, n: f.name ?? '' })),
  });
}

/** Every field of a round hash, as the daily scripts would have left it. */
function importedRoundFields(r: ExportRound): string[] {
  const f = roundFields(r);
  if (r.message) f.push('mch', r.message.channelId, 'msg', r.message.messageId);
  if (r.revealed) f.push('rv', '1');
  if (r.revealFailures > 0) f.push('rvf', String(r.revealFailures));
  if (r.result) f.push('res', resultJson(r.result));
  return f;
}

/** Expiry from PEXPIRETIME: null without one; undefined when the key is gone. */
function expiryOf(ms: unknown): number | null | undefined {
  const n = Number(ms);
  return n === -1 ? null : n < 0 || !Number.isFinite(n) ? undefined : n;
}

/** Results of a MULTI/EXEC; the first command error (or a discarded transaction) is thrown. */
function execResults(res: [Error | null, unknown][] | null): unknown[] {
  if (!res) throw new Error('transaction discarded');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * Competition data in Redis, in the team's slot (see {@link Keys}); the due index and the team
 * index are global keys. Expects a client made by `connectRedis` (scripts defined). Every Redis
 * failure surfaces as QuizError('store_unavailable').
 */
export class RedisTeamStore implements TeamStore, TeamRecordPort {
  private readonly scripts: Redis & TeamScripts;

  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
  ) {
    this.scripts = redis as Redis & TeamScripts;
  }

  async putSchedule(team: TeamRef, s: ChannelSchedule): Promise<void> {
    const k = this.keys;
    await guard('putSchedule', async () => {
      // Team slot and the global team index are different slots: two commands, not one script.
      await this.redis
        .multi()
        .hset(k.teamSchedules(team), s.channelId, JSON.stringify(s))
        .hset(k.teamMeta(team), 'tz', s.timezone)
        .exec();
      await this.redis.sadd(k.teams(), k.teamMember(team));
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

  async deleteSchedule(team: TeamRef, channelId: string): Promise<boolean> {
    const n = await guard('deleteSchedule', () => this.redis.hdel(this.keys.teamSchedules(team), channelId));
    return n > 0;
  }

  async teamTimezone(team: TeamRef): Promise<string | null> {
    return guard('teamTimezone', () => this.redis.hget(this.keys.teamMeta(team), 'tz'));
  }

  async teams(): Promise<TeamRef[]> {
    const members = await guard('teams', () => this.redis.smembers(this.keys.teams()));
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
    const [status, n] = await guard('claimRound', () =>
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
    switch (status) {
      case 'claimed':
        return { status, attempt: Number(n) };
      case 'busy':
        return { status, until: Number(n) };
      case 'posted':
        return { status };
      default:
        return { status: 'failed', attempts: Number(n) };
    }
  }

  /** One round trip: `lua/dailyPosted-4.lua`. */
  async recordPost(team: TeamRef, round: DailyRound, post: PostRecord): Promise<'ok' | 'lost'> {
    const k = this.keys;
    const roundId = round.roundId;
    return guard('recordPost', () =>
      this.scripts.dailyPosted(
        k.teamClaim(team, roundId),
        k.teamRound(team, roundId),
        k.teamAsked(team, round.channelId, round.deckId),
        k.teamOpenRounds(team),
        post.owner,
        post.attempt,
        roundId,
        post.message.channelId,
        post.message.messageId,
        round.cardId,
        post.resetAsked ? '1' : '0',
        post.keepMs,
      ),
    );
  }

  /** One round trip: `lua/dailyFailed-1.lua`. */
  async failPost(
    team: TeamRef,
    roundId: string,
    owner: string,
    attempt: number,
    final: boolean,
    keepMs: number,
  ): Promise<'ok' | 'lost'> {
    return guard('failPost', () =>
      this.scripts.dailyFailed(this.keys.teamClaim(team, roundId), owner, attempt, final ? '1' : '0', keepMs),
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
  ): Promise<AnswerOutcome> {
    const k = this.keys;
    const reply = await guard('answer', () =>
      this.scripts.dailyAnswer(
        k.teamRound(team, roundId),
        k.teamAnswers(team, roundId),
        k.teamNames(team),
        userId,
        choice,
        now,
        name ?? '',
        requestId ?? '',
      ),
    );
    const status = String(reply[0]);
    if (status === 'unknown' || status === 'closed' || status === 'bad_choice') return { status };
    const round = parseRound(pairs(reply, 2));
    const stored = parseAnswer(String(reply[1]));
    if (!round || !stored) return { status: 'unknown' };
    if (status === 'already') return { status, choice: stored.choice, round };
    return { status: 'accepted', round, choice: stored.choice, at: stored.at, repeat: status === 'repeat' };
  }

  /** One round trip: `lua/dailyClose-8.lua`. */
  async closeRound(team: TeamRef, roundId: string, a: CloseAwards): Promise<CloseOutcome> {
    const k = this.keys;
    const [week, month, all] = a.boards;
    const reply = await guard('closeRound', () =>
      this.scripts.dailyClose(
        k.teamRound(team, roundId),
        k.teamAnswers(team, roundId),
        k.teamStreaks(team),
        k.teamNames(team),
        k.teamOpenRounds(team),
        k.teamBoard(team, week),
        k.teamBoard(team, month),
        k.teamBoard(team, all),
        a.now,
        a.keepMs,
        a.points,
        a.bonus.join(','),
        a.fastest,
        roundId,
      ),
    );
    const status = String(reply[0]);
    const round = status === 'unknown' ? null : parseRound(pairs(reply, 2));
    if (!round) return { status: 'unknown' };
    return {
      status: status === 'closed' ? 'closed' : 'already',
      round,
      result: parseResult(String(reply[1])),
    };
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
    const top: BoardEntry[] = [];
    for (let i = 4; i + 3 < r.length; i += 4) {
      top.push({
        userId: String(r[i]),
        points: Number(r[i + 1]),
        rank: Number(r[i + 2]),
        name: r[i + 3] === null ? null : String(r[i + 3]),
      });
    }
    const me: BoardEntry | null =
      r[1] === null
        ? null
        : { userId, points: Number(r[1]), rank: Number(r[2]), name: r[3] === null ? null : String(r[3]) };
    return { top, me, total: Number(r[0]) };
  }

  async streak(team: TeamRef, userId: string): Promise<Streak | null> {
    const raw = await guard('streak', () => this.redis.hget(this.keys.teamStreaks(team), userId));
    const m = raw ? /^(\d+)\|([^|]*)\|(\d+)$/.exec(raw) : null;
    return m ? { count: Number(m[1]), last: m[2] as string, best: Number(m[3]) } : null;
  }

  async dueEntries(upTo: number, limit: number): Promise<DueEntry[]> {
    const flat = await guard('dueEntries', () =>
      this.redis.zrangebyscore(this.keys.dailyDue(), '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, limit),
    );
    const out: DueEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const item = parseDueMember(flat[i] as string);
      if (item) out.push({ item, at: Number(flat[i + 1]) });
    }
    return out;
  }

  /** One round trip: `lua/dueLease-1.lua`. */
  async leaseDue(item: DueItem, at: number, until: number): Promise<boolean> {
    const n = await guard('leaseDue', () =>
      this.scripts.dueLease(this.keys.dailyDue(), dueMember(item), at, until),
    );
    return n === 1;
  }

  async setDue(item: DueItem, at: number, onlyIfAbsent = false): Promise<void> {
    const key = this.keys.dailyDue();
    await guard('setDue', () =>
      onlyIfAbsent
        ? this.redis.zadd(key, 'NX', at, dueMember(item))
        : this.redis.zadd(key, at, dueMember(item)),
    );
  }

  async removeDue(item: DueItem): Promise<void> {
    await guard('removeDue', () => this.redis.zrem(this.keys.dailyDue(), dueMember(item)));
  }

  // ---- export / import (TeamRecordPort) -----------------------------------------------------

  /** `<prefix>:{t:<platform>:<teamId>}:`, the start of every key of a team's slot. */
  private teamBase(team: TeamRef): string {
    const meta = this.keys.teamMeta(team);
    return meta.slice(0, meta.length - 'meta'.length);
  }

  /** The team a `<prefix>:{t:...}:...` key belongs to, or null. */
  private teamOfKey(key: string): TeamRef | null {
    const head = `${this.keys.prefix}:{t:`;
    if (!key.startsWith(head)) return null;
    const rest = key.slice(head.length);
    const colon = rest.indexOf(':');
    const end = rest.indexOf('}');
    const platform = rest.slice(0, colon);
    if (colon < 0 || end < colon || !['discord', 'slack', 'terminal'].includes(platform)) return null;
    try {
      const team = {
        platform: platform as TeamRef['platform'],
        teamId: decodeURIComponent(rest.slice(colon + 1, end)),
      };
      return key.startsWith(this.teamBase(team)) ? team : null;
    } catch {
      return null;
    }
  }

  /**
   * Every team's data in portable form (see team-export.ts), by team. The teams are the team index
   * plus any team with keys; one SCAN over `<prefix>:{t:*` finds each team's rounds, claims, asked
   * cycles and leaderboard periods (never KEYS). Each team is read in one MULTI (a consistent snapshot).
   */
  async *exportTeams(): AsyncIterable<TeamExport> {
    const k = this.keys;
    const byTeam = new Map<string, { team: TeamRef; keys: Set<string> }>();
    const entry = (team: TeamRef) => {
      const m = k.teamMember(team);
      let e = byTeam.get(m);
      if (!e) {
        e = { team, keys: new Set() };
        byTeam.set(m, e);
      }
      return e;
    };
    for (const team of await this.teams()) entry(team);
    const match = `${globEscape(`${k.prefix}:{t:`)}*`;
    let cursor = '0';
    do {
      const [next, found] = await guard('exportTeams', () =>
        this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000),
      );
      cursor = next;
      for (const key of found) {
        const team = this.teamOfKey(key);
        if (team) entry(team).keys.add(key.slice(this.teamBase(team).length));
      }
    } while (cursor !== '0');
    for (const member of [...byTeam.keys()].sort()) {
      const e = byTeam.get(member);
      if (e) yield await this.exportTeam(e.team, [...e.keys].sort());
    }
  }

  private async exportTeam(team: TeamRef, rests: string[]): Promise<TeamExport> {
    const k = this.keys;
    const base = this.teamBase(team);
    const m = this.redis.multi();
    m.hgetall(k.teamSchedules(team));
    m.hget(k.teamMeta(team), 'tz');
    m.hgetall(k.teamStreaks(team));
    m.hgetall(k.teamNames(team));
    type Read =
      | { kind: 'round' }
      | { kind: 'ans'; roundId: string }
      | { kind: 'claim'; roundId: string }
      | { kind: 'asked'; channelId: string; deckId: string }
      | { kind: 'lb'; board: string };
    const reads: Read[] = [];
    for (const rest of rests) {
      const key = base + rest;
      const parts = rest.split(':');
      let ids: string[];
      try {
        ids = parts.slice(1).map(decodeURIComponent);
      } catch {
        continue; // Not percent-encoded as keys.ts writes ids: not ours.
      }
      const [what] = parts;
      const [a = '', b = ''] = ids;
      if (what === 'round' && ids.length === 1) {
        m.hgetall(key).pexpiretime(key);
        reads.push({ kind: 'round' });
      } else if (what === 'ans' && ids.length === 1) {
        m.hgetall(key);
        reads.push({ kind: 'ans', roundId: a });
      } else if (what === 'claim' && ids.length === 1) {
        m.get(key).pexpiretime(key);
        reads.push({ kind: 'claim', roundId: a });
      } else if (what === 'asked' && ids.length === 2) {
        m.smembers(key);
        reads.push({ kind: 'asked', channelId: a, deckId: b });
      } else if (what === 'lb') {
        m.zrange(key, '0', '-1', 'WITHSCORES');
        reads.push({ kind: 'lb', board: rest.slice('lb:'.length) });
      }
    }
    const res = execResults(await guard('exportTeams', () => m.exec()));
    let i = 0;
    const next = () => res[i++];
    const schedules = Object.values(next() as Record<string, string>).map(
      (v) => JSON.parse(v) as ChannelSchedule,
    );
    const timezone = (next() as string | null) ?? null;
    const streaks: Record<string, Streak> = {};
    for (const [userId, v] of Object.entries(next() as Record<string, string>)) {
      const s = /^(\d+)\|([^|]*)\|(\d+)$/.exec(v);
      if (s) streaks[userId] = { count: Number(s[1]), last: s[2] as string, best: Number(s[3]) };
    }
    const names = { ...(next() as Record<string, string>) };
    const rounds = new Map<string, ExportRound>();
    const answers = new Map<string, ExportRound['answers']>();
    const claims: Record<string, ExportClaim> = {};
    const asked: TeamExport['asked'] = [];
    const boards: TeamExport['boards'] = {};
    for (const r of reads) {
      switch (r.kind) {
        case 'round': {
          const h = next() as Record<string, string>;
          const expiresAt = expiryOf(next());
          const round = parseRound(h);
          if (!round || expiresAt === undefined) break;
          rounds.set(round.roundId, {
            ...round,
            answers: {},
            result: round.status === 'closed' ? parseResult(h.res ?? '') : null,
            revealFailures: Number(h.rvf ?? 0),
            expiresAt,
          });
          break;
        }
        case 'ans': {
          const out: ExportRound['answers'] = {};
          for (const [userId, v] of Object.entries(next() as Record<string, string>)) {
            const a = parseAnswer(v);
            if (a) out[userId] = a;
          }
          answers.set(r.roundId, out);
          break;
        }
        case 'claim': {
          const v = next() as string | null;
          const expiresAt = expiryOf(next());
          const claim = v === null || expiresAt === undefined ? null : decodeClaim(v, expiresAt);
          if (claim) claims[r.roundId] = claim;
          break;
        }
        case 'asked': {
          const cards = next() as string[];
          if (cards.length > 0) asked.push({ channelId: r.channelId, deckId: r.deckId, cards });
          break;
        }
        case 'lb': {
          const flat = next() as string[];
          const scores: Record<string, number> = {};
          for (let j = 0; j + 1 < flat.length; j += 2) scores[flat[j] as string] = Number(flat[j + 1]);
          if (flat.length > 0) boards[r.board] = scores;
          break;
        }
      }
    }
    for (const [roundId, a] of answers) {
      const round = rounds.get(roundId);
      if (round) round.answers = a;
    }
    return exportedTeam({
      team: { platform: team.platform, teamId: team.teamId },
      timezone,
      schedules,
      rounds: [...rounds.values()],
      claims,
      asked,
      boards,
      streaks,
      names,
    });
  }

  /** Checks one exported team record; throws with a reason. Writes nothing. */
  validateTeam(data: unknown): void {
    validateTeamExport(data);
  }

  /**
   * Restores one team record: the team-slot writes go in one MULTI/EXEC (every schedule, round with
   * its answers, claim, asked cycle, board, streak and name in the record replaces the one with the
   * same id; others are kept); the team index and the due entries (as the scheduler's reconcile
   * would add them) are written beside it. Rounds, answers and claims keep their absolute expiry
   * (PEXPIREAT); leaderboards, streaks and names never expire.
   */
  async importTeam(data: unknown): Promise<void> {
    const t = validateTeamExport(data);
    const now = Date.now();
    const k = this.keys;
    const team = t.team;
    const m = this.redis.multi();
    if (t.timezone !== null) m.hset(k.teamMeta(team), 'tz', t.timezone);
    const flat = <V>(rec: Record<string, V>, f: (v: V) => string) =>
      Object.entries(rec).flatMap(([id, v]) => [id, f(v)]);
    if (t.schedules.length > 0)
      m.hset(k.teamSchedules(team), ...t.schedules.flatMap((s) => [s.channelId, JSON.stringify(s)]));
    for (const r of t.rounds) {
      if (expired(r.expiresAt, now)) continue;
      const rk = k.teamRound(team, r.roundId);
      const ak = k.teamAnswers(team, r.roundId);
      m.del(rk, ak).hset(rk, ...importedRoundFields(r));
      const answers = flat(r.answers, encodeAnswer);
      if (answers.length > 0) m.hset(ak, ...answers);
      if (r.expiresAt !== null) m.pexpireat(rk, r.expiresAt).pexpireat(ak, r.expiresAt);
      if (isListedOpen(r)) m.zadd(k.teamOpenRounds(team), r.closesAt, r.roundId);
      else m.zrem(k.teamOpenRounds(team), r.roundId);
    }
    for (const [roundId, c] of Object.entries(t.claims)) {
      if (expired(c.expiresAt, now)) continue;
      const ck = k.teamClaim(team, roundId);
      m.set(ck, encodeClaim(c));
      if (c.expiresAt !== null) m.pexpireat(ck, c.expiresAt);
    }
    for (const a of t.asked) {
      const key = k.teamAsked(team, a.channelId, a.deckId);
      m.del(key);
      if (a.cards.length > 0) m.sadd(key, ...a.cards);
    }
    for (const [board, scores] of Object.entries(t.boards)) {
      const key = k.teamBoard(team, board);
      m.del(key);
      const pairs = Object.entries(scores).flatMap(([userId, points]) => [points, userId]);
      if (pairs.length > 0) m.zadd(key, ...pairs);
    }
    const streaks = flat(t.streaks, (s) => `${s.count}|${s.last}|${s.best}`);
    if (streaks.length > 0) m.hset(k.teamStreaks(team), ...streaks);
    const names = flat(t.names, (n) => n);
    if (names.length > 0) m.hset(k.teamNames(team), ...names);
    await guard('importTeam', async () => {
      execResults(await m.exec());
      await this.redis.sadd(k.teams(), k.teamMember(team));
    });
    await reindexTeam(this, team, now);
  }
}
