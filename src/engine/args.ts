/**
 * Command arguments as users type them, read the same way for every adapter: Discord passes its
 * options as typed, Slack passes one line of text, the terminal passes flags. Schedules (time,
 * timezone, weekdays, close) are parsed by schedule.ts; this module holds what comes before them.
 */

/**
 * A deck argument: trimmed and lower-cased, since deck ids are lower-case file names, so `Kubernetes`
 * finds `kubernetes` on every platform. Null when nothing was given.
 */
export function deckArg(raw: string | null | undefined): string | null {
  const id = raw?.trim().toLowerCase();
  return id ? id : null;
}

/**
 * Splits a command line into arguments on white space, except around commas: a list typed with
 * spaces after (or before) its commas, such as `mon, wed`, stays one argument (`mon,wed`).
 */
export function splitArgs(text: string): string[] {
  return text
    .trim()
    .replace(/\s*,\s*/g, ',')
    .split(/\s+/)
    .filter(Boolean);
}
