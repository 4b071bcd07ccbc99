import { decodeAttempt, decodeParams } from '../engine/fsrs/params.js';
import type { FitAttempt, TeamParams } from '../engine/ports.js';

/*
 * Field names of a team's FSRS record, the same in both stores (a Redis hash, an object in the
 * embedded store): `p:` team parameters, `p:<deck>` a deck's, `a:` / `a:<deck>` the last attempts.
 */

/** Field of a scope's parameters. */
export const paramsField = (deckId: string | null) => `p:${deckId ?? ''}`;
/** Field of a scope's last attempt. */
export const attemptField = (deckId: string | null) => `a:${deckId ?? ''}`;

/** Team parameters from the record's fields (malformed entries are ignored: defaults). */
export function teamParamsOf(fields: Record<string, string>): TeamParams {
  const out: TeamParams = { team: decodeParams(fields['p:']), decks: {} };
  for (const [k, v] of Object.entries(fields)) {
    if (!k.startsWith('p:') || k === 'p:') continue;
    const p = decodeParams(v);
    if (p) Object.defineProperty(out.decks, k.slice(2), { value: p, enumerable: true });
  }
  return out;
}

/** Attempts from the record's fields, keyed '' (team) or deck id. */
export function attemptsOf(fields: Record<string, string>): Record<string, FitAttempt> {
  const out: Record<string, FitAttempt> = {};
  for (const [k, v] of Object.entries(fields)) {
    const a = k.startsWith('a:') ? decodeAttempt(v) : null;
    if (a) Object.defineProperty(out, k.slice(2), { value: a, enumerable: true });
  }
  return out;
}
