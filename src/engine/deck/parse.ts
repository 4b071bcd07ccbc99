import { LineCounter, parseDocument, type Document as YamlDocument } from 'yaml';
import type { z } from 'zod';
import { isDeckId } from '../actions.js';
import { duplicateFrontsAcrossDecks, lintCards } from './lint.js';
import { DECK_ID_RULE, DECK_LIMITS, DeckFileSchema, duplicateCardIds } from './schema.js';
import type { Deck, DeckCard } from './types.js';
import { cardAt, cardOfPath, describeIssue, firstLine, isRecord, nodeAt, type Path } from './yaml-issues.js';

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

/** Deck file names: `*.yaml` / `*.yml`. */
export const DECK_FILE = /\.ya?ml$/i;

/** The deck id a file name stands for: its name (after the last `/`) without `.yaml` / `.yml`. */
export function deckIdOf(path: string): string {
  const name = path.replace(/\/+$/, '');
  return name.slice(name.lastIndexOf('/') + 1).replace(DECK_FILE, '');
}

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

  const syntax = syntaxProblems(doc, file, lineOf);
  if (syntax.length > 0) return { problems: sortProblems([...problems, ...syntax]) };

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
  if (!parsed.success) problems.push(...schemaProblems(parsed.error.issues, data, doc, file, lineOf));

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
  const deck = deckOf(id, parsed.data);
  // Content rules: reported (errors fail `deck lint`), but the deck still loads.
  const content = contentProblems(doc, deck, file, lineOf);
  return { deck, problems: sortProblems(content.problems), frontLines: content.frontLines };
}

/** YAML syntax errors, the first of each line (one error often cascades into several on the same line). */
function syntaxProblems(
  doc: YamlDocument.Parsed,
  file: string,
  lineOf: (offset: number) => number,
): DeckProblem[] {
  const problems: DeckProblem[] = [];
  const lines = new Set<number>();
  for (const e of [...doc.errors, ...doc.warnings]) {
    const line = lineOf(e.pos[0]);
    if (lines.has(line)) continue;
    lines.add(line);
    problems.push(
      withCard({ file, line, message: `YAML syntax error: ${firstLine(e.message)}` }, cardAt(doc, e.pos[0])),
    );
  }
  return problems;
}

/** The schema issues (and duplicate card ids) of the data, worded and located in the YAML. */
function schemaProblems(
  schemaIssues: readonly z.core.$ZodIssue[],
  data: unknown,
  doc: YamlDocument.Parsed,
  file: string,
  lineOf: (offset: number) => number,
): DeckProblem[] {
  const issues: z.core.$ZodIssue[] = [...schemaIssues];
  const known = new Set(issues.map((i) => `${i.path.join('.')}\n${i.message}`));
  for (const d of duplicateCardIds(data)) {
    if (!known.has(`${d.path.join('.')}\n${d.message}`))
      issues.push({ code: 'custom', input: undefined, ...d });
  }
  const problems: DeckProblem[] = [];
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
  return problems;
}

/** The deck of a valid deck file's data (also what the importer returns). */
export function deckOf(id: string, d: z.output<typeof DeckFileSchema>): Deck {
  return {
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

/**
 * The deck in one file's bytes: checks the size and the UTF-8 encoding, then parses it
 * (see {@link parseDeck}). Pure: the caller reads the file.
 */
export function parseDeckBytes(bytes: Uint8Array, file: string): DeckLoadResult {
  if (bytes.length > DECK_LIMITS.maxFileBytes) {
    return {
      problems: [{ file, message: `file is too large (at most ${mib(DECK_LIMITS.maxFileBytes)} MiB)` }],
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
            file,
            line,
            message: 'the file is not valid UTF-8 (bad byte on this line): save it as UTF-8',
          },
          cardAt(doc, at),
        ),
      ],
    };
  }
  return parseDeck(text, file, deckIdOf(file));
}

/** One deck file's outcome, for {@link collectDecks}. */
export interface DeckFileResult {
  /** The file as given. */
  file: string;
  /** What parsing it found. */
  result: DeckLoadResult;
}

/**
 * The decks of a folder from each file's outcome, in file-name order: a second deck with the same
 * id is skipped with a problem, and fronts repeated across decks are reported. Sorted by id.
 */
export function collectDecks(files: DeckFileResult[]): { decks: Deck[]; problems: DeckProblem[] } {
  const decks = new Map<string, { deck: Deck; file: string; frontLines: number[] | undefined }>();
  const problems: DeckProblem[] = [];
  for (const { file, result: r } of files) {
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

export function mib(n: number): string {
  return (n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1);
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
