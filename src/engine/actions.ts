import { createHash } from 'node:crypto';
import { QuizError } from './errors.js';
import type { UserRef } from './ports.js';

/**
 * Button action ids: compact, versioned, validated.
 *
 * Form: `q1:<verb>:<field>:<field>...`; at most 100 characters (Discord's custom_id limit).
 * A malformed, tampered or old-version id is refused with `bad_action` / `stale_action`.
 */
export const ACTION_VERSION = 'q1';
export const MAX_ACTION_ID = 100;

/** Rating buttons: 1 Again, 2 Hard, 3 Good, 4 Easy (ts-fsrs Rating values). */
export type Grade = 1 | 2 | 3 | 4;

/** Every action a button can carry. */
export type Action =
  /** Self-review: show the answer of a card. */
  | { kind: 'reveal'; deckId: string; cardId: string; owner: string }
  /** Self-review: grade a card; `rev` is the card's review count when shown, so a repeated click applies once. */
  | { kind: 'grade'; deckId: string; cardId: string; grade: Grade; rev: number; owner: string }
  /** Self-review: show the next card. */
  | { kind: 'next'; deckId: string; owner: string }
  /** Daily quiz: pick a choice of a round. */
  | { kind: 'answer'; roundId: string; choice: number }
  /** `/forget-me`: confirm (delete the user's data) or cancel; only the user who asked may press it. */
  | { kind: 'forget'; confirm: boolean; owner: string };

const ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const DECK_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const OWNER = /^[0-9a-f]{8}$/;
const ROUND_ID = /^[A-Za-z0-9_.-]{1,60}$/;
const REV = /^(0|[1-9]\d{0,4})$/;
const CHOICE = /^[0-9]$/;

const tags = new Map<string, string>();
const MAX_CACHED_TAGS = 10_000;

/** Short, stable tag of a user, so a button can be checked against who pressed it (memoised: it is on every view). */
export function ownerTag(user: UserRef): string {
  const key = `${user.platform}:${user.userId}`;
  let tag = tags.get(key);
  if (tag === undefined) {
    tag = createHash('sha256').update(key).digest('hex').slice(0, 8);
    if (tags.size >= MAX_CACHED_TAGS) tags.clear();
    tags.set(key, tag);
  }
  return tag;
}

/** Deck ids allowed in actions (and so in deck files). */
export function isDeckId(s: string): boolean {
  return DECK_ID.test(s);
}

/** Card ids allowed in actions (and so in deck files). */
export function isCardId(s: string): boolean {
  return ID.test(s);
}

/** Encodes an action; throws on fields that would not decode back. */
export function encodeAction(a: Action): string {
  let parts: string[];
  switch (a.kind) {
    case 'reveal':
      parts = ['r', a.deckId, a.cardId, a.owner];
      break;
    case 'grade':
      parts = ['g', a.deckId, a.cardId, String(a.grade), String(a.rev), a.owner];
      break;
    case 'next':
      parts = ['n', a.deckId, a.owner];
      break;
    case 'answer':
      parts = ['a', a.roundId, String(a.choice)];
      break;
    case 'forget':
      parts = ['f', a.confirm ? 'y' : 'n', a.owner];
      break;
  }
  const id = [ACTION_VERSION, ...parts].join(':');
  // Fields are checked with the decoder's own patterns, so what is encoded always decodes back.
  if (!FIELD_CHECK[a.kind](parts) || id.length > MAX_ACTION_ID)
    throw new Error(`invalid action fields: ${id}`);
  return id;
}

const FIELD_CHECK: Record<Action['kind'], (p: string[]) => boolean> = {
  reveal: (p) => DECK_ID.test(p[1] ?? '') && ID.test(p[2] ?? '') && OWNER.test(p[3] ?? ''),
  grade: (p) =>
    DECK_ID.test(p[1] ?? '') &&
    ID.test(p[2] ?? '') &&
    /^[1-4]$/.test(p[3] ?? '') &&
    REV.test(p[4] ?? '') &&
    OWNER.test(p[5] ?? ''),
  next: (p) => DECK_ID.test(p[1] ?? '') && OWNER.test(p[2] ?? ''),
  answer: (p) => ROUND_ID.test(p[1] ?? '') && CHOICE.test(p[2] ?? ''),
  forget: (p) => /^[yn]$/.test(p[1] ?? '') && OWNER.test(p[2] ?? ''),
};

function bad(id: string): never {
  throw new QuizError('bad_action', `malformed action id: ${JSON.stringify(id.slice(0, 120))}`);
}

/** Decodes and validates an action id; throws QuizError `bad_action` or `stale_action`. */
export function decodeAction(id: string): Action {
  if (typeof id !== 'string' || id.length > MAX_ACTION_ID) bad(String(id));
  const parts = id.split(':');
  const [version, verb, ...f] = parts;
  if (version !== ACTION_VERSION) {
    if (version && /^q\d+$/.test(version)) {
      throw new QuizError('stale_action', `action id from another version: ${version}`);
    }
    bad(id);
  }
  switch (verb) {
    case 'r':
      if (f.length === 3 && DECK_ID.test(f[0] ?? '') && ID.test(f[1] ?? '') && OWNER.test(f[2] ?? '')) {
        return { kind: 'reveal', deckId: f[0] as string, cardId: f[1] as string, owner: f[2] as string };
      }
      break;
    case 'g':
      if (
        f.length === 5 &&
        DECK_ID.test(f[0] ?? '') &&
        ID.test(f[1] ?? '') &&
        /^[1-4]$/.test(f[2] ?? '') &&
        REV.test(f[3] ?? '') &&
        OWNER.test(f[4] ?? '')
      ) {
        return {
          kind: 'grade',
          deckId: f[0] as string,
          cardId: f[1] as string,
          grade: Number(f[2]) as Grade,
          rev: Number(f[3]),
          owner: f[4] as string,
        };
      }
      break;
    case 'n':
      if (f.length === 2 && DECK_ID.test(f[0] ?? '') && OWNER.test(f[1] ?? '')) {
        return { kind: 'next', deckId: f[0] as string, owner: f[1] as string };
      }
      break;
    case 'a':
      if (f.length === 2 && ROUND_ID.test(f[0] ?? '') && CHOICE.test(f[1] ?? '')) {
        return { kind: 'answer', roundId: f[0] as string, choice: Number(f[1]) };
      }
      break;
    case 'f':
      if (f.length === 2 && /^[yn]$/.test(f[0] ?? '') && OWNER.test(f[1] ?? '')) {
        return { kind: 'forget', confirm: f[0] === 'y', owner: f[1] as string };
      }
      break;
  }
  return bad(id);
}
