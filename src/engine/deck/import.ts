import { Document, isScalar, isSeq, visit } from 'yaml';
import { isDeckId } from '../actions.js';
import { QuizError } from '../errors.js';
import { pick, type Random, seededRandom, shuffle } from '../shuffle.js';
import { type ParsedInput, type RawNote, readInput } from './import-readers.js';
import { fnv1a, norm, shortAnswer, slug, titleOf, truncate, uniqueId } from './import-text.js';
import { comparisonKey, lintCards } from './lint.js';
import { deckOf, formatProblem } from './parse.js';
import { DECK_DEFAULTS, DECK_LIMITS, DeckFileSchema } from './schema.js';
import type { Deck } from './types.js';

export { htmlToText, shortAnswer, slug, truncate } from './import-text.js';

/** Input formats `importDeck` understands; `auto` picks one from the text. */
export type ImportFormat = 'auto' | 'anki' | 'quizlet' | 'csv' | 'tsv';

/** Options of {@link importDeck}. */
export interface ImportOptions {
  /** Id of the new deck (its file name stem). */
  id: string;
  /** Deck title; default: the Anki `#deck:` header, else the id in words. */
  title?: string;
  /** Input format; default `auto`. */
  format?: ImportFormat;
}

/** Result of {@link importDeck}: the deck file text, the deck it loads as, and what was changed or dropped. */
export interface ImportResult {
  yaml: string;
  deck: Deck;
  warnings: string[];
}

/** Cards needed to build multiple-choice forms: the answer plus 3 wrong choices from other cards. */
export const MIN_IMPORT_CARDS = 4;

const SCHEMA_HEADER = '# yaml-language-server: $schema=./deck.schema.json\n';

/**
 * Converts an Anki "Notes in Plain Text" export, a Quizlet export, or a CSV/TSV file into a deck
 * file. Each card gets one multiple-choice form whose wrong choices are other cards' answers,
 * chosen deterministically (seeded by the card id), so re-importing gives the same file.
 * Throws `QuizError('bad_argument')` for a bad id and `QuizError('deck_invalid')` for input that
 * cannot make a deck (unreadable, fewer than 4 usable cards).
 */
export function importDeck(text: string, opts: ImportOptions): ImportResult {
  if (!isDeckId(opts.id)) {
    throw new QuizError(
      'bad_argument',
      `"${opts.id}" is not a valid deck id: use lowercase letters, digits and "-", at most 32 characters`,
    );
  }
  const warnings: string[] = [];
  const source = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  const input = readInput(source, opts.format ?? 'auto', warnings);

  const notes = cleanNotes(input.notes, warnings);
  const answers = notes.map((n) => shortAnswer(n.back));
  const keys = answers.map(comparisonKey);
  const usable = new Set(keys);
  if (notes.length < MIN_IMPORT_CARDS || usable.size < MIN_IMPORT_CARDS) {
    throw new QuizError(
      'deck_invalid',
      `found ${notes.length} usable card${notes.length === 1 ? '' : 's'}` +
        (usable.size < notes.length ? ` (${usable.size} with different answers)` : '') +
        `: at least ${MIN_IMPORT_CARDS} cards with different answers are needed to build multiple-choice questions`,
    );
  }

  const ids = new Set<string>();
  const pool = distinctAnswers(answers, keys);
  const cards = notes.map((n, i): ImportedCard => {
    const id = uniqueId(slug(n.front), ids);
    const answer = answers[i] as string;
    const rng = seededRandom(fnv1a(id));
    const others = distractors(pool, keys[i] as string, rng);
    const choices = shuffle([answer, ...others], rng);
    return {
      id,
      front: n.front,
      back: n.back,
      ...(n.explanation ? { explanation: n.explanation } : {}),
      ...(n.tags.length > 0 ? { tags: n.tags } : {}),
      quiz: [{ question: truncate(n.front, DECK_LIMITS.questionMax), choices, answer }],
    };
  });

  const title = truncate(opts.title?.trim() || input.title?.trim() || titleOf(opts.id), DECK_LIMITS.titleMax);
  const head = {
    title,
    description: `Imported from ${FORMAT_NAMES[input.format]}. The wrong choices are other cards' answers: review them.`,
    newPerDay: DECK_DEFAULTS.newPerDay,
    retention: DECK_DEFAULTS.retention,
  };
  const file = `${opts.id}.yaml`;
  const { yaml, kept, lines } = fitToFileLimit(head, cards, warnings);
  // The data written is validated as the loader validates it (schema, then content rules), without
  // parsing the YAML text back: that doubled the import time, and tests hold that the text loads.
  const checked = DeckFileSchema.safeParse({ ...head, cards: kept });
  if (!checked.success) {
    // A bug here, not bad input: every limit is enforced above.
    throw new Error(`imported deck does not validate: ${JSON.stringify(checked.error.issues.slice(0, 5))}`);
  }
  const deck = deckOf(opts.id, checked.data);
  // Content warnings (an explanation that repeats the back) are passed on; a repeated front was
  // already reported by cleanNotes, and distractors were picked so none looks like the answer.
  for (const f of lintCards(deck.cards)) {
    const ci = f.path[1];
    if (f.severity !== 'warning' || typeof ci !== 'number') continue;
    const card = deck.cards[ci]?.id;
    warnings.push(
      formatProblem({
        file,
        line: lines[ci] ?? 1,
        ...(card ? { card } : {}),
        message: f.message,
        severity: 'warning',
      }),
    );
  }
  return { yaml, deck, warnings };
}

/**
 * The deck file text, with as many cards as fit in {@link DECK_LIMITS.maxFileBytes}: the loader
 * refuses a larger file, so the importer never writes one. Choice and tag lists are written in
 * flow style (`[a, b, c, d]`), as the bundled decks write short lists: a 5,000-word vocabulary
 * deck then fits the limit, where one line per choice did not.
 */
/** One card as the importer writes it. */
interface ImportedCard {
  id: string;
  front: string;
  back: string;
  explanation?: string;
  tags?: string[];
  quiz: { question: string; choices: string[]; answer: string }[];
}

const FLOW_LISTS = new Set(['choices', 'tags']);

function fitToFileLimit(
  head: object,
  cards: readonly ImportedCard[],
  warnings: string[],
): { yaml: string; kept: readonly ImportedCard[]; lines: number[] } {
  const max = DECK_LIMITS.maxFileBytes;
  const full = renderDeck(head, cards);
  let starts = cardStarts(full);
  let kept = cards;
  let yaml = full;
  if (utf8Length(full) > max) {
    let bytes = utf8Length(full.slice(0, starts[0]));
    let fit = 0;
    for (; fit < cards.length; fit++) {
      const next = utf8Length(full.slice(starts[fit], starts[fit + 1] ?? full.length));
      if (bytes + next > max) break;
      bytes += next;
    }
    warnings.push(
      `only the first ${fit} cards fit in a deck file (at most ${max / 1024 / 1024} MiB); the other ${cards.length - fit} were dropped: split the export into several decks`,
    );
    kept = cards.slice(0, fit);
    yaml = renderDeck(head, kept);
    starts = cardStarts(yaml);
  }
  // 1-based line of each card's first line, for located warnings.
  const lines: number[] = [];
  for (let at = 0, line = 1, ci = 0; ci < starts.length; ci++) {
    const start = starts[ci] as number;
    for (; at < start; at++) if (yaml.charCodeAt(at) === 10) line++;
    lines.push(line);
  }
  return { yaml, kept, lines };
}

function renderDeck(head: object, cards: readonly ImportedCard[]): string {
  const doc = new Document({ ...head, cards });
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && FLOW_LISTS.has(String(pair.key.value)) && isSeq(pair.value))
        pair.value.flow = true;
    },
  });
  return SCHEMA_HEADER + doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * Offsets of the card items in a rendered deck: they start at column 2 under `cards:`, the last
 * key; everything inside a card (block scalars included) is indented further.
 */
function cardStarts(yaml: string): number[] {
  const starts: number[] = [];
  let at = yaml.indexOf('\ncards:\n');
  for (;;) {
    at = yaml.indexOf('\n  - ', at + 1);
    if (at < 0) return starts;
    starts.push(at + 1);
  }
}

/** UTF-8 size of a string, without an encoder's copy (the engine has no Buffer). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Every answer once, by comparison key (first spelling wins), keys computed once. */
interface AnswerPool {
  texts: string[];
  /** Comparison key -> index in `texts`. */
  index: Map<string, number>;
}

function distinctAnswers(answers: readonly string[], answerKeys: readonly string[]): AnswerPool {
  const texts: string[] = [];
  const index = new Map<string, number>();
  for (const [i, a] of answers.entries()) {
    const key = answerKeys[i] as string;
    if (index.has(key)) continue;
    index.set(key, texts.length);
    texts.push(a);
  }
  return { texts, index };
}

/**
 * Three wrong choices: distinct other answers (compared as lint compares them, so none looks like
 * the answer), drawn by the card's seeded random source. Constant time per card: the pool is never
 * copied or shuffled (that made a 5,000-card import quadratic; before it, a `findIndex` over
 * normalized keys per answer made it cubic). The caller guarantees 4 distinct answers.
 */
function distractors(pool: AnswerPool, answerKey: string, rng: Random): string[] {
  const own = pool.index.get(answerKey);
  const want = Math.min(3, pool.texts.length - (own === undefined ? 0 : 1));
  const taken = new Set<number>();
  const out: string[] = [];
  while (out.length < want) {
    const j = pick(rng, pool.texts.length);
    if (j === own || taken.has(j)) continue;
    taken.add(j);
    out.push(pool.texts[j] as string);
  }
  return out;
}

const FORMAT_NAMES: Record<ParsedInput['format'], string> = {
  anki: 'an Anki text export',
  quizlet: 'a Quizlet export',
  csv: 'a CSV file',
  tsv: 'a TSV file',
};

/** Drops empty and duplicate notes, enforces the deck limits; says what changed. */
function cleanNotes(notes: RawNote[], warnings: string[]): RawNote[] {
  const seen = new Map<string, number>();
  const fronts = new Map<string, number>();
  const out: RawNote[] = [];
  for (const n of notes) {
    if (n.front === '' || n.back === '') {
      warnings.push(`line ${n.line}: ${n.front === '' ? 'empty front' : 'empty back'}; skipped`);
      continue;
    }
    const key = `${norm(n.front)}\u0000${norm(n.back)}`;
    const dup = seen.get(key);
    if (dup !== undefined) {
      warnings.push(`line ${n.line}: duplicate of line ${dup}; dropped`);
      continue;
    }
    seen.set(key, n.line);
    const sameFront = fronts.get(norm(n.front));
    if (sameFront !== undefined) {
      warnings.push(`line ${n.line}: same front as line ${sameFront} but another back; kept both`);
    } else {
      fronts.set(norm(n.front), n.line);
    }
    const fitTo = (s: string, max: number, what: string) => {
      if (s.length <= max) return s;
      warnings.push(`line ${n.line}: ${what} cut to ${max} characters`);
      return truncate(s, max);
    };
    const tags = [...new Set(n.tags)]
      .filter((t) => t.length <= DECK_LIMITS.tagMax)
      .slice(0, DECK_LIMITS.tagsMax);
    if (tags.length < new Set(n.tags).size)
      warnings.push(`line ${n.line}: some tags were too long or too many; dropped`);
    out.push({
      line: n.line,
      front: fitTo(n.front, DECK_LIMITS.frontMax, 'front'),
      back: fitTo(n.back, DECK_LIMITS.backMax, 'back'),
      ...(n.explanation
        ? { explanation: fitTo(n.explanation, DECK_LIMITS.explanationMax, 'explanation') }
        : {}),
      tags,
    });
  }
  if (out.length > DECK_LIMITS.cardsMax) {
    warnings.push(`only the first ${DECK_LIMITS.cardsMax} cards were kept (of ${out.length})`);
    out.length = DECK_LIMITS.cardsMax;
  }
  return out;
}
