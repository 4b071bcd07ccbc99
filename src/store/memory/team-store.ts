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
  RoundWinner,
  Streak,
  TeamRef,
  TeamStore,
} from '../../engine/ports.js';
import type { TeamRecordPort } from '../backup.js';
import { RETENTION } from '../retention.js';
import { countPicks, dueMember, parseDueMember } from '../team-codec.js';
import { type TeamExport, validateTeamExport } from '../team-export.js';
import * as claims from './claims.js';
import type { PersistedDoc } from './persist.js';
import { exportMemoryTeam, importMemoryTeam } from './team-backup.js';
import { emptyTeam, type MemoryTeamData, publicRound, type TeamDoc, type TeamSlice } from './team-data.js';

/** Byte order of ASCII ids, as Redis compares members. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
    teams[key] ??= emptyTeam(team);
    return teams[key];
  }

  /** Saves the document, then answers `value`; a failed save rejects with save_failed (see PersistedDoc). */
  private async changed<T>(value: T): Promise<T> {
    await this.doc.changed();
    return value;
  }

  /** Forgets rounds and claims past their expiry (what Redis TTLs do by themselves). */
  private purge(d: MemoryTeamData, now: number): void {
    // Any team's write also ages out the members of teams that stopped (Redis: the keys' TTL).
    for (const t of Object.values(this.slice.teams)) {
      if (t.membersUntil === undefined || t.membersUntil > now) continue;
      t.names = {};
      t.streaks = {};
      delete t.seen;
      delete t.membersUntil;
    }
    for (const [id, r] of Object.entries(d.rounds)) if (r.expiresAt <= now) delete d.rounds[id];
    for (const [id, c] of Object.entries(d.claims)) if (c.expiresAt <= now) delete d.claims[id];
    for (const [id, at] of Object.entries(d.boardExp ?? {})) {
      if (at > now) continue;
      delete d.boards[id];
      delete d.boardExp?.[id];
    }
    for (const [user, at] of Object.entries(d.seen ?? {})) {
      if (at > now - RETENTION.memberIdleMs) continue;
      delete d.names[user];
      delete d.streaks[user];
      delete d.seen?.[user];
    }
  }

  async putSchedule(team: TeamRef, s: ChannelSchedule): Promise<void> {
    const d = this.ensure(team);
    // Another deck starts its own no-repeat cycle; the old deck's is dropped (retention).
    const old = d.schedules[s.channelId];
    if (old && old.deckId !== s.deckId) delete d.asked[`${s.channelId}\n${old.deckId}`];
    d.schedules[s.channelId] = structuredClone(s);
    d.tz = s.timezone;
    await this.changed(undefined);
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
    const old = d?.schedules[channelId];
    if (!d || !old) return false;
    delete d.schedules[channelId];
    delete d.asked[`${channelId}\n${old.deckId}`];
    return this.changed(true);
  }

  async teamTimezone(team: TeamRef): Promise<string | null> {
    return this.data(team)?.tz ?? null;
  }

  /** Teams with a schedule or an open round (as the Redis index: a team leaves it when it has neither). */
  async teams(): Promise<TeamRef[]> {
    const active = (d: MemoryTeamData) =>
      Object.keys(d.schedules).length > 0 || Object.keys(d.open).length > 0;
    return Object.keys(this.slice.teams)
      .filter((k) => active(this.slice.teams[k] as MemoryTeamData))
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
    return this.changed(claims.claimRound(d, round, lease));
  }

  async renewClaim(
    team: TeamRef,
    roundId: string,
    generation: number,
    now: number,
    until: number,
  ): Promise<'ok' | 'lost'> {
    const d = this.data(team);
    return d ? this.changed(claims.renewClaim(d, roundId, generation, now, until)) : 'lost';
  }

  async recordPost(team: TeamRef, round: DailyRound, post: PostRecord): Promise<'ok' | 'late' | 'lost'> {
    const d = this.data(team);
    return d ? this.changed(claims.recordPost(d, round.roundId, post)) : 'lost';
  }

  async failPost(
    team: TeamRef,
    roundId: string,
    generation: number,
    final: boolean,
    _keepMs: number,
    rateLimited = false,
  ): Promise<'ok' | 'lost'> {
    const d = this.data(team);
    return d ? this.changed(claims.failPost(d, roundId, generation, final, rateLimited)) : 'lost';
  }

  async markPostNow(team: TeamRef, channelId: string, now: number, windowMs: number): Promise<boolean> {
    return this.changed(claims.markPostNow(this.ensure(team), channelId, now, windowMs));
  }

  async releasePostNow(team: TeamRef, channelId: string, now: number, _windowMs: number): Promise<void> {
    const marks = this.data(team)?.postNow;
    if (marks?.[channelId] !== now) return;
    delete marks[channelId];
    await this.doc.changed();
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
    messageId?: string,
  ): Promise<AnswerOutcome> {
    const d = this.data(team);
    const r = d?.rounds[roundId];
    if (!d || !r || r.expiresAt <= now) return { status: 'unknown' };
    if (messageId && r.message && r.message.messageId !== messageId) return { status: 'mismatch' };
    const first = r.answers[userId];
    // The same event delivered again: answered like the first time, also after the close.
    if (first && requestId && first[2] === requestId)
      return { status: 'accepted', round: publicRound(r), choice: first[0], at: first[1], repeat: true };
    if (r.status !== 'open' || now >= r.closesAt) return { status: 'closed' };
    if (!Number.isInteger(choice) || choice < 0 || choice >= r.order.length) return { status: 'bad_choice' };
    if (first) return { status: 'already', choice: first[0], round: publicRound(r) };
    r.answers[userId] = requestId ? [choice, now, requestId] : [choice, now];
    if (name) {
      d.names[userId] = name;
      d.membersUntil = Math.max(d.membersUntil ?? 0, now + RETENTION.memberIdleMs);
    }
    return this.changed({ status: 'accepted', round: publicRound(r), choice, at: now, repeat: false });
  }

  async closeRound(team: TeamRef, roundId: string, a: CloseAwards): Promise<CloseOutcome> {
    // One step here (no chunks): given up before it, nothing is written.
    a.signal?.throwIfAborted();
    const d = this.data(team);
    const r = d?.rounds[roundId];
    if (!d || !r || r.expiresAt <= a.now) {
      // An expired round leaves the open index too (as the close script does), or every start re-queues it.
      if (d && d.open[roundId] !== undefined) {
        delete d.open[roundId];
        this.doc.changed();
      }
      return { status: 'unknown' };
    }
    // Closed is closed, as in Redis (status alone), also for an imported round without results.
    if (r.status === 'closed') {
      if (d.open[roundId] !== undefined) {
        delete d.open[roundId];
        this.doc.changed();
      }
      const result = r.result ?? { answered: 0, right: 0, fastest: [] };
      return { status: 'already', round: publicRound(r), result: structuredClone(result) };
    }
    const users = Object.keys(r.answers);
    const right = Object.entries(r.answers)
      .filter(([, [choice]]) => choice === r.correct)
      .map(([userId, [, at]]) => ({ userId, at }))
      .sort((x, y) => x.at - y.at || cmp(x.userId, y.userId));
    const fastest: RoundWinner[] = [];
    // A close a Redis backup caught between chunks: its first `closeCursor` answerers (in user-id
    // order, as close.ts plans) already have their points and streaks.
    const applied = new Set(r.status === 'closing' ? [...users].sort(cmp).slice(0, r.closeCursor ?? 0) : []);
    right.forEach((e, i) => {
      const earned = a.points + (a.bonus[i] ?? 0);
      for (const board of applied.has(e.userId) ? [] : a.boards) {
        const b = d.boards[board] ?? {};
        b[e.userId] = (b[e.userId] ?? 0) + earned;
        d.boards[board] = b;
      }
      if (i < a.fastest)
        fastest.push({ userId: e.userId, name: d.names[e.userId] ?? null, at: e.at, points: earned });
    });
    d.seen ??= {};
    d.membersUntil = Math.max(d.membersUntil ?? 0, a.now + RETENTION.memberIdleMs);
    for (const user of users) {
      d.seen[user] = a.now;
      if (applied.has(user)) continue;
      const s = d.streaks[user];
      const last = s?.last ?? '';
      if (last >= r.date) continue;
      const count = last !== '' && r.prevDate && last >= r.prevDate ? (s?.count ?? 0) + 1 : 1;
      d.streaks[user] = { count, last: r.date, best: Math.max(s?.best ?? 0, count) };
    }
    r.status = 'closed';
    delete r.closeCursor;
    const picks = countPicks(Object.values(r.answers).map(([choice]) => choice));
    r.result = { answered: users.length, right: right.length, fastest, picks };
    r.expiresAt = a.now + a.keepMs;
    // Old week and month boards go by the caller's clock, as the gc index does in Redis.
    const [week, month] = a.boards;
    d.boardExp ??= {};
    if (d.boards[week]) d.boardExp[week] = a.now + RETENTION.weekBoardMs;
    if (d.boards[month]) d.boardExp[month] = a.now + RETENTION.monthBoardMs;
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
    await this.changed(undefined);
  }

  async removeDue(item: DueItem): Promise<void> {
    const m = dueMember(item);
    if (!(m in this.slice.due)) return;
    delete this.slice.due[m];
    await this.changed(undefined);
  }

  // ---- export / import (TeamRecordPort): the backup path, in team-backup.ts ------------------

  /** Every team's data in portable form (see team-export.ts), by team; expired rounds and claims left out. */
  async *exportTeams(now: number): AsyncIterable<TeamExport> {
    for (const key of Object.keys(this.slice.teams).sort()) {
      const d = this.slice.teams[key];
      if (d) yield exportMemoryTeam(d, now);
    }
  }

  /** Checks one exported team record; throws with a reason. Writes nothing. */
  validateTeam(data: unknown): void {
    validateTeamExport(data);
  }

  /** Restores one team record as of `now` (see {@link importMemoryTeam}); the due index is left to the caller. */
  async importTeam(data: unknown, now: number): Promise<TeamRef> {
    const t = validateTeamExport(data);
    importMemoryTeam(this.ensure(t.team), t, now);
    await this.changed(undefined);
    return t.team;
  }
}
