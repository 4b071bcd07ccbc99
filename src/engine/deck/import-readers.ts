import { parse as parseCsv } from 'csv-parse/sync';
import { err, ok, type Result } from '../result.js';
import type { ImportFormat } from './import.js';
import { htmlToText, looksLikeHtml, splitTags, tidy } from './import-text.js';

/* The input readers of the deck importer: Anki text exports, Quizlet exports, CSV and TSV. */

/** A note as read from the input, before cleaning. */
export interface RawNote {
  line: number;
  front: string;
  back: string;
  explanation?: string;
  tags: string[];
}

export interface ParsedInput {
  format: Exclude<ImportFormat, 'auto'>;
  notes: RawNote[];
  title?: string;
}

const ANKI_HEADER = /^#([a-z][a-z ]*):(.*)$/i;

/** The notes of an input in `format`, or why it cannot be read. */
export function readInput(
  source: string,
  format: ImportFormat,
  warnings: string[],
): Result<ParsedInput, string> {
  const table = (delimiter: string, w = warnings): Result<RawNote[], string> =>
    readTable(source, delimiter, w);
  switch (format) {
    case 'anki':
      return readAnki(source, warnings);
    case 'quizlet':
      return ok({ format: 'quizlet', notes: readQuizlet(source, warnings) });
    case 'csv':
    case 'tsv':
      return withFormat(format, table(format === 'csv' ? ',' : '\t'));
    case 'auto': {
      const first = source.split('\n').find((l) => l.trim() !== '') ?? '';
      if (ANKI_HEADER.test(first)) return readAnki(source, warnings);
      if (first.includes('\t')) {
        const found: string[] = [];
        const tsv = table('\t', found);
        // Quizlet text is not quoted CSV: a field starting with `"` breaks the TSV reader.
        if (!tsv.ok) return ok({ format: 'quizlet', notes: readQuizlet(source, warnings) });
        warnings.push(...found);
        return withFormat('tsv', tsv);
      }
      return withFormat('csv', table(','));
    }
  }
}

function withFormat(format: 'csv' | 'tsv', notes: Result<RawNote[], string>): Result<ParsedInput, string> {
  return notes.ok ? ok({ format, notes: notes.value }) : notes;
}

type Row = { line: number; cells: string[] };

/** Rows of a delimited text, each with the line it starts on, or why the quoting is broken. */
function rows(source: string, delimiter: string, startLine = 1): Result<Row[], string> {
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
  } catch (e) {
    return err(
      `cannot read the file as ${delimiter === '\t' ? 'tab' : `"${delimiter}"`}-separated text: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
  return ok(
    records
      .map((r) => {
        const body = r.raw.replace(/^\n+/, '').replace(/\n$/, '');
        const inner = body.split('\n').length - 1;
        return { line: startLine - 1 + r.info.lines - inner, cells: r.record };
      })
      .filter((r) => r.cells.some((c) => c.trim() !== '')),
  );
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
function readTable(source: string, delimiter: string, warnings: string[]): Result<RawNote[], string> {
  const read = rows(source, delimiter);
  if (!read.ok) return read;
  const all = read.value;
  const header = all[0] ? columnsFromHeader(all[0].cells) : undefined;
  const cols: Columns = header ?? { front: 0, back: 1, explanation: 2, tags: 3 };
  const body = header ? all.slice(1) : all;
  const html = body.some((r) => r.cells.some(looksLikeHtml));
  if (html) warnings.push('the text contains HTML: tags were removed and entities decoded');
  return ok(body.map((r) => noteOf(r.line, r.cells, cols, html)));
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
function readAnki(source: string, warnings: string[]): Result<ParsedInput, string> {
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
  if (separator === undefined) return err(`unknown Anki separator "${sepName}"`);
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

  const read = rows(lines.slice(n).join('\n'), separator, n + 1);
  if (!read.ok) return read;
  const all = read.value;
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
  return ok({
    format: 'anki',
    notes,
    ...(deckName ? { title: deckName.split('::').pop() ?? deckName } : {}),
  });
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
