import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import type { ReviewStore, TeamRef, TeamStore, UserExport } from '../engine/ports.js';
import { reindexTeam } from '../engine/schedule.js';
import { type FsrsBackupPort, type FsrsTeamExport, fsrsRecord, parseFsrsRecord } from './fsrs-export.js';
import { parseUserRecord, userRecord } from './user-export.js';

/**
 * Backup format: JSON Lines.
 * - line 1: `{"type":"quizbot-export","version":1,"createdAt":"<ISO>"}`
 * - then one record a line: `{"type":"user",...}` (a user's study data and timezone, see user-export.ts),
 *   `{"type":"team",...}` (team data) or `{"type":"fsrs",...}` (a team's review log and fitted FSRS
 *   parameters, see fsrs-export.ts)
 * - last line: `{"type":"end","records":N,"sha256":"<hex of every line before this one, with their \n>"}`
 * The trailer makes a truncated or edited file detectable, so import refuses it before writing.
 */
export const BACKUP_VERSION = 1;

const Header = z.strictObject({
  type: z.literal('quizbot-export'),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.string(),
});
const Trailer = z.strictObject({
  type: z.literal('end'),
  records: z.number().int().min(0),
  sha256: z.string().length(64),
});

/**
 * Team data as the team store exports it; validated by the team store's own schema on import.
 * Time is the caller's: `now` decides what has expired. The due index is not part of a record:
 * {@link importAll} rebuilds it after each team, as the scheduler's reconcile would.
 */
export interface TeamRecordPort {
  /** Every team's data as of `now` (ms), one JSON-able object each. */
  exportTeams(now: number): AsyncIterable<unknown>;
  /** Checks one exported team object; throws with a reason when invalid. Writes nothing. */
  validateTeam(data: unknown): void;
  /** Restores one team object as of `now` (ms; what expired by then is skipped) and returns its team. */
  importTeam(data: unknown, now: number): Promise<TeamRef>;
}

/** A team store a backup reads from and writes to: its records, and the reads and writes of the due-index rebuild. */
export type BackupTeamStore = TeamRecordPort & Pick<TeamStore, 'listSchedules' | 'openRounds' | 'setDue'>;

/** Stores a backup reads from and writes to. */
export interface BackupStores {
  /** Study data. */
  review: ReviewStore;
  /** Team data (schedules, rounds, leaderboards, streaks), when there is a team store. */
  teams?: BackupTeamStore;
  /** Teams' review logs and fitted FSRS parameters, when there is an FSRS store. */
  fsrs?: FsrsBackupPort;
}

/** What a backup holds, by record type. */
export interface BackupCounts {
  users: number;
  teams: number;
  fsrs: number;
}

/** Writes the whole export as of `now`, line by line, to `write`. Returns the record count. */
export async function exportAll(
  stores: BackupStores,
  write: (line: string) => void,
  now: Date,
): Promise<number> {
  const hash = createHash('sha256');
  const emit = (obj: unknown) => {
    const line = `${JSON.stringify(obj)}\n`;
    hash.update(line);
    write(line);
  };
  emit({ type: 'quizbot-export', version: BACKUP_VERSION, createdAt: now.toISOString() });
  let records = 0;
  for await (const u of stores.review.exportUsers()) {
    emit(userRecord(u));
    records++;
  }
  if (stores.teams) {
    for await (const t of stores.teams.exportTeams(now.getTime())) {
      emit({ type: 'team', data: t });
      records++;
    }
  }
  if (stores.fsrs) {
    for await (const f of stores.fsrs.exportFsrs(now.getTime())) {
      emit(fsrsRecord(f));
      records++;
    }
  }
  write(`${JSON.stringify({ type: 'end', records, sha256: hash.digest('hex') })}\n`);
  return records;
}

/** A problem with a backup file: nothing was written. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/**
 * Where a backup is read from: its whole text, or a function that opens its lines afresh (called
 * twice: once to validate the whole file, once to write it), such as {@link backupFileLines}.
 */
export type BackupSource = string | (() => AsyncIterable<string>);

/** The lines of a backup file, streamed (split on `\n` only, as the checksum was computed). */
export function backupFileLines(path: string): () => AsyncIterable<string> {
  return async function* lines() {
    let rest = '';
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
      const parts = (rest + (chunk as string)).split('\n');
      rest = parts.pop() as string;
      yield* parts;
    }
    if (rest !== '') yield rest;
  };
}

async function* linesOf(source: BackupSource): AsyncIterable<string> {
  if (typeof source !== 'string') {
    yield* source();
    return;
  }
  const lines = source.split('\n');
  if (lines.at(-1) === '') lines.pop();
  yield* lines;
}

function json(line: string, n: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new BackupError(`line ${n}: not valid JSON (is the file truncated?)`);
  }
}

/** One body line as a record to write; throws BackupError naming the line. */
function parseRecord(
  line: string,
  n: number,
  teams: TeamRecordPort | undefined,
):
  | { type: 'user'; user: UserExport }
  | { type: 'team'; data: unknown }
  | { type: 'fsrs'; fsrs: FsrsTeamExport } {
  const rec = json(line, n) as { type?: unknown; data?: unknown };
  if (rec?.type === 'user') {
    const u = parseUserRecord(rec);
    if (!u.ok) throw new BackupError(`line ${n}: ${u.error}`);
    return { type: 'user', user: u.value };
  }
  if (rec?.type === 'team') {
    if (!teams) throw new BackupError(`line ${n}: team data, but this store has no team store`);
    try {
      teams.validateTeam(rec.data);
    } catch (err) {
      throw new BackupError(`line ${n}: invalid team record: ${(err as Error).message}`);
    }
    return { type: 'team', data: rec.data };
  }
  if (rec?.type === 'fsrs') {
    try {
      return { type: 'fsrs', fsrs: parseFsrsRecord(rec) };
    } catch (err) {
      throw new BackupError(`line ${n}: invalid fsrs record: ${(err as Error).message}`);
    }
  }
  throw new BackupError(`line ${n}: unknown record type ${JSON.stringify(rec?.type)}`);
}

/**
 * Validates a whole backup, streaming it (one line in memory at a time); throws BackupError naming
 * the line. Writes nothing. A damaged file (checksum, count, header, trailer) is reported as such
 * before any invalid record in it.
 */
export async function validateBackup(source: BackupSource, teams?: TeamRecordPort): Promise<BackupCounts> {
  const sum = createHash('sha256');
  let n = 0;
  let prev: string | undefined;
  let firstProblem: BackupError | undefined;
  const counts: BackupCounts = { users: 0, teams: 0, fsrs: 0 };
  const body = (line: string, at: number) => {
    sum.update(`${line}\n`);
    if (at === 1) {
      if (!Header.safeParse(json(line, 1)).success)
        throw new BackupError('line 1: not a quizbot export header (version 1)');
      return;
    }
    if (firstProblem) return;
    try {
      const r = parseRecord(line, at, teams);
      counts[r.type === 'user' ? 'users' : r.type === 'team' ? 'teams' : 'fsrs']++;
    } catch (err) {
      firstProblem = err as BackupError;
    }
  };
  for await (const line of linesOf(source)) {
    if (prev !== undefined) body(prev, n);
    prev = line;
    n++;
  }
  if (prev === undefined || n < 2)
    throw new BackupError('not a quizbot export: it has no header and trailer lines');
  const trailer = Trailer.safeParse(json(prev, n));
  if (!trailer.success) throw new BackupError(`line ${n}: the end line is missing: the file is truncated`);
  if (sum.digest('hex') !== trailer.data.sha256) {
    throw new BackupError('checksum mismatch: the file was changed or damaged after export');
  }
  if (n - 2 !== trailer.data.records) {
    throw new BackupError(`expected ${trailer.data.records} records, found ${n - 2}`);
  }
  if (firstProblem) throw firstProblem;
  return counts;
}

/** Options of {@link importAll}. */
export interface ImportOptions {
  /** The time the import happens at, ms: what expired by then is skipped, and the due index is rebuilt for it. */
  now: number;
  /** Called after each record is written, with the count so far (progress; tests stop Redis here). */
  onRecord?: (written: number) => void | Promise<void>;
}

/** A store failed half-way through an import: `written` records are in, whole; the rest are not. */
export class ImportInterruptedError extends Error {
  override readonly name = 'ImportInterruptedError';
  constructor(
    readonly written: number,
    readonly total: number,
    cause: unknown,
  ) {
    super(
      `the store failed after ${written} of ${total} records (${(cause as Error).message}); each record (a user, or a team) is written whole or not at all, so run the same import again to finish it`,
      { cause },
    );
  }
}

/**
 * Validates the whole backup first (streaming, writing nothing), then streams it again and writes
 * it record by record. Each record (one user's study data, one team's competition data) is written
 * in one transaction, whole or not at all, and replaces what has its ids: an import interrupted by
 * a store failure leaves whole records only, and running it again finishes it. After each team, its
 * due-index entries are added as the scheduler's reconcile would (never moving one that exists).
 */
export async function importAll(
  stores: BackupStores,
  source: BackupSource,
  opts: ImportOptions,
): Promise<BackupCounts> {
  const counts = await validateBackup(source, stores.teams);
  const total = counts.users + counts.teams + counts.fsrs;
  let n = 0;
  let written = 0;
  for await (const line of linesOf(source)) {
    n++;
    if (n === 1 || written === total) continue;
    const r = parseRecord(line, n, stores.teams);
    try {
      if (r.type === 'user') await stores.review.importUser(r.user);
      else if (r.type === 'fsrs') {
        if (!stores.fsrs) throw new BackupError(`line ${n}: FSRS data, but this store has no FSRS store`);
        await stores.fsrs.importFsrs(r.fsrs, opts.now);
      } else if (stores.teams) {
        const team = await stores.teams.importTeam(r.data, opts.now);
        // The due index is not in the record: rebuilt as the scheduler's reconcile would.
        await reindexTeam(stores.teams, team, opts.now);
      }
    } catch (err) {
      throw new ImportInterruptedError(written, total, err);
    }
    written++;
    await opts.onRecord?.(written);
  }
  return counts;
}
