import type { DailyRound, DueItem, RoundResult, Streak, TeamRef } from '../engine/ports.js';

/*
 * The one home of the stored team formats: how a post claim, a round's hash fields, an answer,
 * a round result, a streak and a due-index member are written as strings, and read back. The
 * Redis store, the embedded store and the backup use these; the Lua scripts under redis/lua/
 * write the same strings (their headers name this module), and redis/keys.ts points here
 * rather than restating them.
 */

// ---- claim: the exactly-once state of one round's post ----------------------------------------

/**
 * A post claim, as both stores keep it (the string form is `run|<owner>|<attempt>|<until ms>`,
 * `retry|<attempts>`, `posted` or `failed|<attempts>`; `lua/dailyClaim-3.lua` writes the same).
 */
export type StoredClaim =
  /**
   * A post in progress by `owner`, attempt `attempt`, its lease running until `until` ms. The
   * attempt is the claim's generation: the fencing token every write of its holder must carry.
   */
  | { state: 'run'; owner: string; attempt: number; until: number }
  /**
   * A post failed; the next claim may try again. `attempts` is the generation of the failed claim
   * (rate-limited attempts included: the round's `free` count says how many of them were).
   */
  | { state: 'retry'; attempts: number }
  /** Posted: nothing more to do. */
  | { state: 'posted' }
  /** Given up after `attempts` failed posts. */
  | { state: 'failed'; attempts: number };

/**
 * The string of a claim. With `expiresAt` (ms), followed by `#<expiresAt>`, as the daily scripts
 * write claims in Redis: their lifetime by the bot's clock (the key's TTL is the backstop).
 */
export function encodeClaim(c: StoredClaim, expiresAt?: number | null): string {
  const suffix = expiresAt === undefined || expiresAt === null ? '' : `#${expiresAt}`;
  return claimText(c) + suffix;
}

function claimText(c: StoredClaim): string {
  switch (c.state) {
    case 'run':
      return `${runClaimPrefix(c.owner, c.attempt)}${c.until}`;
    case 'retry':
      return `retry|${c.attempts}`;
    case 'posted':
      return 'posted';
    case 'failed':
      return `failed|${c.attempts}`;
  }
}

/**
 * Inverse of {@link encodeClaim}; null for anything else. Accepts the `#<expiry ms>` suffix the
 * daily scripts add in Redis (the caller's clock; the key's expiry says the same) and
 * `posted|...` as older versions wrote.
 */
export function decodeClaim(raw: string): StoredClaim | null {
  const v = raw.replace(/#\d+$/, '');
  const run = /^run\|(.*)\|(\d+)\|(\d+)$/.exec(v);
  if (run) return { state: 'run', owner: run[1] as string, attempt: Number(run[2]), until: Number(run[3]) };
  const retry = /^retry\|(\d+)$/.exec(v);
  if (retry) return { state: 'retry', attempts: Number(retry[1]) };
  if (v === 'posted' || v.startsWith('posted|')) return { state: 'posted' };
  const failed = /^failed\|(\d+)$/.exec(v);
  if (failed) return { state: 'failed', attempts: Number(failed[1]) };
  return null;
}

/**
 * The start of the claim string of `owner`'s attempt `attempt` while it runs. Writes are fenced by
 * the attempt (the generation) alone: `dailyRenew`, `dailyPosted` and `dailyFailed` compare it.
 */
export function runClaimPrefix(owner: string, attempt: number | string): string {
  return `run|${owner}|${attempt}|`;
}

// ---- streak -----------------------------------------------------------------------------------

/** A streak's string: `<count>|<last local date>|<best>` (`lua/dailyClose-8.lua` writes the same). */
export function encodeStreak(s: Streak): string {
  return `${s.count}|${s.last}|${s.best}`;
}

/** Inverse of {@link encodeStreak}; null for anything else. */
export function decodeStreak(v: string): Streak | null {
  const m = /^(\d+)\|([^|]*)\|(\d+)$/.exec(v);
  return m ? { count: Number(m[1]), last: m[2] as string, best: Number(m[3]) } : null;
}

// ---- round hash, answers, result, due member ----------------------------------------------------

/** Round hash fields written at claim time (the rest are added by later scripts). */
export function roundFields(r: Omit<DailyRound, 'status'> & { status: string }): string[] {
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

/**
 * The round fields {@link parseRound} reads, in the order `lua/dailyAnswer-3.lua` returns their
 * values (the script lists them too; tests/contract/team-store.redis.test.ts holds the two alike).
 */
export const ROUND_READ_FIELDS = [
  'id',
  'ch',
  'date',
  'deck',
  'card',
  'form',
  'order',
  'correct',
  'opens',
  'closes',
  'prev',
  'status',
  'msg',
  'mch',
  'rv',
] as const;

/** The round hash of values in {@link ROUND_READ_FIELDS} order (null or absent where unset), for {@link parseRound}. */
export function roundOfValues(values: readonly unknown[], from = 0): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i < ROUND_READ_FIELDS.length; i++) {
    const v = values[from + i];
    if (v !== null && v !== undefined) h[ROUND_READ_FIELDS[i] as string] = String(v);
  }
  return h;
}

/**
 * Inverse of {@link roundFields} (plus `mch`/`msg`/`rv` written later); null when incomplete. A
 * `closing` round (a chunked close stopped between chunks) is not closed, so the engine sees it as
 * `open`; {@link closeCursorOf} tells it apart where that matters (backups).
 */
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

/** The resume point of a round left `closing` by an interrupted chunked close; undefined for any other round. */
export function closeCursorOf(h: Record<string, string>): number | undefined {
  return h.status === 'closing' ? Number(h.cur ?? 0) : undefined;
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

/** Parses the result JSON the close script stores (cjson writes an empty list as `{}`). */
export function parseResult(json: string): RoundResult {
  const raw = JSON.parse(json || '{}') as {
    answered?: number;
    right?: number;
    fastest?: { u: string; t: string | number; p: number; n: string }[] | Record<string, never>;
    picks?: number[] | Record<string, never>;
  };
  const fastest = Array.isArray(raw.fastest) ? raw.fastest : [];
  const result: RoundResult = {
    answered: raw.answered ?? 0,
    right: raw.right ?? 0,
    fastest: fastest.map((f) => ({ userId: f.u, name: f.n ? f.n : null, at: Number(f.t), points: f.p })),
  };
  // cjson writes an empty list as `{}` too: no answer, no picks.
  if (raw.picks) result.picks = Array.isArray(raw.picks) ? raw.picks.map(Number) : [];
  return result;
}

/** How many answers picked each displayed choice, index = choice (up to the highest one picked). */
export function countPicks(choices: Iterable<number>): number[] {
  const picks: number[] = [];
  for (const c of choices) {
    if (!Number.isInteger(c) || c < 0 || c > 24) continue;
    while (picks.length <= c) picks.push(0);
    picks[c] = (picks[c] ?? 0) + 1;
  }
  return picks;
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

/** Result JSON as the close script stores it (`t` and `n` as strings, no name = ''). */
export function resultJson(r: RoundResult): string {
  return JSON.stringify({
    answered: r.answered,
    right: r.right,
    fastest: r.fastest.map((f) => ({ u: f.userId, t: String(f.at), p: f.points, n: f.name ?? '' })),
    ...(r.picks ? { picks: r.picks } : {}),
  });
}
