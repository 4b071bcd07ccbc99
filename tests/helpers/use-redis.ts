import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startTestRedis, type TestRedis } from './redis.js';
import { cleanupPrefix, readyClient } from './team-stores.js';

/** This test file's own redis-server (or the shared TEST_REDIS_URL under a prefix) and a ready client. */
export interface UsedRedis {
  readonly server: TestRedis;
  readonly redis: Redis;
}

/**
 * Starts a redis-server and a ready client before the tests of the calling file (or describe
 * block), and stops both after them (on a shared TEST_REDIS_URL, deleting this file's keys
 * instead). Read `server` and `redis` inside tests and hooks: they are set once the hook has run.
 */
export function useTestRedis(): UsedRedis {
  let server: TestRedis | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startTestRedis();
    redis = await readyClient(server);
  });
  afterAll(async () => {
    if (redis && server) await cleanupPrefix(redis, server);
    redis?.disconnect();
    await server?.dispose();
  });
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useTestRedis: ${what} read before beforeAll ran`);
    return v;
  };
  return {
    get server() {
      return ready(server, 'server');
    },
    get redis() {
      return ready(redis, 'redis');
    },
  };
}
