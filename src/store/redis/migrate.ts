import type { Redis } from 'ioredis';
import { SlotBatch } from './batch.js';
import type { Keys } from './keys.js';

/** Members moved per SSCAN/ZSCAN page. */
const PAGE = 500;

/**
 * Moves the members of the single-key global indexes of before the buckets (`users`, `teams`,
 * `fsrs:teams`, `daily:due`) into their hash-tagged buckets (keys.ts), then deletes the old key.
 * Runs at every start; idempotent and safe to run from several processes at once: SADD adds a
 * member once, and ZADD NX keeps a due time the scheduler already moved in the bucket. Returns the
 * number of members moved (0 once migrated). A process of an older version still writing the old
 * keys during a rolling update would have its writes moved on the next start.
 */
export async function migrateIndexes(redis: Redis, keys: Keys): Promise<number> {
  let moved = 0;
  for (const legacy of keys.legacyIndexes()) {
    if ((await redis.exists(legacy.key)) === 0) continue;
    let cursor = '0';
    do {
      const [next, flat] =
        legacy.type === 'set'
          ? await redis.sscan(legacy.key, cursor, 'COUNT', PAGE)
          : await redis.zscan(legacy.key, cursor, 'COUNT', PAGE);
      cursor = next;
      const batch = new SlotBatch(redis);
      const step = legacy.type === 'set' ? 1 : 2;
      for (let i = 0; i + step - 1 < flat.length; i += step) {
        const member = flat[i] as string;
        const bucket = legacy.bucket(member);
        if (legacy.type === 'set') batch.on(bucket, (p) => p.sadd(bucket, member));
        else batch.on(bucket, (p) => p.zadd(bucket, 'NX', flat[i + 1] as string, member));
      }
      if (batch.length > 0) await batch.exec();
      moved += batch.length;
    } while (cursor !== '0');
    await redis.del(legacy.key);
  }
  return moved;
}
