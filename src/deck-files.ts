import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  collectDecks,
  DECK_FILE,
  type DeckFileResult,
  type DeckLoadResult,
  type DeckProblem,
  mib,
  parseDeckBytes,
} from './engine/deck/parse.js';
import { DECK_LIMITS } from './engine/deck/schema.js';
import type { Deck } from './engine/deck/types.js';
import { err } from './engine/result.js';

/*
 * Deck files on disk: the reading half of deck loading. The engine's deck/parse.ts turns the
 * bytes into decks and problems; this module only finds, sizes and reads the files.
 */

/** Reads, decodes and parses one deck file. Never throws for bad content or a missing file. */
export async function loadDeckFile(path: string): Promise<DeckLoadResult> {
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) return err([{ file: path, message: 'not a file' }]);
    if (st.size > DECK_LIMITS.maxFileBytes) {
      return err([
        {
          file: path,
          message: `file is too large (${mib(st.size)} MiB, at most ${mib(DECK_LIMITS.maxFileBytes)} MiB): split it into several decks`,
        },
      ]);
    }
    bytes = await readFile(path);
  } catch (e) {
    return err([{ file: path, message: `cannot read the file: ${fsReason(e)}` }]);
  }
  return parseDeckBytes(bytes, path);
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
  const files: DeckFileResult[] = [];
  for (const name of names) {
    const file = join(dir, name);
    files.push({ file, result: await loadDeckFile(file) });
  }
  return collectDecks(files);
}

/**
 * A file-system error in words (`missing`: how a missing path is called). Shared by the deck
 * loader and the deck CLI.
 */
export function fsReason(err: unknown, missing = 'no such file'): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return missing;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    case 'ENOTDIR':
      return 'a parent is not a folder';
    default:
      return e instanceof Error ? e.message : String(err);
  }
}
