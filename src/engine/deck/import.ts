import { stringify } from 'yaml';
import { isDeckId } from '../actions.js';
import { err, ok, type Result } from '../result.js';
import { seededRandom, shuffle } from '../shuffle.js';
import { type ParsedInput, type RawNote, readInput } from './import-readers.js';
import { fnv1a, norm, shortAnswer, slug, titleOf, truncate, uniqueId } from './import-text.js';
import { comparisonKey } from './lint.js';
import { formatProblem, parseDeck } from './parse.js';
import { DECK_DEFAULTS, DECK_LIMITS } from './schema.js';
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

/** Why an input cannot be imported: a bad deck id, or input that cannot make a deck. */
export interface ImportProblem {
  code: 'bad_argument' | 'deck_invalid';
  message: string;
}

/** Cards needed to build multiple-choice forms: the answer plus 3 wrong choices from other cards. */
export const MIN_IMPORT_CARDS = 4;

const SCHEMA_HEADER = '# yaml-language-server: $schema=./deck.schema.json\n';

/**
 * Converts an Anki "Notes in Plain Text" export, a Quizlet export, or a CSV/TSV file into a deck
 * file. Each card gets one multiple-choice form whose wrong choices are other cards' answers,
 * chosen deterministically (seeded by the card id), so re-importing gives the same file.
 * Fails with `bad_argument` for a bad id and `deck_invalid` for input that cannot make a deck
 * (unreadable, fewer than 4 usable cards).
 */
export function importDeck(text: string, opts: ImportOptions): Result<ImportResult, ImportProblem> {
  if (!isDeckId(opts.id)) {
    return err({
      code: 'bad_argument',
      message: `"${opts.id}" is not a valid deck id: use lowercase letters, digits and "-", at most 32 characters`,
    });
  }
  const warnings: string[] = [];
  const source = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  const read = readInput(source, opts.format ?? 'auto', warnings);
  if (!read.ok) return err({ code: 'deck_invalid', message: read.error });
  const input = read.value;

  const notes = cleanNotes(input.notes, warnings);
  const usable = new Set(notes.map((n) => comparisonKey(shortAnswer(n.back))));
  if (notes.length < MIN_IMPORT_CARDS || usable.size < MIN_IMPORT_CARDS) {
    return err({
      code: 'deck_invalid',
      message:
        `found ${notes.length} usable card${notes.length === 1 ? '' : 's'}` +
        (usable.size < notes.length ? ` (${usable.size} with different answers)` : '') +
        `: at least ${MIN_IMPORT_CARDS} cards with different answers are needed to build multiple-choice questions`,
    });
  }
  const yaml = deckYaml(opts, input, notes);
  const check = parseDeck(yaml, `${opts.id}.yaml`, opts.id);
  if (!check.ok) {
    // A bug here, not bad input: every limit is enforced above.
    throw new Error(`imported deck does not validate:\n${check.error.map(formatProblem).join('\n')}`);
  }
  // Content warnings (an explanation that repeats the back) are passed on; a repeated front was
  // already reported by cleanNotes, and distractors were picked so none looks like the answer.
  for (const p of check.value.problems) {
    if (p.severity === 'warning') warnings.push(formatProblem({ ...p, file: `${opts.id}.yaml` }));
  }
  return ok({ yaml, deck: check.value.deck, warnings });
}

/** The deck file text of cleaned notes: one multiple-choice form a card, distractors seeded by its id. */
function deckYaml(opts: ImportOptions, input: ParsedInput, notes: RawNote[]): string {
  const ids = new Set<string>();
  const answers = notes.map((n) => shortAnswer(n.back));
  const cards = notes.map((n, i) => {
    const id = uniqueId(slug(n.front), ids);
    const answer = answers[i] as string;
    const rng = seededRandom(fnv1a(id));
    // Compared as lint compares them (case, spacing, punctuation), so no distractor looks like the answer.
    const others = shuffle(
      [...new Set(answers.filter((a) => comparisonKey(a) !== comparisonKey(answer)))].filter(
        (a, j, all) => all.findIndex((b) => comparisonKey(b) === comparisonKey(a)) === j,
      ),
      rng,
    );
    const choices = shuffle([answer, ...others.slice(0, 3)], rng);
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
  const file = {
    title,
    description: `Imported from ${FORMAT_NAMES[input.format]}. The wrong choices are other cards' answers: review them.`,
    newPerDay: DECK_DEFAULTS.newPerDay,
    retention: DECK_DEFAULTS.retention,
    cards,
  };
  return SCHEMA_HEADER + stringify(file, { lineWidth: 0 });
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
