import { exitStatusOf } from '../startup-error.js';

/**
 * Reports a failure of a command or of the start-up: one line `prefix: message` on stderr, and
 * exits with the error's status (src/startup-error.ts: 3 Redis, 4 a rejected platform token, 5 a
 * port that cannot be listened on, 1 anything else). The stack trace is for developers: only with
 * LOG_LEVEL=debug|trace.
 */
export function exitWith(prefix: string, err: unknown): never {
  const msg = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`${prefix}: ${msg}\n`);
  if (/^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '') && err instanceof Error) {
    process.stderr.write(`${err.stack ?? ''}\n`);
  }
  process.exit(exitStatusOf(err));
}

/** The action of `command`, with every failure reported by {@link exitWith} as `quizbot <command>: ...`. */
export function guarded<A extends unknown[]>(
  command: string,
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      exitWith(`quizbot ${command}`, err);
    }
  };
}
