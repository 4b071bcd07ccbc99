import { isMap, isScalar, isSeq, type Node, type Document as YamlDocument } from 'yaml';
import type { z } from 'zod';
import { DECK_FIELDS } from './schema.js';

/*
 * Locating and wording deck problems: which card and YAML node a path points at, and a human
 * message for each schema issue (with a "did you mean" for misspelt fields).
 */

/** A path into the deck data, as zod reports it. */
export type Path = readonly PropertyKey[];

export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entries(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`;
}

/** The label of card `i` in raw data: its id when it has one, else `#<i+1>`. */
function cardLabel(data: unknown, i: number): string {
  const cards = isRecord(data) ? data.cards : undefined;
  const card: unknown = Array.isArray(cards) ? cards[i] : undefined;
  const id = isRecord(card) ? card.id : undefined;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : `#${i + 1}`;
}

export function cardOfPath(data: unknown, path: Path): string | undefined {
  return path[0] === 'cards' && typeof path[1] === 'number' ? cardLabel(data, path[1]) : undefined;
}

/** The card whose YAML node spans `offset` (for syntax errors and bad bytes). */
export function cardAt(doc: YamlDocument.Parsed | YamlDocument, offset: number): string | undefined {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const cards = root.get('cards', true);
  if (!isSeq(cards)) return undefined;
  for (const [i, item] of cards.items.entries()) {
    const range = (item as Node | null)?.range;
    if (range && offset >= range[0] && offset <= range[2]) {
      const id = isMap(item) ? item.get('id') : undefined;
      return typeof id === 'string' && id.trim() !== '' ? id.trim() : `#${i + 1}`;
    }
  }
  return undefined;
}

/**
 * The deepest YAML node on `path` (a missing field points at its parent). With `key`, the key
 * node of that field in the map at `path` (for unknown fields).
 */
export function nodeAt(doc: YamlDocument.Parsed | YamlDocument, path: Path, key?: string): Node | undefined {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === seg);
      if (!pair) break;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined || item === null) break;
      node = item;
    } else {
      break;
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => keyText(p.key) === key);
    if (pair?.key) return pair.key as Node;
  }
  return (node as Node | null) ?? undefined;
}

function keyText(k: unknown): unknown {
  return isScalar(k) ? k.value : k;
}

/** A field label relative to its card (or the deck): `front`, `quiz 1 choice 5`, `tag 2`. */
function label(path: Path): string {
  const rel = path[0] === 'cards' && typeof path[1] === 'number' ? path.slice(2) : path;
  const words: string[] = [];
  for (const seg of rel) {
    if (typeof seg === 'number') {
      const prev = words.pop() ?? 'item';
      const singular =
        prev === 'choices' ? 'choice' : prev === 'tags' ? 'tag' : prev === 'cards' ? 'card' : prev;
      words.push(`${singular} ${seg + 1}`);
    } else {
      words.push(String(seg));
    }
  }
  return words.join(' ');
}

function valueAt(data: unknown, path: Path): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v) && typeof seg === 'string') v = v[seg];
    else return undefined;
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  return `a ${typeof v}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  array: 'a list',
  object: 'a mapping (field: value)',
  boolean: 'true or false',
};

function fieldsAt(path: Path): readonly string[] {
  if (path.length === 0) return DECK_FIELDS.deck;
  if (path.length === 2 && path[0] === 'cards') return DECK_FIELDS.card;
  if (path.length === 4 && path[0] === 'cards' && path[2] === 'quiz') return DECK_FIELDS.quiz;
  return [];
}

function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Turns one zod issue into located, human messages (one per unknown field). */
export function describeIssue(
  issue: z.core.$ZodIssue,
  data: unknown,
): { path: Path; key?: string; message: string }[] {
  const path = issue.path;
  const name = label(path);
  const subject = name === '' ? 'the deck' : name;
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'custom':
      return [{ path, message: issue.message }];
    case 'unrecognized_keys': {
      const allowed = fieldsAt(path);
      return issue.keys.map((key) => {
        const guess = closest(key, allowed);
        const hint = guess
          ? ` (did you mean "${guess}"?)`
          : allowed.length
            ? ` (allowed: ${allowed.join(', ')})`
            : '';
        return { path, key, message: `${name === '' ? '' : `${name}: `}unknown field "${key}"${hint}` };
      });
    }
    case 'invalid_type': {
      if (path.length === 0)
        return [{ path, message: 'the file must be a mapping with at least a title and cards' }];
      if (value === undefined) return [{ path, message: `${subject} is missing` }];
      if (value === null) return [{ path, message: `${subject} is empty: give it a value or remove it` }];
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return [{ path, message: `${subject} must be ${expected}, not ${kindOf(value)}` }];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') {
        return [
          {
            path,
            message:
              min <= 1 ? `${subject} must not be empty` : `${subject} must be at least ${min} characters`,
          },
        ];
      }
      if (issue.origin === 'array') {
        const n = Array.isArray(value) ? value.length : 0;
        return [{ path, message: `${subject} must have at least ${entries(min)} (has ${n})` }];
      }
      return [{ path, message: `${subject} must be at least ${min} (is ${String(value)})` }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') {
        const n = typeof value === 'string' ? value.trim().length : 0;
        return [{ path, message: `${subject} is too long (${n} characters, at most ${max})` }];
      }
      if (issue.origin === 'array') {
        const n = Array.isArray(value) ? value.length : 0;
        return [{ path, message: `${subject} must have at most ${entries(max)} (has ${n})` }];
      }
      return [{ path, message: `${subject} must be at most ${max} (is ${String(value)})` }];
    }
    case 'invalid_format':
      return [{ path, message: `${subject} ${JSON.stringify(value)} ${issue.message}` }];
    default:
      return [{ path, message: `${subject}: ${issue.message}` }];
  }
}
