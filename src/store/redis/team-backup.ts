import type { ChainableCommander, Redis } from 'ioredis';
import type { ChannelSchedule, Streak, TeamRef, TeamStore } from '../../engine/ports.js';
import {
  closeCursorOf,
  decodeStreak,
  encodeAnswer,
  encodeClaim,
  encodeStreak,
  parseAnswer,
  parseResult,
  parseRound,
  resultJson,
  roundFields,
} from '../team-codec.js';
import {
  type ExportClaim,
  type ExportRound,
  expired,
  exportedClaim,
  exportedTeam,
  isListedOpen,
  type TeamExport,
  validateTeamExport,
} from '../team-export.js';
import { scanKeys } from './batch.js';
import { guard } from './connect.js';
import type { Keys } from './keys.js';

/** Escapes Redis glob characters so a literal string can lead a SCAN MATCH pattern. */
function globEscape(s: string): string {
  return s.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

/** Every field of a round hash, as the daily scripts would have left it. */
function importedRoundFields(r: ExportRound): string[] {
  const f = roundFields(r);
  if (r.message) f.push('mch', r.message.channelId, 'msg', r.message.messageId);
  if (r.revealed) f.push('rv', '1');
  if (r.revealFailures > 0) f.push('rvf', String(r.revealFailures));
  if (r.result) f.push('res', resultJson(r.result));
  // The lifetime by the bot's clock, as dailyClaim and dailyClose write it (the TTL is the backstop).
  if (r.expiresAt !== null) f.push('exp', String(r.expiresAt));
  // An interrupted chunked close resumes where it stopped (answers stay refused meanwhile).
  if (r.closeCursor !== undefined) f.push('cur', String(r.closeCursor));
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

/** One key of a team's slot the export reads, in the order its replies come back. */
type Read =
  | { kind: 'round' }
  | { kind: 'ans'; roundId: string }
  | { kind: 'claim'; roundId: string }
  | { kind: 'asked'; channelId: string; deckId: string }
  | { kind: 'lb'; board: string };

/** Queues the reads of a team's keys (`rests`: the key after the team's base) on `m`; keys not ours are skipped. */
function queueReads(m: ChainableCommander, base: string, rests: string[]): Read[] {
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
  return reads;
}

/** The rounds (with their answers), claims, asked cycles and boards from the replies of {@link queueReads}. */
function decodeReads(
  reads: Read[],
  next: () => unknown,
): Pick<TeamExport, 'rounds' | 'claims' | 'asked' | 'boards'> {
  const rounds = new Map<string, ExportRound>();
  const answers = new Map<string, ExportRound['answers']>();
  const claims: Record<string, ExportClaim> = {};
  const asked: TeamExport['asked'] = [];
  const boards: TeamExport['boards'] = {};
  for (const r of reads) {
    switch (r.kind) {
      case 'round': {
        const h = next() as Record<string, string>;
        const ttlAt = expiryOf(next());
        // The round's own lifetime (the bot's clock) when it has one, else its TTL.
        const expiresAt = ttlAt !== undefined && h.exp ? Number(h.exp) : ttlAt;
        const round = parseRound(h);
        if (!round || expiresAt === undefined) break;
        const closeCursor = closeCursorOf(h);
        rounds.set(round.roundId, {
          ...round,
          ...(closeCursor !== undefined ? { status: 'closing' as const, closeCursor } : {}),
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
        const claim = v === null || expiresAt === undefined ? null : exportedClaim(v, expiresAt);
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
  return { rounds: [...rounds.values()], claims, asked, boards };
}

/**
 * The backup path of the Redis team store: every team's data out in portable form, and one
 * team record back in (see team-export.ts).
 */
export class RedisTeamBackup {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly store: TeamStore,
  ) {}

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
   * plus any team with keys; one SCAN over `<prefix>:{t:*` (on a cluster, on every master) finds each team's rounds, claims, asked
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
    for (const team of await this.store.teams()) entry(team);
    const match = `${globEscape(`${k.prefix}:{t:`)}*`;
    await guard('exportTeams', async () => {
      for await (const found of scanKeys(this.redis, match)) {
        for (const key of found) {
          const team = this.teamOfKey(key);
          if (team) entry(team).keys.add(key.slice(this.teamBase(team).length));
        }
      }
    });
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
    const reads = queueReads(m, base, rests);
    const res = execResults(await guard('exportTeams', () => m.exec()));
    let i = 0;
    const next = () => res[i++];
    const schedules = Object.values(next() as Record<string, string>).map(
      (v) => JSON.parse(v) as ChannelSchedule,
    );
    const timezone = (next() as string | null) ?? null;
    const streaks: Record<string, Streak> = {};
    for (const [userId, v] of Object.entries(next() as Record<string, string>)) {
      const s = decodeStreak(v);
      if (s) streaks[userId] = s;
    }
    const names = { ...(next() as Record<string, string>) };
    const { rounds, claims, asked, boards } = decodeReads(reads, next);
    return exportedTeam({
      team: { platform: team.platform, teamId: team.teamId },
      timezone,
      schedules,
      rounds,
      claims,
      asked,
      boards,
      streaks,
      names,
    });
  }

  /**
   * Restores one team record: the team-slot writes go in one MULTI/EXEC (every schedule, round with
   * its answers, claim, asked cycle, board, streak and name in the record replaces the one with the
   * same id; others are kept); the team index is written beside it. Rounds, answers and claims
   * expired at `now` are skipped, the others keep their absolute expiry (PEXPIREAT); leaderboards,
   * streaks and names never expire. The due index is left to the caller (backup.ts rebuilds it).
   */
  async importTeam(data: unknown, now: number): Promise<TeamRef> {
    const t = validateTeamExport(data);
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
      m.set(ck, encodeClaim(c, c.expiresAt));
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
    const streaks = flat(t.streaks, encodeStreak);
    if (streaks.length > 0) m.hset(k.teamStreaks(team), ...streaks);
    const names = flat(t.names, (n) => n);
    if (names.length > 0) m.hset(k.teamNames(team), ...names);
    await guard('importTeam', async () => {
      execResults(await m.exec());
      await this.redis.sadd(k.teams(team), k.teamMember(team));
    });
    return team;
  }
}
