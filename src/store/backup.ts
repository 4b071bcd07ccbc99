import { createHash } from 'node:crypto';
import { z } from 'zod';
import { unpackCard } from '../engine/cardstate.js';
import type { ReviewStore, UserExport } from '../engine/ports.js';

/**
 * Backup format: JSON Lines.
 * - line 1: `{"type":"quizbot-export","version":1,"createdAt":"<ISO>"}`
 * - then one record a line: `{"type":"user",...}` (study data) or `{"type":"team",...}` (team data)
 * - last line: `{"type":"end","records":N,"sha256":"<hex of every line before this one, with their \n>"}`
 * The trailer makes a truncated or edited file detectable, so import refuses it before writing.
 */
export const BACKUP_VERSION = 1;

const Platform = z.enum(['discord', 'slack', 'terminal']);
const Packed = z.string().refine(
  (s) => {
    try {
      unpackCard(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid packed card state' },
);

const UserRecord = z.strictObject({
  type: z.literal('user'),
  user: z.strictObject({ platform: Platform, userId: z.string().min(1).max(100) }),
  decks: z.record(z.string().min(1).max(64), z.record(z.string().min(1).max(64), Packed)),
});
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

/** Team data as the team store exports it; validated by the team store's own schema on import. */
export interface TeamRecordPort {
  /** Every team's data, one JSON-able object each. */
  exportTeams(): AsyncIterable<unknown>;
  /** Checks one exported team object; throws with a reason when invalid. Writes nothing. */
  validateTeam(data: unknown): void;
  /** Restores one team object (already validated). */
  importTeam(data: unknown): Promise<void>;
}

/** Stores a backup reads from and writes to. */
export interface BackupStores {
  /** Study data. */
  review: ReviewStore;
  /** Team data (schedules, rounds, leaderboards, streaks), when there is a team store. */
  teams?: TeamRecordPort;
}

/** Writes the whole export, line by line, to `write`. Returns the record count. */
export async function exportAll(
  stores: BackupStores,
  write: (line: string) => void,
  now = new Date(),
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
    emit({ type: 'user', user: u.user, decks: u.decks });
    records++;
  }
  if (stores.teams) {
    for await (const t of stores.teams.exportTeams()) {
      emit({ type: 'team', data: t });
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

/** Parsed, fully validated backup content. */
export interface ParsedBackup {
  /** Study data records. */
  users: UserExport[];
  /** Team data records. */
  teams: unknown[];
}

/** Validates a whole backup text; throws BackupError naming the line. Writes nothing. */
export function parseBackup(text: string, teams?: TeamRecordPort): ParsedBackup {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length < 2) throw new BackupError('not a quizbot export: it has no header and trailer lines');
  const json = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new BackupError(`line ${n}: not valid JSON (is the file truncated?)`);
    }
  };
  const header = Header.safeParse(json(lines[0] as string, 1));
  if (!header.success) throw new BackupError('line 1: not a quizbot export header (version 1)');
  const trailer = Trailer.safeParse(json(lines.at(-1) as string, lines.length));
  if (!trailer.success)
    throw new BackupError(`line ${lines.length}: the end line is missing: the file is truncated`);
  const body = lines.slice(0, -1);
  const sum = createHash('sha256');
  for (const l of body) sum.update(`${l}\n`);
  if (sum.digest('hex') !== trailer.data.sha256) {
    throw new BackupError('checksum mismatch: the file was changed or damaged after export');
  }
  if (body.length - 1 !== trailer.data.records) {
    throw new BackupError(`expected ${trailer.data.records} records, found ${body.length - 1}`);
  }
  const out: ParsedBackup = { users: [], teams: [] };
  body.slice(1).forEach((line, i) => {
    const n = i + 2;
    const rec = json(line, n) as { type?: unknown; data?: unknown };
    if (rec?.type === 'user') {
      const u = UserRecord.safeParse(rec);
      if (!u.success) throw new BackupError(`line ${n}: invalid user record: ${u.error.issues[0]?.message}`);
      out.users.push({ user: u.data.user, decks: u.data.decks });
    } else if (rec?.type === 'team') {
      if (!teams) throw new BackupError(`line ${n}: team data, but this store has no team store`);
      try {
        teams.validateTeam(rec.data);
      } catch (err) {
        throw new BackupError(`line ${n}: invalid team record: ${(err as Error).message}`);
      }
      out.teams.push(rec.data);
    } else {
      throw new BackupError(`line ${n}: unknown record type ${JSON.stringify(rec?.type)}`);
    }
  });
  return out;
}

/** Validates the whole file first, then writes it; returns what was imported. */
export async function importAll(
  stores: BackupStores,
  text: string,
): Promise<{ users: number; teams: number }> {
  const parsed = parseBackup(text, stores.teams);
  for (const u of parsed.users) await stores.review.importUser(u);
  for (const t of parsed.teams) await stores.teams?.importTeam(t);
  return { users: parsed.users.length, teams: parsed.teams.length };
}
