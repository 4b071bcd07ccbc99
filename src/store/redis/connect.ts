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

/** Resolves once the client is connected and ready; rejects with store_unavailable after `ms`. */
export async function waitReady(redis: Redis, ms = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new QuizError('store_unavailable', `Redis did not become ready within ${ms} ms`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
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
