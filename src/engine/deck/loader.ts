import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Document as YamlDocument,
} from 'yaml';
import type { z } from 'zod';
import { isDeckId } from '../actions.js';
import { duplicateFrontsAcrossDecks, lintCards } from './lint.js';
import { DECK_FIELDS, DECK_ID_RULE, DECK_LIMITS, DeckFileSchema, duplicateCardIds } from './schema.js';
import type { Deck, DeckCard } from './types.js';

/** One problem found in a deck file; never thrown, always reported. */
export interface DeckProblem {
  /** The file (or deck folder) as given to the loader. */
  file: string;
  /** The card: its id, or `#3` (1-based position) when it has no usable id. */
  card?: string;
  /** 1-based line in the file. */
  line?: number;
  /** What is wrong, for a human. */
  message: string;
  /** `warning`: shown, but `deck lint` still passes. Absent means an error. */
  severity?: 'warning';
}

/** Result of loading one deck: the deck when valid, and every problem found. */
export interface DeckLoadResult {
  deck?: Deck;
  problems: DeckProblem[];
  /** With `deck`: the 1-based line of each card's front, in card order (for cross-deck rules). */
  frontLines?: number[];
}

/** `decks/x.yaml:12: card "vm-pros": choices must include the answer "..."` */
export function formatProblem(p: DeckProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const card = p.card === undefined ? '' : p.card.startsWith('#') ? `card ${p.card}: ` : `card "${p.card}": `;
  return `${where}: ${p.severity === 'warning' ? 'warning: ' : ''}${card}${p.message}`;
}

const DECK_FILE = /\.ya?ml$/i;

/** The deck id a file name stands for: its name without `.yaml` / `.yml`. */
export function deckIdOf(path: string): string {
  return basename(path).replace(DECK_FILE, '');
}

type Path = readonly PropertyKey[];

/** Parses and validates one deck file's text. Never throws for bad content. */
export function parseDeck(text: string, file: string, id: string): DeckLoadResult {
  const problems: DeckProblem[] = [];
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!isDeckId(id)) {
    problems.push({ file, message: `file name "${id}" is not a valid deck id (${DECK_ID_RULE})` });
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;

  const yamlIssues = [...doc.errors, ...doc.warnings];
  if (yamlIssues.length > 0) {
    // One error often cascades into several on the same line: report the first of each line.
    const lines = new Set<number>();
    for (const e of yamlIssues) {
      const line = lineOf(e.pos[0]);
      if (lines.has(line)) continue;
      lines.add(line);
      problems.push(
        withCard(
          { file, line, message: `YAML syntax error: ${firstLine(e.message)}` },
          cardAt(doc, e.pos[0]),
        ),
      );
    }
    return { problems: sortProblems(problems) };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.push({
      file,
      message: `YAML could not be read: ${err instanceof Error ? err.message : String(err)}`,
    });
    return { problems };
  }
  if (data === null || data === undefined) {
    problems.push({ file, line: 1, message: 'the file is empty: a deck needs at least a title and cards' });
    return { problems };
  }

  const parsed = DeckFileSchema.safeParse(data);
  if (!parsed.success) {
    const issues: z.core.$ZodIssue[] = [...parsed.error.issues];
    const known = new Set(issues.map((i) => `${i.path.join('.')}\n${i.message}`));
    for (const d of duplicateCardIds(data)) {
      if (!known.has(`${d.path.join('.')}\n${d.message}`))
        issues.push({ code: 'custom', input: undefined, ...d });
    }
    for (const issue of issues) {
      for (const p of describeIssue(issue, data)) {
        const node = nodeAt(doc, p.path, p.key);
        problems.push(
          withCard(
            { file, ...(node?.range ? { line: lineOf(node.range[0]) } : {}), message: p.message },
            cardOfPath(data, p.path),
          ),
        );
      }
    }
  }

  const declared = isRecord(data) ? data.id : undefined;
  if (typeof declared === 'string' && isDeckId(declared) && declared !== id) {
    const node = nodeAt(doc, ['id']);
    problems.push({
      file,
      ...(node?.range ? { line: lineOf(node.range[0]) } : {}),
      message: `id "${declared}" must equal the file name "${id}" (or be left out)`,
    });
  }

  if (problems.length > 0 || !parsed.success) return { problems: sortProblems(problems) };
  const d = parsed.data;
  const deck: Deck = {
    id,
    title: d.title,
    ...(d.description === undefined ? {} : { description: d.description }),
    newPerDay: d.newPerDay,
    retention: d.retention,
    cards: d.cards.map(
      (c): DeckCard => ({
        id: c.id,
        front: c.front,
        back: c.back,
        ...(c.explanation === undefined ? {} : { explanation: c.explanation }),
        ...(c.source === undefined ? {} : { source: c.source }),
        tags: c.tags,
        quiz: c.quiz.map((q) => ({ question: q.question, choices: q.choices, answer: q.answer })),
      }),
    ),
  };
  // Content rules: reported (errors fail `deck lint`), but the deck still loads.
  const content = contentProblems(doc, deck, file, lineOf);
  return { deck, problems: sortProblems(content.problems), frontLines: content.frontLines };
}

/** The content-rule findings of a valid deck, located in its YAML, and each card's front line. */
function contentProblems(
  doc: YamlDocument.Parsed,
  deck: Deck,
  file: string,
  lineOf: (offset: number) => number,
): { problems: DeckProblem[]; frontLines: number[] } {
  const at = (path: Path): { line?: number } => {
    const node = nodeAt(doc, path);
    return node?.range ? { line: lineOf(node.range[0]) } : {};
  };
  const problems = lintCards(deck.cards).map((f) => {
    const card = typeof f.path[1] === 'number' ? deck.cards[f.path[1]]?.id : undefined;
    return withCard(
      {
        file,
        ...at(f.path),
        message: f.message,
        ...(f.severity === 'warning' ? { severity: 'warning' as const } : {}),
      },
      card,
    );
  });
  const frontLines = deck.cards.map((_, i) => at(['cards', i, 'front']).line ?? 1);
  return { problems, frontLines };
}

/** Reads, decodes and parses one deck file. Never throws for bad content or a missing file. */
export async function loadDeckFile(path: string): Promise<DeckLoadResult> {
  const id = deckIdOf(path);
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) return { problems: [{ file: path, message: 'not a file' }] };
    if (st.size > DECK_LIMITS.maxFileBytes) {
      return {
        problems: [
          {
            file: path,
            message: `file is too large (${mib(st.size)} MiB, at most ${mib(DECK_LIMITS.maxFileBytes)} MiB): split it into several decks`,
          },
        ],
      };
    }
    bytes = await readFile(path);
  } catch (err) {
    return { problems: [{ file: path, message: `cannot read the file: ${fsReason(err)}` }] };
  }
  if (bytes.length > DECK_LIMITS.maxFileBytes) {
    return {
      problems: [{ file: path, message: `file is too large (at most ${mib(DECK_LIMITS.maxFileBytes)} MiB)` }],
    };
  }
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = Math.max(0, lossy.indexOf('\uFFFD'));
    const line = lossy.slice(0, at).split('\n').length;
    const lc = new LineCounter();
    const doc = parseDocument(lossy, { lineCounter: lc });
    return {
      problems: [
        withCard(
          {
            file: path,
            line,
            message: 'the file is not valid UTF-8 (bad byte on this line): save it as UTF-8',
          },
          cardAt(doc, at),
        ),
      ],
    };
  }
  return parseDeck(text, path, id);
}

/**
 * Loads every `*.yaml` / `*.yml` deck of a folder, sorted by id. A broken deck is reported and
 * skipped; the good ones still load. A missing folder is a problem, not a crash.
 */
export async function loadDecks(dir: string): Promise<{ decks: Deck[]; problems: DeckProblem[] }> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => !e.isDirectory() && DECK_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'deck folder not found' : code === 'ENOTDIR' ? 'not a folder' : fsReason(err);
    return { decks: [], problems: [{ file: dir, message }] };
  }
  if (names.length === 0) {
    return { decks: [], problems: [{ file: dir, message: 'no deck files (*.yaml) in this folder' }] };
  }
  const decks = new Map<string, { deck: Deck; file: string; frontLines: number[] | undefined }>();
  const problems: DeckProblem[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const r = await loadDeckFile(file);
    problems.push(...r.problems);
    if (!r.deck) continue;
    const other = decks.get(r.deck.id);
    if (other) {
      problems.push({ file, message: `deck "${r.deck.id}" is already defined by ${other.file}; skipped` });
      continue;
    }
    decks.set(r.deck.id, { deck: r.deck, file, frontLines: r.frontLines });
  }
  const byId = [...decks.values()].sort((a, b) => a.deck.id.localeCompare(b.deck.id));
  for (const f of duplicateFrontsAcrossDecks(byId.map((d) => ({ ...d.deck, file: d.file })))) {
    const d = decks.get(f.deckId);
    const line = d?.frontLines?.[f.cardIndex];
    const card = d?.deck.cards[f.cardIndex];
    problems.push({
      file: f.file,
      ...(line === undefined ? {} : { line }),
      ...(card ? { card: card.id } : {}),
      message: f.message,
    });
  }
  return {
    decks: [...decks.values()].map((d) => d.deck).sort((a, b) => a.id.localeCompare(b.id)),
    problems,
  };
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    // Strips a leading BOM itself (ignoreBOM defaults to false).
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function mib(n: number): string {
  return (n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1);
}

function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return e instanceof Error ? e.message : String(err);
  }
}

function entries(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withCard(p: DeckProblem, card: string | undefined): DeckProblem {
  return card === undefined ? p : { ...p, card };
}

function sortProblems(ps: DeckProblem[]): DeckProblem[] {
  return ps
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

/** The label of card `i` in raw data: its id when it has one, else `#<i+1>`. */
function cardLabel(data: unknown, i: number): string {
  const cards = isRecord(data) ? data.cards : undefined;
  const card: unknown = Array.isArray(cards) ? cards[i] : undefined;
  const id = isRecord(card) ? card.id : undefined;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : `#${i + 1}`;
}

function cardOfPath(data: unknown, path: Path): string | undefined {
  return path[0] === 'cards' && typeof path[1] === 'number' ? cardLabel(data, path[1]) : undefined;
}

/** The card whose YAML node spans `offset` (for syntax errors and bad bytes). */
function cardAt(doc: YamlDocument.Parsed | YamlDocument, offset: number): string | undefined {
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
function nodeAt(doc: YamlDocument.Parsed | YamlDocument, path: Path, key?: string): Node | undefined {
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
function describeIssue(
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
