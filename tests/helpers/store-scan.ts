import type { Redis } from 'ioredis';

/**
 * Every string a Redis holds under `prefix`: key names, hash fields and values, set, sorted-set and
 * list members, string values. For "nothing names this user any more" checks after a deletion.
 */
export async function everythingUnder(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      out.push(key);
      const type = await redis.type(key);
      if (type === 'hash') out.push(...Object.entries(await redis.hgetall(key)).flat());
      else if (type === 'zset') out.push(...(await redis.zrange(key, '0', '-1')));
      else if (type === 'set') out.push(...(await redis.smembers(key)));
      else if (type === 'list') out.push(...(await redis.lrange(key, 0, -1)));
      else if (type === 'string') out.push((await redis.get(key)) ?? '');
    }
  } while (cursor !== '0');
  return out;
}
