import { Redis } from 'ioredis';
import { QuizError } from '../../engine/errors.js';
import { defineScripts } from './scripts.js';

/** Options for {@link connectRedis}. */
export interface RedisOptions {
  /** Connect lazily (first command) instead of at once. */
  lazy?: boolean;
}

/**
 * One ioredis client for the whole process, with every Lua script defined.
 * Commands fail fast while Redis is away (no offline queue, one retry), so users get an
 * error message at once instead of a click that hangs past the platform's 3 seconds.
 */
export function connectRedis(url: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: opts.lazy ?? false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
  });
  // Connection errors are reported per command (store_unavailable) and by /readyz.
  redis.on('error', () => {});
  defineScripts(redis);
  return redis;
}

/**
 * Redis refused our credentials (wrong password, unknown user, or a password is needed).
 * ioredis keeps reconnecting after these, so waiting longer would never help.
 */
export class RedisAuthError extends QuizError {
  constructor(
    readonly reason: 'wrong_password' | 'needs_password',
    cause: unknown,
  ) {
    super('store_unavailable', `Redis authentication failed: ${(cause as Error).message}`, { cause });
  }
}

/** The auth failure an ioredis error stands for, if it is one. */
export function authFailure(err: unknown): RedisAuthError | null {
  const msg = (err as Error | undefined)?.message ?? '';
  if (/^(WRONGPASS|ERR invalid password|ERR AUTH <password> called without any password)/.test(msg))
    return new RedisAuthError('wrong_password', err);
  if (/^NOAUTH\b/.test(msg)) return new RedisAuthError('needs_password', err);
  return null;
}

/**
 * Resolves once the client is connected and ready; rejects with store_unavailable after `ms`, or at
 * once with a {@link RedisAuthError} when Redis refuses the credentials.
 */
export async function waitReady(redis: Redis, ms = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    const timer = setTimeout(() => {
      done();
      reject(new QuizError('store_unavailable', `Redis did not become ready within ${ms} ms`));
    }, ms);
    const onReady = () => {
      done();
      resolve();
    };
    const onError = (err: unknown) => {
      const auth = authFailure(err);
      if (!auth) return;
      done();
      reject(auth);
    };
    redis.once('ready', onReady);
    redis.on('error', onError);
  });
}

/** Runs a Redis operation; infrastructure failures become QuizError('store_unavailable'). */
export async function guard<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof QuizError) throw err;
    throw new QuizError('store_unavailable', `redis ${what} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
