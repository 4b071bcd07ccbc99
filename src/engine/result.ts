/**
 * The one result shape of parsing and validation: the value, or what is wrong with the input.
 * Expected refusals shown to a chat user stay `QuizError`s / notice views with a code; this is
 * for input parsed before any user sees it: schedules (`schedule.ts`), the environment
 * (`config.ts`), deck files (`deck/parse.ts`, `deck-files.ts`) and deck import (`deck/import.ts`).
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

/** A success. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** A failure. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
