import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/store/redis/connect.js';
import type { TestRedis } from '../helpers/redis.js';

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
