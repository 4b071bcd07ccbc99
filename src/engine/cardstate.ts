import { type Card, createEmptyCard, State } from 'ts-fsrs';

/**
 * The one place that maps a ts-fsrs `Card` to its storage shape.
 *
 * Packed form, fixed order, `|`-separated, at most 64 bytes so Redis keeps small hashes as listpacks:
 * `v1|state|due|stability|difficulty|scheduled_days|learning_steps|reps|lapses|last_review`
 * - times are whole seconds since the epoch in base 36 (`last_review` empty when never reviewed);
 * - stability and difficulty keep 6 significant digits (FSRS itself is not that precise).
 * `elapsed_days` is deprecated in ts-fsrs and derived from `last_review` on unpack.
 */
export const PACK_VERSION = 'v1';
export const MAX_PACKED_BYTES = 64;

const SEP = '|';

function num(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`cannot pack non-finite number ${n}`);
  return String(Number(n.toPrecision(6)));
}

function time36(d: Date): string {
  return Math.round(d.getTime() / 1000).toString(36);
}

/** A due score in ms as the packed due would read (through a Date: the same clipping and rounding). */
function secs36(ms: number): string {
  return time36(new Date(ms));
}

function fromTime36(s: string, what: string): Date {
  const secs = Number.parseInt(s, 36);
  if (!Number.isFinite(secs) || !/^[0-9a-z]+$/.test(s)) throw new RangeError(`bad packed ${what}: ${s}`);
  return new Date(secs * 1000);
}

function int(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new RangeError(`bad packed ${what}: ${s}`);
  return Number(s);
}

function float(s: string, what: string): number {
  const n = Number(s);
  if (s === '' || !Number.isFinite(n)) throw new RangeError(`bad packed ${what}: ${s}`);
  return n;
}

/** Packs a card into its storage string. */
export function packCard(card: Card): string {
  const packed = [
    PACK_VERSION,
    String(card.state),
    time36(card.due),
    num(card.stability),
    num(card.difficulty),
    String(Math.round(card.scheduled_days)),
    String(card.learning_steps),
    String(card.reps),
    String(card.lapses),
    card.last_review ? time36(card.last_review) : '',
  ].join(SEP);
  if (packed.length > MAX_PACKED_BYTES) throw new RangeError(`packed state too long (${packed.length})`);
  return packed;
}

/** Unpacks a storage string; throws RangeError on anything malformed. */
export function unpackCard(packed: string): Card {
  const parts = packed.split(SEP);
  if (parts.length !== 10 || parts[0] !== PACK_VERSION) throw new RangeError(`bad packed state: ${packed}`);
  const [, st, due, stab, diff, sched, steps, reps, lapses, last] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const state = int(st, 'state');
  if (!(state in State)) throw new RangeError(`bad packed state kind: ${st}`);
  const card: Card = {
    state: state as State,
    due: fromTime36(due, 'due'),
    stability: float(stab, 'stability'),
    difficulty: float(diff, 'difficulty'),
    elapsed_days: 0,
    scheduled_days: int(sched, 'scheduled_days'),
    learning_steps: int(steps, 'learning_steps'),
    reps: int(reps, 'reps'),
    lapses: int(lapses, 'lapses'),
  };
  if (last !== '') card.last_review = fromTime36(last, 'last_review');
  return card;
}

/**
 * The review count of a packed state, without unpacking the rest (no Dates, no number parsing):
 * drawing the next card needs only this. Throws RangeError as {@link unpackCard} would.
 */
export function packedReps(packed: string): number {
  let at = 0;
  for (let i = 0; i < 7; i++) {
    at = packed.indexOf(SEP, at) + 1;
    if (at === 0) throw new RangeError(`bad packed state: ${packed}`);
  }
  const end = packed.indexOf(SEP, at);
  if (!packed.startsWith(PACK_VERSION + SEP) || end < 0) throw new RangeError(`bad packed state: ${packed}`);
  return int(packed.slice(at, end), 'reps');
}

/** A fresh card as ts-fsrs makes it, at `now`. */
export function newCard(now: number): Card {
  return createEmptyCard(new Date(now));
}

/** Marks a stored state kept verbatim (not in the packed form): no stored form starts with it. */
const VERBATIM = '=';
const PACKED_PREFIX = PACK_VERSION + SEP;

/** How many `|` a string holds. */
function separators(s: string): number {
  let n = 0;
  for (let at = s.indexOf(SEP); at >= 0; at = s.indexOf(SEP, at + 1)) n++;
  return n;
}

/**
 * Where the state and the due of a packed string end (the `|` after each), or null when the string
 * is not in the packed form (another version, or not ten fields).
 */
function packedDueSpan(packed: string): { stateEnd: number; dueEnd: number } | null {
  if (!packed.startsWith(PACKED_PREFIX) || separators(packed) !== 9) return null;
  const stateEnd = packed.indexOf(SEP, PACKED_PREFIX.length);
  return { stateEnd, dueEnd: packed.indexOf(SEP, stateEnd + 1) };
}

/**
 * Redis's form of a packed state (store/redis only; the engine, the embedded store and the backup
 * speak {@link packCard}'s form). The due sorted set already holds the due time as its score, so
 * the hash value drops the version and the due: `state|stability|difficulty|scheduled_days|
 * learning_steps|reps|lapses|last_review`, the same fields as the packed form. When the due inside
 * the packed state is not the score rounded to seconds (a caller that scheduled the queue apart
 * from the state; the engine never does), the due follows as a ninth field, so a state always
 * reads back exactly as written. A string not in the packed form is kept as it is after a `=`, as
 * the embedded store keeps any string (the engine never writes one).
 *
 * These conversions run on every grade, so they cut and join at the separators they find instead
 * of splitting into arrays.
 */
export function toStoredState(packed: string, scoreMs: number): string {
  const span = packedDueSpan(packed);
  if (!span) return VERBATIM + packed;
  const body = packed.slice(PACKED_PREFIX.length, span.stateEnd) + packed.slice(span.dueEnd);
  const due = packed.slice(span.stateEnd + 1, span.dueEnd);
  return due === secs36(scoreMs) ? body : body + SEP + due;
}

/**
 * The part of a stored state without the explicit due (see {@link toStoredState}): what the grade
 * script compares a stored value with (the value is that, or that followed by `|<due>`).
 */
export function storedStateBody(packed: string): string {
  const span = packedDueSpan(packed);
  if (!span) return VERBATIM + packed;
  return packed.slice(PACKED_PREFIX.length, span.stateEnd) + packed.slice(span.dueEnd);
}

/** Inverse of {@link toStoredState}: the packed state, given the due score (ms) of the same card. */
export function fromStoredState(stored: string, scoreMs: number): string {
  if (stored.startsWith(VERBATIM)) return stored.slice(VERBATIM.length);
  const n = separators(stored);
  if ((n !== 7 && n !== 8) || !Number.isFinite(scoreMs))
    throw new RangeError(`bad stored state: ${stored} (due ${scoreMs})`);
  const last = n === 8 ? stored.lastIndexOf(SEP) : stored.length;
  const due = n === 8 ? stored.slice(last + 1) : secs36(scoreMs);
  const stateEnd = stored.indexOf(SEP);
  return `${PACKED_PREFIX}${stored.slice(0, stateEnd)}${SEP}${due}${stored.slice(stateEnd, last)}`;
}
