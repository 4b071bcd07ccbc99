import { z } from 'zod';
import { parseTeamReview } from '../engine/fsrs/log.js';
import { decodeAttempt, decodeParams } from '../engine/fsrs/params.js';
import type { TeamRef } from '../engine/ports.js';
import { RETENTION } from './retention.js';

/**
 * The portable form of one team's FSRS data, shared by the Redis and the embedded FSRS store
 * (`quizbot export` / `quizbot import`, record type `fsrs`): the team's review log (the data its
 * parameters are fitted on, newest first) and its parameter record (fields as in fsrs-fields.ts:
 * fitted parameters with version and metrics, and the last fit attempts). The fit lease and the
 * fit index are not in it: the index is rebuilt on import, the lease is the running job's.
 */
export interface FsrsTeamExport {
  /** The team. */
  team: TeamRef;
  /** Review log lines, newest first (`engine/fsrs/log.ts`). */
  log: string[];
  /** When the log expires (absolute ms), or null without a log. */
  logExpiresAt: number | null;
  /** Parameter and attempt fields (`p:<deck>`, `a:<deck>`) and their JSON values. */
  fields: Record<string, string>;
}

/** A store whose FSRS data a backup reads and writes. */
export interface FsrsBackupPort {
  /** Every team's FSRS data as of `now` (ms); expired logs are left out. */
  exportFsrs(now: number): AsyncIterable<FsrsTeamExport>;
  /** Replaces one team's FSRS data (log and fields) as of `now`, whole; indexes it for the fit job. */
  importFsrs(e: FsrsTeamExport, now: number): Promise<void>;
}

const FIELD = /^[pa]:[^\s]{0,64}$/;

const Record_ = z.strictObject({
  type: z.literal('fsrs'),
  team: z.strictObject({
    platform: z.enum(['discord', 'slack', 'terminal']),
    teamId: z.string().min(1).max(256),
  }),
  log: z
    .array(z.string().max(1_000))
    .max(RETENTION.teamReviewLogLines)
    .refine((lines) => lines.every((l) => parseTeamReview(l) !== null), { message: 'not a review log line' }),
  logExpiresAt: z.number().int().min(0).max(8.64e15).nullable(),
  fields: z
    .record(z.string().regex(FIELD, { message: 'not a p:/a: field' }), z.string().max(10_000))
    .refine(
      (f) =>
        Object.entries(f).every(
          ([k, v]) => (k.startsWith('p:') ? decodeParams(v) : decodeAttempt(v)) !== null,
        ),
      { message: 'a parameter or attempt value does not decode' },
    ),
});

/** The backup line object of a team's FSRS data. */
export function fsrsRecord(e: FsrsTeamExport): object {
  return { type: 'fsrs', team: e.team, log: e.log, logExpiresAt: e.logExpiresAt, fields: e.fields };
}

/** Checks a backup `fsrs` record; throws with the first problem. Writes nothing. */
export function parseFsrsRecord(rec: unknown): FsrsTeamExport {
  const r = Record_.safeParse(rec);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${issue?.path.join('.') || 'record'}: ${issue?.message}`);
  }
  const { team, log, logExpiresAt, fields } = r.data;
  return { team, log, logExpiresAt, fields };
}
