import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsReason, loadDecks } from '../deck-files.js';
import { isDeckId } from '../engine/actions.js';
import { type ImportFormat, importDeck } from '../engine/deck/import.js';
import { deckIdOf, formatProblem } from '../engine/deck/parse.js';

/** What a CLI command returns: the process exit code and the text to print. */
export interface CommandResult {
  code: number;
  output: string;
}

/** Options of {@link deckImport}. */
export interface DeckImportOptions {
  /** Id of the new deck. */
  id: string;
  /** Output file; default `<decksDir>/<id>.yaml`. */
  out?: string;
  /** Deck title; default from the input or the id. */
  title?: string;
  /** Input format; default `auto`. */
  format?: ImportFormat;
  /** Overwrite an existing file. */
  force?: boolean;
  /** Deck folder for the default output; default `decks`. */
  decksDir?: string;
}

/** Inputs larger than this are refused (Anki exports of big collections stay far below). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

const FORMATS: readonly ImportFormat[] = ['auto', 'anki', 'quizlet', 'csv', 'tsv'];

/**
 * `quizbot deck lint [dir]`: every problem on its own line, then a summary. Exit 1 on any error;
 * warnings alone are shown and exit 0.
 */
export async function deckLint(dir: string): Promise<CommandResult> {
  const { decks, problems } = await loadDecks(dir);
  const cards = decks.reduce((n, d) => n + d.cards.length, 0);
  const loaded = `${plural(decks.length, 'deck')} (${plural(cards, 'card')}) loaded`;
  if (problems.length === 0) {
    return { code: 0, output: `${dir}: ${loaded}, no problems\n` };
  }
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  const errors = problems.length - warnings;
  const files = new Set(problems.map((p) => p.file)).size;
  const lines = problems.map(formatProblem);
  const counts = [errors ? plural(errors, 'problem') : '', warnings ? plural(warnings, 'warning') : '']
    .filter(Boolean)
    .join(' and ');
  lines.push(`${counts} in ${plural(files, 'file')}; ${loaded}`);
  return { code: errors > 0 ? 1 : 0, output: `${lines.join('\n')}\n` };
}

/**
 * `quizbot deck import <file> --id <id>`: converts an export into a deck file. Refuses to
 * overwrite without `force`; every failure is one clear line, never a stack trace.
 */
export async function deckImport(file: string, opts: DeckImportOptions): Promise<CommandResult> {
  const fail = (message: string): CommandResult => ({ code: 1, output: `error: ${message}\n` });
  if (!isDeckId(opts.id)) {
    return fail(
      `"${opts.id}" is not a valid deck id: use lowercase letters, digits and "-", at most 32 characters, starting with a letter or digit`,
    );
  }
  const format = opts.format ?? 'auto';
  if (!FORMATS.includes(format)) return fail(`unknown format "${format}": use one of ${FORMATS.join(', ')}`);
  const out = opts.out ?? join(opts.decksDir ?? 'decks', `${opts.id}.yaml`);

  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) return fail(`${file} is not a file`);
    if (st.size > MAX_IMPORT_BYTES)
      return fail(`${file} is too large (at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB)`);
    const bytes = await readFile(file);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return fail(`${file} is not UTF-8 text: export it again as UTF-8`);
    }
  } catch (err) {
    return fail(`cannot read ${file}: ${fsReason(err, 'no such file or folder')}`);
  }

  const imported = importDeck(text, { id: opts.id, format, ...(opts.title ? { title: opts.title } : {}) });
  if (!imported.ok) return fail(`${file}: ${imported.error.message}`);
  const result = imported.value;

  try {
    await mkdir(dirname(out), { recursive: true });
    // `wx` fails when the file exists, so two imports cannot race past the check.
    await writeFile(out, result.yaml, { encoding: 'utf8', flag: opts.force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return fail(`${out} already exists; use --force to overwrite it`);
    }
    return fail(`cannot write ${out}: ${fsReason(err, 'no such file or folder')}`);
  }

  const lines = result.warnings.map((w) => `warning: ${file}: ${w}`);
  lines.push(
    `wrote ${out}: deck "${opts.id}" with ${plural(result.deck.cards.length, 'card')}` +
      (result.warnings.length ? ` (${plural(result.warnings.length, 'warning')})` : ''),
  );
  if (deckIdOf(out) !== opts.id) {
    lines.push(`note: the deck id comes from the file name: ${basename(out)} loads as "${deckIdOf(out)}"`);
  }
  lines.push("Check the generated quiz questions: their wrong choices are other cards' answers.");
  return { code: 0, output: `${lines.join('\n')}\n` };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
