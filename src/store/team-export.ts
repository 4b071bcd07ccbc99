import { z } from 'zod';
import { MAX_CLOSE_MINUTES, parseTime, parseTimezone } from '../engine/schedule.js';
import { decodeClaim } from './team-codec.js';

/**
 * The portable form of one team's competition data, shared by the Redis and the embedded team
 * store (`quizbot export` / `quizbot import`, see backup.ts). Plain JSON; arrays of entities are
 * sorted by their id and maps have sorted keys, so the same data always exports the same text.
 *
 * What is NOT in it, because it is rebuilt on import:
 * - the open-rounds index (a round is listed when its `status` is not `closed` and it has a `message`);
 * - the global team index (the team is indexed on import);
 * - the global due index: {@link reindexTeam} adds what the scheduler's reconcile would (the next
 *   opening of each active schedule, the close of each open round).
 *
 * Expiry (`expiresAt`) is an absolute time in ms (null: never expires), so rounds and claims keep
 * the same remaining lifetime after a move; entries already expired are neither exported nor imported.
 */

const MAX_MS = 8.64e15;
const Ms = z.number().int().min(0).max(MAX_MS);
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** An id used as a map key in the embedded store too, so `__proto__` is refused. */
const Id = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => s !== '__proto__', { message: 'reserved id' });
const DateStr = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'not a YYYY-MM-DD date' });
const Time = z.string().refine(
  (s) => {
    const p = parseTime(s);
    return p.ok && p.value === s;
  },
  { message: 'not a HH:MM time' },
);
const Zone = z.string().refine(
  (s) => {
    const p = parseTimezone(s);
    return p.ok && p.value === s;
  },
  { message: 'not a canonical IANA timezone' },
);
const Board = z.string().regex(/^(w:\d{4}-W(0[1-9]|[1-4]\d|5[0-3])|m:\d{4}-(0[1-9]|1[0-2])|all)$/, {
  message: 'not a board id (w:YYYY-Www, m:YYYY-MM or all)',
});
const Points = z.number().finite();

const Close = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('after'), minutes: z.number().int().min(1).max(MAX_CLOSE_MINUTES) }),
  z.strictObject({ kind: z.literal('at'), time: Time }),
]);

const Schedule = z
  .strictObject({
    channelId: Id,
    deckId: Id,
    time: Time,
    timezone: Zone,
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7),
    close: Close,
    paused: z.boolean(),
    updatedBy: z.string().max(256),
    updatedAt: Ms,
  })
  .superRefine((s, ctx) => {
    if (s.weekdays.some((d, i) => i > 0 && d <= (s.weekdays[i - 1] as number))) {
      ctx.addIssue({ code: 'custom', path: ['weekdays'], message: 'not sorted and distinct' });
    }
    if (s.close.kind === 'at' && s.close.time === s.time) {
      ctx.addIssue({ code: 'custom', path: ['close'], message: 'closes at its opening time' });
    }
  });

const Winner = z.strictObject({
  userId: Id,
  name: z.string().min(1).max(256).nullable(),
  at: Ms,
  points: Points,
});
const Result = z
  .strictObject({
    answered: Count,
    right: Count,
    fastest: z.array(Winner),
    picks: z.array(Count).max(25).optional(),
  })
  .refine((r) => r.right <= r.answered && r.fastest.length <= r.right, { message: 'inconsistent counts' });

const Round = z
  .strictObject({
    roundId: Id,
    channelId: Id,
    date: DateStr,
    deckId: Id,
    cardId: Id,
    form: z.number().int().min(0).max(1000),
    order: z.array(z.number().int().min(0).max(25)).min(2).max(26),
    correct: z.number().int().min(0),
    opensAt: Ms,
    closesAt: Ms,
    prevDate: DateStr.nullable(),
    /** `closing`: a chunked close stopped between chunks (Redis); `closeCursor` says where it resumes. */
    status: z.enum(['open', 'closing', 'closed']),
    /** Answerers (in user-id order) whose points and streak the interrupted close already applied. */
    closeCursor: Count.optional(),
    message: z.strictObject({ channelId: Id, messageId: z.string().min(1).max(256) }).nullable(),
    revealed: z.boolean(),
    /** userId -> first answer; `requestId`: the platform event that made it (re-deliveries are recognised by it). */
    answers: z.record(
      Id,
      z.strictObject({
        choice: z.number().int().min(0),
        at: Ms,
        requestId: z.string().min(1).max(256).optional(),
      }),
    ),
    result: Result.nullable(),
    revealFailures: Count,
    expiresAt: Ms.nullable(),
  })
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const n = r.order.length;
    if (new Set(r.order).size !== n || r.order.some((i) => i >= n)) issue('order', 'not a permutation');
    if (r.correct >= n) issue('correct', 'not one of the choices');
    if (Object.values(r.answers).some((a) => a.choice >= n)) issue('answers', 'a choice out of range');
    if (r.closesAt <= r.opensAt) issue('closesAt', 'not after opensAt');
    if (r.prevDate !== null && r.prevDate >= r.date) issue('prevDate', 'not before date');
    if ((r.status === 'closing') !== (r.closeCursor !== undefined))
      issue('closeCursor', 'a closing round needs a cursor, no other round has one');
    if (r.closeCursor !== undefined && r.closeCursor > Object.keys(r.answers).length)
      issue('closeCursor', 'beyond the answers');
    if ((r.status === 'closed') !== (r.result !== null))
      issue('result', 'a closed round needs a result, an open one none');
  });

const Claim = z.discriminatedUnion('state', [
  z.strictObject({
    state: z.literal('run'),
    owner: z
      .string()
      .min(1)
      .max(256)
      .refine((s) => !s.includes('|'), { message: 'owner contains |' }),
    attempt: z.number().int().min(1).max(1000),
    until: Ms,
    expiresAt: Ms.nullable(),
  }),
  z.strictObject({
    state: z.literal('retry'),
    attempts: z.number().int().min(1).max(1000),
    expiresAt: Ms.nullable(),
  }),
  z.strictObject({ state: z.literal('posted'), expiresAt: Ms.nullable() }),
  z.strictObject({
    state: z.literal('failed'),
    attempts: z.number().int().min(0).max(1000),
    expiresAt: Ms.nullable(),
  }),
]);

const Asked = z.strictObject({ channelId: Id, deckId: Id, cards: z.array(Id) });

const Streak = z
  .strictObject({ count: Count, last: DateStr, best: Count })
  .refine((s) => s.best >= s.count, { message: 'best below count' });

/** Strict schema of one team record; see {@link TeamExport}. */
export const TeamExportSchema = z
  .strictObject({
    team: z.strictObject({ platform: z.enum(['discord', 'slack', 'terminal']), teamId: Id }),
    /** Timezone of the leaderboard periods (the last schedule change), or null. */
    timezone: Zone.nullable(),
    /** Channel schedules, by channel id. */
    schedules: z.array(Schedule),
    /** Rounds still kept (open or closed), with first answers and results, by round id. */
    rounds: z.array(Round),
    /** Post claims by round id (the exactly-once state of each round's post). */
    claims: z.record(Id, Claim),
    /** Current no-repeat cycles: cards asked per channel and deck, by channel then deck. */
    asked: z.array(Asked),
    /** Board id (`w:<YYYY-Www>`, `m:<YYYY-MM>`, `all`) -> userId -> points. */
    boards: z.record(Board, z.record(Id, Points)),
    /** userId -> daily-quiz streak. */
    streaks: z.record(Id, Streak),
    /** userId -> display name. */
    names: z.record(Id, z.string().min(1).max(256)),
  })
  .superRefine((t, ctx) => {
    const dup = (path: string, ids: string[]) => {
      if (new Set(ids).size !== ids.length)
        ctx.addIssue({ code: 'custom', path: [path], message: 'duplicate id' });
    };
    dup(
      'schedules',
      t.schedules.map((s) => s.channelId),
    );
    dup(
      'rounds',
      t.rounds.map((r) => r.roundId),
    );
    dup(
      'asked',
      t.asked.map((a) => JSON.stringify([a.channelId, a.deckId])),
    );
  });

/** One team's competition data in portable form (one `team` record of a backup). */
export type TeamExport = z.infer<typeof TeamExportSchema>;
/** A round in a {@link TeamExport}: the round, its first answers, result and bookkeeping. */
export type ExportRound = TeamExport['rounds'][number];
/** A post claim in a {@link TeamExport}. */
export type ExportClaim = TeamExport['claims'][string];

/** Validates one team record; throws an Error with a short reason (path and message). Writes nothing. */
export function validateTeamExport(data: unknown): TeamExport {
  const r = TeamExportSchema.safeParse(data);
  if (r.success) return canonicalTeamExport(r.data);
  const issue = r.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  throw new Error(`${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`);
}

/** Byte order of ids, as Redis compares members. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedRecord<V, W = V>(
  rec: Record<string, V>,
  map: (v: V) => W = (v) => v as unknown as W,
): Record<string, W> {
  const out: Record<string, W> = {};
  for (const k of Object.keys(rec).sort(cmp)) out[k] = map(rec[k] as V);
  return out;
}

/** The same record with every list and map in its canonical order. */
export function canonicalTeamExport(t: TeamExport): TeamExport {
  return {
    team: t.team,
    timezone: t.timezone,
    schedules: [...t.schedules].sort((a, b) => cmp(a.channelId, b.channelId)),
    rounds: [...t.rounds]
      .sort((a, b) => cmp(a.roundId, b.roundId))
      .map((r) => ({ ...r, answers: sortedRecord(r.answers) })),
    claims: sortedRecord(t.claims),
    asked: [...t.asked]
      .sort((a, b) => cmp(a.channelId, b.channelId) || cmp(a.deckId, b.deckId))
      .map((a) => ({ ...a, cards: [...new Set(a.cards)].sort(cmp) })),
    boards: sortedRecord(t.boards, (b) => sortedRecord(b)),
    streaks: sortedRecord(t.streaks),
    names: sortedRecord(t.names),
  };
}

/** Validates what a store read for export (a failure names the team: the backup would be refused). */
export function exportedTeam(t: TeamExport): TeamExport {
  try {
    return validateTeamExport(t);
  } catch (err) {
    throw new Error(`team ${t.team.platform}:${t.team.teamId} cannot be exported: ${(err as Error).message}`);
  }
}

/** The portable form of a stored claim string (see team-codec.ts) with its expiry; null for anything else. */
export function exportedClaim(v: string, expiresAt: number | null): ExportClaim | null {
  const c = decodeClaim(v);
  return c ? { ...c, expiresAt } : null;
}

/** Whether an imported round goes into the open-rounds index (posted and not closed: a `closing` one is still to finish). */
export function isListedOpen(r: ExportRound): boolean {
  return r.status !== 'closed' && r.message !== null;
}

/** Whether something with this expiry is gone at `now`. */
export function expired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now;
}
