/**
 * Why the bot (or a CLI command) could not start, as a code the CLI turns into its exit status
 * (see {@link EXIT_STATUS}). Thrown where the failure is detected: the config check (cli.ts), the
 * store's open (store/open.ts), the platform logins (adapters/discord, adapters/slack) and the
 * servers' listen (bot.ts, sharding.ts, the adapters' HTTP endpoints). Anything else that stops a
 * start-up is not a StartupError and exits 1. Not for chat users: those get a `QuizError`.
 */
export type StartupCode = 'config' | 'redis_unreachable' | 'redis_auth' | 'platform_auth' | 'listen';

/** The one table: start-up failure -> exit status of the CLI (1 is anything else). */
export const EXIT_STATUS: Readonly<Record<StartupCode, number>> = {
  /** The environment is invalid (every problem is listed). */
  config: 2,
  /** Redis (or the Redis Cluster) did not answer within the readiness wait. */
  redis_unreachable: 3,
  /** Redis refused the password or user, or needs one. */
  redis_auth: 3,
  /** Discord rejected the bot token, or Slack's auth.test did (invalid_auth and friends). */
  platform_auth: 4,
  /** A port could not be listened on (in use, or not allowed). */
  listen: 5,
};

/** Exit status of a failure that is not a {@link StartupError}. */
export const EXIT_UNKNOWN = 1;

/** A start-up failure with its code; the message is the one line the CLI prints. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly code: StartupCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The exit status for any error: its code's status for a {@link StartupError}, else 1. */
export function exitStatusOf(err: unknown): number {
  return err instanceof StartupError ? EXIT_STATUS[err.code] : EXIT_UNKNOWN;
}

/** errno codes of a listen that cannot succeed by itself: the port is taken, forbidden or not here. */
const LISTEN_ERRNO = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/**
 * A failed listen as a {@link StartupError} `listen` naming the server and its setting (e.g.
 * `HTTP_PORT`); any other error (a plugin failing at ready) is returned unchanged.
 */
export function listenError(what: string, setting: string, port: number, err: unknown): unknown {
  const errno = (err as { code?: unknown } | undefined)?.code;
  if (typeof errno !== 'string' || !LISTEN_ERRNO.has(errno)) return err;
  const why =
    errno === 'EADDRINUSE' ? 'the port is in use' : errno === 'EACCES' ? 'not allowed' : 'no such address';
  return new StartupError('listen', `${what} cannot listen on port ${port} (${setting}): ${why}`, {
    cause: err,
  });
}
