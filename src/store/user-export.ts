import { z } from 'zod';
import { unpackCard } from '../engine/cardstate.js';
import type { UserExport } from '../engine/ports.js';
import { err, ok, type Result } from '../engine/result.js';
import { parseTimezone } from '../engine/schedule.js';

/**
 * The portable form of one user's study data, shared by the Redis and the embedded review store
 * (`quizbot export` / `quizbot import`, record type `user`, see backup.ts): the packed card state
 * of every card of every deck, and the study timezone when the user set one. A user without a
 * timezone has no `timezone` field (never null), so backups written before it existed still
 * import. Day counters, review log and due queues are not in it (due times come from the states).
 */

/**
 * A backup's study timezone as it is stored: the name this runtime calls canonical, as
 * `/settings timezone` saves it (the engine's {@link parseTimezone}). Any zone that parses is taken,
 * not only the canonical spelling: ICU versions disagree on it (Node 20 turns `Asia/Kolkata` into
 * `Asia/Calcutta`, other builds do not), and a backup must import on another runtime. Throws
 * RangeError, naming the user, on a zone that does not parse.
 */
export function storedTimezone(tz: string, who: string): string {
  const p = parseTimezone(tz);
  if (!p.ok) throw new RangeError(`timezone of ${who}: ${p.error}`);
  return p.value;
}

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

const Timezone = z.string().transform((tz, ctx) => {
  const p = parseTimezone(tz);
  if (p.ok) return p.value;
  ctx.addIssue({ code: 'custom', message: p.error });
  return z.NEVER;
});

const User = z.strictObject({
  platform: z.enum(['discord', 'slack', 'terminal']),
  userId: z.string().min(1).max(100),
});

const UserRecord = z.strictObject({
  type: z.literal('user'),
  user: User,
  decks: z.record(z.string().min(1).max(64), z.record(z.string().min(1).max(64), Packed)),
  timezone: Timezone.optional(),
});

/** The backup line object of one user's study data (no `timezone` field without one). */
export function userRecord(u: UserExport): Record<string, unknown> {
  const rec: Record<string, unknown> = { type: 'user', user: u.user, decks: u.decks };
  if (u.timezone !== undefined) rec.timezone = u.timezone;
  return rec;
}

/**
 * Checks one backup line object of type `user`; the error names the user when the record has a
 * readable one, and the field at fault (`invalid user record of discord:42: timezone: ...`).
 */
export function parseUserRecord(rec: unknown): Result<UserExport, string> {
  const r = UserRecord.safeParse(rec);
  if (r.success) {
    const { user, decks, timezone } = r.data;
    return ok(timezone === undefined ? { user, decks } : { user, decks, timezone });
  }
  const who = User.safeParse((rec as { user?: unknown }).user);
  const issue = r.error.issues[0];
  const at = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const of = who.success ? ` of ${who.data.platform}:${who.data.userId}` : '';
  return err(`invalid user record${of}: ${at}${issue?.message ?? 'invalid'}`);
}
