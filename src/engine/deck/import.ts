import { parse as parseCsv } from 'csv-parse/sync';
import { decode as decodeEntities } from 'html-entities';
import { stringify } from 'yaml';
import { isDeckId } from '../actions.js';
import { QuizError } from '../errors.js';
import { seededRandom, shuffle } from '../shuffle.js';
import { comparisonKey } from './lint.js';
import { formatProblem, parseDeck } from './parse.js';
import { DECK_DEFAULTS, DECK_LIMITS } from './schema.js';
import type { Deck } from './types.js';

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

/** A note as read from the input, before cleaning. */
interface RawNote {
  line: number;
  front: string;
  back: string;
  explanation?: string;
  tags: string[];
}

interface ParsedInput {
  format: Exclude<ImportFormat, 'auto'>;
  notes: RawNote[];
  title?: string;
}

/** Cards needed to build multiple-choice forms: the answer plus 3 wrong choices from other cards. */
export const MIN_IMPORT_CARDS = 4;

const SCHEMA_HEADER = '# yaml-language-server: $schema=./deck.schema.json\n';
const ANKI_HEADER = /^#([a-z][a-z ]*):(.*)$/i;

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
  const usable = new Set(notes.map((n) => comparisonKey(shortAnswer(n.back))));
  if (notes.length < MIN_IMPORT_CARDS || usable.size < MIN_IMPORT_CARDS) {
    throw new QuizError(
      'deck_invalid',
      `found ${notes.length} usable card${notes.length === 1 ? '' : 's'}` +
        (usable.size < notes.length ? ` (${usable.size} with different answers)` : '') +
        `: at least ${MIN_IMPORT_CARDS} cards with different answers are needed to build multiple-choice questions`,
    );
  }

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
  const yaml = SCHEMA_HEADER + stringify(file, { lineWidth: 0 });
  const check = parseDeck(yaml, `${opts.id}.yaml`, opts.id);
  if (!check.deck) {
    // A bug here, not bad input: every limit is enforced above.
    throw new Error(`imported deck does not validate:\n${check.problems.map(formatProblem).join('\n')}`);
  }
  // Content warnings (an explanation that repeats the back) are passed on; a repeated front was
  // already reported by cleanNotes, and distractors were picked so none looks like the answer.
  for (const p of check.problems) {
    if (p.severity === 'warning') warnings.push(formatProblem({ ...p, file: `${opts.id}.yaml` }));
  }
  return { yaml, deck: check.deck, warnings };
}

const FORMAT_NAMES: Record<ParsedInput['format'], string> = {
  anki: 'an Anki text export',
  quizlet: 'a Quizlet export',
  csv: 'a CSV file',
  tsv: 'a TSV file',
};

function readInput(source: string, format: ImportFormat, warnings: string[]): ParsedInput {
  switch (format) {
    case 'anki':
      return readAnki(source, warnings);
    case 'quizlet':
      return { format: 'quizlet', notes: readQuizlet(source, warnings) };
    case 'csv':
    case 'tsv':
      return { format, notes: readTable(source, format === 'csv' ? ',' : '\t', warnings) };
    case 'auto': {
      const first = source.split('\n').find((l) => l.trim() !== '') ?? '';
      if (ANKI_HEADER.test(first)) return readAnki(source, warnings);
      if (first.includes('\t')) {
        try {
          const found: string[] = [];
          const notes = readTable(source, '\t', found);
          warnings.push(...found);
          return { format: 'tsv', notes };
        } catch {
          // Quizlet text is not quoted CSV: a field starting with `"` breaks the TSV reader.
          return { format: 'quizlet', notes: readQuizlet(source, warnings) };
        }
      }
      return { format: 'csv', notes: readTable(source, ',', warnings) };
    }
  }
}

/** Rows of a delimited text, each with the line it starts on. Throws QuizError on broken quoting. */
function rows(source: string, delimiter: string, startLine = 1): { line: number; cells: string[] }[] {
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parseCsv(source, {
      delimiter,
      bom: true,
      info: true,
      raw: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new QuizError(
      'deck_invalid',
      `cannot read the file as ${delimiter === '\t' ? 'tab' : `"${delimiter}"`}-separated text: ${
        err instanceof Error ? err.message : String(err)
      }`,
      { cause: err },
    );
  }
  return records
    .map((r) => {
      const body = r.raw.replace(/^\n+/, '').replace(/\n$/, '');
      const inner = body.split('\n').length - 1;
      return { line: startLine - 1 + r.info.lines - inner, cells: r.record };
    })
    .filter((r) => r.cells.some((c) => c.trim() !== ''));
}

const FRONT_NAMES = /^(front|question|term|text|q)$/i;
const BACK_NAMES = /^(back|answer|definition|a)$/i;
const EXPLANATION_NAMES = /^(explanation|back extra|extra|notes?)$/i;
const TAG_NAMES = /^tags?$/i;

interface Columns {
  front: number;
  back: number;
  explanation?: number;
  tags?: number;
}

function columnsFromHeader(names: string[]): Columns | undefined {
  const find = (re: RegExp) => names.findIndex((n) => re.test(n.trim()));
  const front = find(FRONT_NAMES);
  const back = find(BACK_NAMES);
  if (front < 0 || back < 0) return undefined;
  const explanation = find(EXPLANATION_NAMES);
  const tags = find(TAG_NAMES);
  return { front, back, ...(explanation >= 0 ? { explanation } : {}), ...(tags >= 0 ? { tags } : {}) };
}

function noteOf(
  line: number,
  cells: string[],
  cols: Columns,
  html: boolean,
  extraTags: string[] = [],
): RawNote {
  const cell = (i: number | undefined) => (i === undefined ? '' : (cells[i] ?? ''));
  const clean = (s: string) => (html ? htmlToText(s) : tidy(s));
  const explanation = clean(cell(cols.explanation));
  return {
    line,
    front: clean(cell(cols.front)),
    back: clean(cell(cols.back)),
    ...(explanation ? { explanation } : {}),
    tags: [...extraTags, ...splitTags(cell(cols.tags))],
  };
}

/** Plain CSV / TSV: `front,back[,explanation,tags]`, with or without that header. */
function readTable(source: string, delimiter: string, warnings: string[]): RawNote[] {
  const all = rows(source, delimiter);
  const header = all[0] ? columnsFromHeader(all[0].cells) : undefined;
  const cols: Columns = header ?? { front: 0, back: 1, explanation: 2, tags: 3 };
  const body = header ? all.slice(1) : all;
  const html = body.some((r) => r.cells.some(looksLikeHtml));
  if (html) warnings.push('the text contains HTML: tags were removed and entities decoded');
  return body.map((r) => noteOf(r.line, r.cells, cols, html));
}

/** Quizlet export: `term<TAB>definition`, one per line, no quoting. */
function readQuizlet(source: string, warnings: string[]): RawNote[] {
  const notes: RawNote[] = [];
  source.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    const tab = text.indexOf('\t');
    if (tab < 0) {
      warnings.push(`line ${i + 1}: no tab between term and definition; skipped`);
      return;
    }
    notes.push({ line: i + 1, front: tidy(text.slice(0, tab)), back: tidy(text.slice(tab + 1)), tags: [] });
  });
  return notes;
}

const SEPARATORS: Record<string, string> = {
  tab: '\t',
  comma: ',',
  semicolon: ';',
  space: ' ',
  pipe: '|',
  colon: ':',
};

/** Anki "Notes in Plain Text": `#key:value` header lines, then delimited, possibly quoted notes. */
function readAnki(source: string, warnings: string[]): ParsedInput {
  const lines = source.split('\n');
  const headers = new Map<string, string>();
  let n = 0;
  for (; n < lines.length; n++) {
    const m = ANKI_HEADER.exec(lines[n] ?? '');
    if (!m) break;
    headers.set((m[1] ?? '').trim().toLowerCase(), (m[2] ?? '').trim());
  }
  const sepName = headers.get('separator') ?? 'tab';
  const separator = SEPARATORS[sepName.toLowerCase()] ?? (sepName.length === 1 ? sepName : undefined);
  if (separator === undefined) {
    throw new QuizError('deck_invalid', `unknown Anki separator "${sepName}"`);
  }
  const htmlHeader = headers.get('html');
  const column = (key: string): number | undefined => {
    const v = Number(headers.get(key));
    return Number.isInteger(v) && v >= 1 ? v - 1 : undefined;
  };
  const meta = new Set(
    [column('guid column'), column('notetype column'), column('deck column')].filter((c) => c !== undefined),
  );
  const tagsCol = column('tags column');
  if (tagsCol !== undefined) meta.add(tagsCol);
  const fileTags = splitTags(headers.get('tags') ?? '');

  const all = rows(lines.slice(n).join('\n'), separator, n + 1);
  const html =
    htmlHeader === undefined ? all.some((r) => r.cells.some(looksLikeHtml)) : htmlHeader === 'true';
  const width = Math.max(0, ...all.map((r) => r.cells.length));
  const named = headers.has('columns')
    ? columnsFromHeader((headers.get('columns') ?? '').split(separator))
    : undefined;
  const content = Array.from({ length: width }, (_, i) => i).filter((i) => !meta.has(i));
  const cols: Columns = named ?? {
    front: content[0] ?? 0,
    back: content[1] ?? 1,
    ...(content[2] === undefined ? {} : { explanation: content[2] }),
  };
  if (tagsCol !== undefined) cols.tags = tagsCol;
  if (!named && content.length > 3) {
    warnings.push(
      `notes have ${content.length} fields: only the first 3 were used (front, back, explanation)`,
    );
  }

  const notes = all.map((r) => {
    const note = noteOf(r.line, r.cells, cols, html, fileTags);
    return cloze(note);
  });
  const deckName = headers.get('deck');
  return { format: 'anki', notes, ...(deckName ? { title: deckName.split('::').pop() ?? deckName } : {}) };
}

const CLOZE = /\{\{c\d+::(.*?)(?:::(.*?))?\}\}/g;

/** A cloze note (`{{c1::answer::hint}}`): the front gets blanks, the back the hidden text. */
function cloze(note: RawNote): RawNote {
  if (!/\{\{c\d+::/.test(note.front)) return note;
  const hidden = [...note.front.matchAll(CLOZE)].map((m) => m[1] ?? '');
  const front = note.front.replace(CLOZE, (_, _a: string, hint?: string) => (hint ? `[… ${hint}]` : '[…]'));
  const extra = [note.back, note.explanation].filter((s): s is string => !!s).join('\n\n');
  return { ...note, front, back: hidden.join('\n'), ...(extra ? { explanation: extra } : {}) };
}

function looksLikeHtml(s: string): boolean {
  return /<\/?[a-z][a-z0-9]*(\s[^>]*)?\/?>|&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(s);
}

/** Anki HTML to plain text: line breaks kept, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  // Block tags become one break however they nest (`<div>a</div><div>b</div>` is two lines, not three).
  const text = html
    .replace(/\[sound:[^\]]*\]/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li(\s[^>]*)?>/gi, '\uE000- ')
    .replace(/<\/?(div|p|li|h[1-6]|tr|ul|ol|blockquote|pre)(\s[^>]*)?>/gi, '\uE000')
    .replace(/<[^>]*>/g, '')
    .replace(/^[\s\uE000]*\uE000/, '')
    .replace(/\s*\uE000[\s\uE000]*/g, '\n');
  return tidy(decodeEntities(text, { level: 'html5' }).replace(/\u00a0/g, ' '));
}

/** Trims lines, collapses blank runs and trims the whole. */
function tidy(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function splitTags(s: string): string[] {
  return s
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

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

/** Comparison form: case and spacing do not make two texts different. */
function norm(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Cuts at a word boundary to at most `max` characters, ending with `…` when cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

/** The back as one button label (at most 80 characters): list items joined by `;`, then cut. */
export function shortAnswer(back: string): string {
  let out = '';
  for (const raw of back.split('\n')) {
    const item = /^\s*(?:[-*•+]|\d+[.)])\s+(.*)$/.exec(raw);
    const line = (item ? (item[1] ?? '') : raw).trim();
    if (line === '') continue;
    const sep = out === '' ? '' : item && !out.endsWith(':') ? '; ' : ' ';
    out += sep + line;
  }
  return truncate(out.replace(/\s+/g, ' '), DECK_LIMITS.choiceMax);
}

/** A card id from a front: lowercase ASCII words joined by `-`, at most 32 characters. */
export function slug(front: string): string {
  const s = front
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length <= 32) return s || 'card';
  const cut = s.slice(0, 33);
  const dash = cut.lastIndexOf('-');
  return (dash >= 16 ? cut.slice(0, dash) : s.slice(0, 32)).replace(/-+$/, '');
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let k = 2; taken.has(id); k++) id = `${base}-${k}`;
  taken.add(id);
  return id;
}

function titleOf(id: string): string {
  const words = id.replace(/-+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** 32-bit FNV-1a hash: the seed of a card's shuffles. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
