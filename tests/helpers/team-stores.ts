import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { TeamStore } from '../../src/engine/ports.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { connectRedis } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { startTestRedis, type TestRedis } from './redis.js';

/** A ready client (commands fail fast until ready: there is no offline queue). */
export async function readyClient(server: TestRedis): Promise<Redis> {
  const redis = connectRedis(server.url);
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
}

/** On a shared TEST_REDIS_URL, deletes only the keys under this file's prefix. */
export async function cleanupPrefix(redis: Redis, server: TestRedis): Promise<void> {
  if (server.owned) return;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${server.prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A team-store implementation under test. */
export interface TeamBackend {
  /** Implementation name, for test titles. */
  name: string;
  /** A fresh, empty store. */
  make: () => TeamStore;
}

/**
 * Both team stores for a test file: the embedded one and Redis on a private redis-server
 * (started before the file's tests, stopped after). Each `make()` returns an empty store.
 */
export function teamStoreBackends(tag: string): TeamBackend[] {
  let server: TestRedis;
  let redis: Redis;
  let n = 0;
  beforeAll(async () => {
    server = await startTestRedis();
    redis = await readyClient(server);
  });
  afterAll(async () => {
    if (redis) await cleanupPrefix(redis, server);
    redis?.disconnect();
    await server?.dispose();
  });
  return [
    { name: 'MemoryTeamStore', make: () => new MemoryTeamStore(new PersistedDoc<object>(null, () => ({}))) },
    {
      name: 'RedisTeamStore',
      make: () => new RedisTeamStore(redis, new Keys(`${server.prefix}${tag}${++n}`)),
    },
  ];
}

/** Two handles on one team store, as two bot processes would hold them. */
export interface TeamStorePair {
  /** Implementation name, for test titles. */
  name: string;
  /** A fresh, empty store, opened twice: embedded, the same object (one process, interleaved calls); Redis, two connections. */
  make: () => [TeamStore, TeamStore];
}

/**
 * Both team stores, each opened twice over the same data, for tests of what two processes do at
 * once: on Redis every handle has its own connection, so their commands really interleave.
 */
export function teamStorePairs(tag: string): TeamStorePair[] {
  let server: TestRedis;
  let a: Redis;
  let b: Redis;
  let n = 0;
  beforeAll(async () => {
    server = await startTestRedis();
    a = await readyClient(server);
    b = await readyClient(server);
  });
  afterAll(async () => {
    if (a) await cleanupPrefix(a, server);
    a?.disconnect();
    b?.disconnect();
    await server?.dispose();
  });
  return [
    {
      name: 'MemoryTeamStore',
      make: () => {
        const store = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
        return [store, store];
      },
    },
    {
      name: 'RedisTeamStore',
      make: () => {
        const keys = new Keys(`${server.prefix}${tag}${++n}`);
        return [new RedisTeamStore(a, keys), new RedisTeamStore(b, keys)];
      },
    },
  ];
}
