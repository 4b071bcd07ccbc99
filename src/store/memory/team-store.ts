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
  RoundWinner,
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
import type { PersistedDoc } from './persist.js';

/** A round with what Redis keeps beside it (answers, results, bookkeeping). */
export interface MemoryRound extends DailyRound {
  /** userId -> [display choice, answer ms, request id of the event that made it (when given)]. */
  answers: Record<string, [choice: number, at: number, requestId?: string]>;
  /** Results once closed. */
  result: RoundResult | null;
  /** Failed reveal edits so far. */
  revealFailures: number;
  /** When the round may be forgotten, ms (Redis: its TTL). */
  expiresAt: number;
}

/** A claim value (same states as Redis: `run|owner|attempt|until`, `retry|n`, `posted`, `failed|n`) and its expiry. */
export interface MemoryClaim {
  /** Claim state string. */
  v: string;
  /** When the claim may be forgotten, ms. */
  expiresAt: number;
}

/** One team's competition data. */
export interface MemoryTeamData {
  /** The team. */
  team: TeamRef;
  /** Timezone of the last schedule change, or null. */
  tz: string | null;
  /** channelId -> schedule. */
  schedules: Record<string, ChannelSchedule>;
  /** roundId -> claim. */
  claims: Record<string, MemoryClaim>;
  /** roundId -> round. */
  rounds: Record<string, MemoryRound>;
  /** `<channel>\n<deck>` -> card ids asked in the current cycle. */
  asked: Record<string, string[]>;
  /** roundId -> close ms of posted, unclosed rounds. */
  open: Record<string, number>;
  /** board id -> userId -> points. */
  boards: Record<string, Record<string, number>>;
  /** userId -> streak. */
  streaks: Record<string, Streak>;
  /** userId -> display name. */
  names: Record<string, string>;
}

/** The team store's slice of the shared embedded-store document. */
export interface TeamSlice {
  /** `<platform>:<teamId>` -> data. */
  teams: Record<string, MemoryTeamData>;
  /** Due index: member (as in Redis) -> due ms. */
  due: Record<string, number>;
}

/** Documents that can hold a team slice (other stores add their own slices beside it). */
export interface TeamDoc {
  /** Created on first use. */
  team?: TeamSlice;
}

function dueMember(item: DueItem): string {
  return item.kind === 'open'
    ? JSON.stringify(['o', item.team.platform, item.team.teamId, item.channelId])
    : JSON.stringify(['c', item.team.platform, item.team.teamId, item.roundId]);
}

function parseDueMember(member: string): DueItem | null {
  const [k, platform, teamId, id] = JSON.parse(member) as [string, TeamRef['platform'], string, string];
  const team = { platform, teamId };
  if (k === 'o') return { kind: 'open', team, channelId: id };
  if (k === 'c') return { kind: 'close', team, roundId: id };
  return null;
}

/** Byte order of ASCII ids, as Redis compares members. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Expiry of something kept forever: `expiresAt: null` in the portable form. */
const NEVER = Number.MAX_SAFE_INTEGER;

function publicRound(r: MemoryRound): DailyRound {
  const { answers: _a, result: _r, revealFailures: _f, expiresAt: _e, ...round } = r;
  return structuredClone(round);
}

/**
 * Competition data in the embedded store (one process), with the same semantics as
 * {@link RedisTeamStore}: every method runs to completion without awaiting, so it is as atomic
 * as a Lua script. Kept in the `team` slice of the shared {@link PersistedDoc}.
 */
export class MemoryTeamStore implements TeamStore, TeamRecordPort {
  constructor(private readonly doc: PersistedDoc<object>) {}

  private get slice(): TeamSlice {
    const data = this.doc.data as TeamDoc;
    data.team ??= { teams: {}, due: {} };
    return data.team;
  }

  private data(team: TeamRef): MemoryTeamData | undefined {
    return this.slice.teams[`${team.platform}:${team.teamId}`];
  }

  private ensure(team: TeamRef): MemoryTeamData {
    const key = `${team.platform}:${team.teamId}`;
    const teams = this.slice.teams;
    teams[key] ??= {
      team: { ...team },
      tz: null,
      schedules: {},
      claims: {},
      rounds: {},
      asked: {},
      open: {},
      boards: {},
      streaks: {},
      names: {},
    };
    return teams[key];
  }

  private changed<T>(value: T): T {
    this.doc.changed();
    return value;
  }

  /** Forgets rounds and claims past their expiry (what Redis TTLs do by themselves). */
  private purge(d: MemoryTeamData, now: number): void {
    for (const [id, r] of Object.entries(d.rounds)) if (r.expiresAt <= now) delete d.rounds[id];
    for (const [id, c] of Object.entries(d.claims)) if (c.expiresAt <= now) delete d.claims[id];
  }

  async putSchedule(team: TeamRef, s: ChannelSchedule): Promise<void> {
    const d = this.ensure(team);
    d.schedules[s.channelId] = structuredClone(s);
    d.tz = s.timezone;
    this.changed(undefined);
  }

  async getSchedule(team: TeamRef, channelId: string): Promise<ChannelSchedule | null> {
    const s = this.data(team)?.schedules[channelId];
    return s ? structuredClone(s) : null;
  }

  async listSchedules(team: TeamRef): Promise<ChannelSchedule[]> {
    return Object.values(this.data(team)?.schedules ?? {})
      .map((s) => structuredClone(s))
      .sort((a, b) => cmp(a.channelId, b.channelId));
  }

  async deleteSchedule(team: TeamRef, channelId: string): Promise<boolean> {
    const d = this.data(team);
    if (!d?.schedules[channelId]) return false;
    delete d.schedules[channelId];
    return this.changed(true);
  }

  async teamTimezone(team: TeamRef): Promise<string | null> {
    return this.data(team)?.tz ?? null;
  }

  async teams(): Promise<TeamRef[]> {
    return Object.keys(this.slice.teams)
      .sort()
      .map((k) => ({ ...(this.slice.teams[k] as MemoryTeamData).team }));
  }

  async askedCards(team: TeamRef, channelId: string, deckId: string): Promise<Set<string>> {
    return new Set(this.data(team)?.asked[`${channelId}\n${deckId}`] ?? []);
  }

  async claimRound(team: TeamRef, round: DailyRound, lease: ClaimLease): Promise<ClaimOutcome> {
    if (lease.owner === '' || lease.owner.includes('|')) throw new Error('claimRound: bad owner');
    const d = this.ensure(team);
    this.purge(d, lease.now);
    const current = d.claims[round.roundId]?.v;
    let attempt = 1;
    if (current !== undefined) {
      const run = /^run\|(.*)\|(\d+)\|(\d+)$/.exec(current);
      const retry = /^retry\|(\d+)$/.exec(current);
      if (run) {
        if (Number(run[3]) > lease.now) return { status: 'busy', until: Number(run[3]) };
        attempt = Number(run[2]) + 1;
      } else if (retry) {
        attempt = Number(retry[1]) + 1;
      } else if (current === 'posted') {
        return { status: 'posted' };
      } else {
        return { status: 'failed', attempts: Number(/^failed\|(\d+)$/.exec(current)?.[1] ?? 0) };
      }
    }
    const expiresAt = lease.now + lease.keepMs;
    if (attempt > lease.maxAttempts) {
      d.claims[round.roundId] = { v: `failed|${attempt - 1}`, expiresAt };
      return this.changed({ status: 'failed', attempts: attempt - 1 });
    }
    d.claims[round.roundId] = { v: `run|${lease.owner}|${attempt}|${lease.now + lease.leaseMs}`, expiresAt };
    d.rounds[round.roundId] = {
      ...structuredClone(round),
      message: null,
      revealed: false,
      answers: {},
      result: null,
      revealFailures: 0,
      expiresAt: round.closesAt + lease.keepMs,
    };
    return this.changed({ status: 'claimed', attempt });
  }

  private ownsClaim(d: MemoryTeamData, roundId: string, owner: string, attempt: number): boolean {
    return d.claims[roundId]?.v.startsWith(`run|${owner}|${attempt}|`) ?? false;
  }

  async recordPost(team: TeamRef, round: DailyRound, post: PostRecord): Promise<'ok' | 'lost'> {
    const d = this.data(team);
    const r = d?.rounds[round.roundId];
    const claim = d?.claims[round.roundId];
    if (!d || !r || !claim || !this.ownsClaim(d, round.roundId, post.owner, post.attempt)) return 'lost';
    claim.v = 'posted';
    claim.expiresAt = Math.max(claim.expiresAt, r.closesAt + post.keepMs);
    r.message = { ...post.message };
    const key = `${r.channelId}\n${r.deckId}`;
    const asked = post.resetAsked ? [] : (d.asked[key] ?? []);
    if (!asked.includes(r.cardId)) asked.push(r.cardId);
    d.asked[key] = asked;
    d.open[round.roundId] = r.closesAt;
    return this.changed('ok');
  }

  async failPost(
    team: TeamRef,
    roundId: string,
    owner: string,
    attempt: number,
    final: boolean,
    _keepMs: number,
  ): Promise<'ok' | 'lost'> {
    const d = this.data(team);
    const claim = d?.claims[roundId];
    if (!d || !claim || !this.ownsClaim(d, roundId, owner, attempt)) return 'lost';
    claim.v = `${final ? 'failed' : 'retry'}|${attempt}`;
    return this.changed('ok');
  }

  async getRound(team: TeamRef, roundId: string): Promise<DailyRound | null> {
    const r = this.data(team)?.rounds[roundId];
    return r ? publicRound(r) : null;
  }

  async openRounds(team: TeamRef): Promise<{ roundId: string; closesAt: number }[]> {
    return Object.entries(this.data(team)?.open ?? {})
      .map(([roundId, closesAt]) => ({ roundId, closesAt }))
      .sort((a, b) => a.closesAt - b.closesAt || cmp(a.roundId, b.roundId));
  }

  async answer(
    team: TeamRef,
    roundId: string,
    userId: string,
    choice: number,
    now: number,
    name: string | null,
    requestId?: string,
  ): Promise<AnswerOutcome> {
    const d = this.data(team);
    const r = d?.rounds[roundId];
    if (!d || !r || r.expiresAt <= now) return { status: 'unknown' };
    const first = r.answers[userId];
    // The same event delivered again: answered like the first time, also after the close.
    if (first && requestId && first[2] === requestId)
      return { status: 'accepted', round: publicRound(r), choice: first[0], at: first[1], repeat: true };
    if (r.status !== 'open' || now >= r.closesAt) return { status: 'closed' };
    if (!Number.isInteger(choice) || choice < 0 || choice >= r.order.length) return { status: 'bad_choice' };
    if (first) return { status: 'already', choice: first[0], round: publicRound(r) };
    r.answers[userId] = requestId ? [choice, now, requestId] : [choice, now];
    if (name) d.names[userId] = name;
    return this.changed({ status: 'accepted', round: publicRound(r), choice, at: now, repeat: false });
  }

  async closeRound(team: TeamRef, roundId: string, a: CloseAwards): Promise<CloseOutcome> {
    const d = this.data(team);
    const r = d?.rounds[roundId];
    if (!d || !r || r.expiresAt <= a.now) return { status: 'unknown' };
    if (r.status === 'closed' && r.result) {
      return { status: 'already', round: publicRound(r), result: structuredClone(r.result) };
    }
    const users = Object.keys(r.answers);
    const right = Object.entries(r.answers)
      .filter(([, [choice]]) => choice === r.correct)
      .map(([userId, [, at]]) => ({ userId, at }))
      .sort((x, y) => x.at - y.at || cmp(x.userId, y.userId));
    const fastest: RoundWinner[] = [];
    right.forEach((e, i) => {
      const earned = a.points + (a.bonus[i] ?? 0);
      for (const board of a.boards) {
        const b = d.boards[board] ?? {};
        b[e.userId] = (b[e.userId] ?? 0) + earned;
        d.boards[board] = b;
      }
      if (i < a.fastest)
        fastest.push({ userId: e.userId, name: d.names[e.userId] ?? null, at: e.at, points: earned });
    });
    for (const user of users) {
      const s = d.streaks[user];
      const last = s?.last ?? '';
      if (last >= r.date) continue;
      const count = last !== '' && r.prevDate && last >= r.prevDate ? (s?.count ?? 0) + 1 : 1;
      d.streaks[user] = { count, last: r.date, best: Math.max(s?.best ?? 0, count) };
    }
    r.status = 'closed';
    r.result = { answered: users.length, right: right.length, fastest };
    r.expiresAt = a.now + a.keepMs;
    delete d.open[roundId];
    this.purge(d, a.now);
    return this.changed({ status: 'closed', round: publicRound(r), result: structuredClone(r.result) });
  }

  async noteReveal(team: TeamRef, roundId: string, ok: boolean): Promise<number> {
    const r = this.data(team)?.rounds[roundId];
    if (!r) return 0;
    if (ok) r.revealed = true;
    else r.revealFailures += 1;
    return this.changed(ok ? 0 : r.revealFailures);
  }

  async leaderboard(team: TeamRef, board: string, userId: string, n: number): Promise<BoardPage> {
    const d = this.data(team);
    const scores = d?.boards[board] ?? {};
    // Redis order: points descending, equal points by member descending.
    const sorted = Object.entries(scores).sort(([ua, pa], [ub, pb]) => pb - pa || cmp(ub, ua));
    const name = (u: string) => d?.names[u] ?? null;
    const top: BoardEntry[] = [];
    let rank = 0;
    let last: number | undefined;
    sorted.slice(0, n).forEach(([u, points], i) => {
      if (points !== last) {
        rank = i + 1;
        last = points;
      }
      top.push({ userId: u, name: name(u), points, rank });
    });
    const mine = scores[userId];
    const me: BoardEntry | null =
      mine === undefined
        ? null
        : {
            userId,
            name: name(userId),
            points: mine,
            rank: Object.values(scores).filter((p) => p > mine).length + 1,
          };
    return { top, me, total: sorted.length };
  }

  async streak(team: TeamRef, userId: string): Promise<Streak | null> {
    const s = this.data(team)?.streaks[userId];
    return s ? { ...s } : null;
  }

  async dueEntries(upTo: number, limit: number): Promise<DueEntry[]> {
    const out: DueEntry[] = [];
    const entries = Object.entries(this.slice.due)
      .filter(([, at]) => at <= upTo)
      .sort(([ma, a], [mb, b]) => a - b || cmp(ma, mb));
    for (const [member, at] of entries.slice(0, limit)) {
      const item = parseDueMember(member);
      if (item) out.push({ item, at });
    }
    return out;
  }

  async leaseDue(item: DueItem, at: number, until: number): Promise<boolean> {
    const m = dueMember(item);
    if (this.slice.due[m] !== at) return false;
    this.slice.due[m] = until;
    return this.changed(true);
  }

  async setDue(item: DueItem, at: number, onlyIfAbsent = false): Promise<void> {
    const m = dueMember(item);
    if (onlyIfAbsent && m in this.slice.due) return;
    this.slice.due[m] = at;
    this.changed(undefined);
  }

  async removeDue(item: DueItem): Promise<void> {
    const m = dueMember(item);
    if (!(m in this.slice.due)) return;
    delete this.slice.due[m];
    this.changed(undefined);
  }

  // ---- export / import (TeamRecordPort) -----------------------------------------------------

  /** Every team's data in portable form (see team-export.ts), by team; expired rounds and claims left out. */
  async *exportTeams(): AsyncIterable<TeamExport> {
    for (const key of Object.keys(this.slice.teams).sort()) {
      const d = this.slice.teams[key];
      if (d) yield this.exportTeam(d, Date.now());
    }
  }

  private exportTeam(d: MemoryTeamData, now: number): TeamExport {
    const exp = (at: number) => (at >= NEVER ? null : at);
    const rounds: ExportRound[] = [];
    for (const r of Object.values(d.rounds)) {
      if (r.expiresAt <= now) continue;
      const answers: ExportRound['answers'] = {};
      for (const [userId, [choice, at, requestId]] of Object.entries(r.answers))
        answers[userId] = requestId ? { choice, at, requestId } : { choice, at };
      rounds.push({
        ...publicRound(r),
        answers,
        result: r.result ? structuredClone(r.result) : null,
        revealFailures: r.revealFailures,
        expiresAt: exp(r.expiresAt),
      });
    }
    const claims: Record<string, ExportClaim> = {};
    for (const [roundId, c] of Object.entries(d.claims)) {
      if (c.expiresAt <= now) continue;
      const claim = decodeClaim(c.v, exp(c.expiresAt));
      if (claim) claims[roundId] = claim;
    }
    return exportedTeam({
      team: { platform: d.team.platform, teamId: d.team.teamId },
      timezone: d.tz,
      schedules: Object.values(d.schedules).map((s) => structuredClone(s)),
      rounds,
      claims,
      asked: Object.entries(d.asked).map(([key, cards]) => {
        const [channelId = '', deckId = ''] = key.split('\n');
        return { channelId, deckId, cards: [...cards] };
      }),
      boards: structuredClone(d.boards),
      streaks: structuredClone(d.streaks),
      names: { ...d.names },
    });
  }

  /** Checks one exported team record; throws with a reason. Writes nothing. */
  validateTeam(data: unknown): void {
    validateTeamExport(data);
  }

  /**
   * Restores one team record: every schedule, round (with its answers), claim, asked cycle, board,
   * streak and name in it replaces the one with the same id; others are kept. The open-rounds index
   * follows the imported rounds; due entries are rebuilt as the scheduler's reconcile would.
   */
  async importTeam(data: unknown): Promise<void> {
    const t = validateTeamExport(data);
    const now = Date.now();
    const d = this.ensure(t.team);
    if (t.timezone !== null) d.tz = t.timezone;
    for (const s of t.schedules) d.schedules[s.channelId] = structuredClone(s);
    for (const r of t.rounds) {
      if (expired(r.expiresAt, now)) continue;
      const { answers, result, revealFailures, expiresAt, ...round } = structuredClone(r);
      const stored: MemoryRound = {
        ...round,
        answers: {},
        result,
        revealFailures,
        expiresAt: expiresAt ?? NEVER,
      };
      for (const [userId, a] of Object.entries(answers))
        stored.answers[userId] = a.requestId ? [a.choice, a.at, a.requestId] : [a.choice, a.at];
      d.rounds[r.roundId] = stored;
      if (isListedOpen(r)) d.open[r.roundId] = r.closesAt;
      else delete d.open[r.roundId];
    }
    for (const [roundId, c] of Object.entries(t.claims)) {
      if (!expired(c.expiresAt, now))
        d.claims[roundId] = { v: encodeClaim(c), expiresAt: c.expiresAt ?? NEVER };
    }
    for (const a of t.asked) d.asked[`${a.channelId}\n${a.deckId}`] = [...a.cards];
    for (const [board, scores] of Object.entries(t.boards)) d.boards[board] = { ...scores };
    for (const [userId, s] of Object.entries(t.streaks)) d.streaks[userId] = { ...s };
    for (const [userId, name] of Object.entries(t.names)) d.names[userId] = name;
    this.changed(undefined);
    await reindexTeam(this, t.team, now);
  }
}
