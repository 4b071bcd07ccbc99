import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { createEmptyCard, fsrs, type Grade, Rating } from 'ts-fsrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PACKED_BYTES, packCard } from '../../src/engine/cardstate.js';
import { QuizError } from '../../src/engine/errors.js';
import type { GradeWrite, UserRef } from '../../src/engine/ports.js';
import { connectRedis } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { reviewStoreContract } from './review-store.contract.js';

let t: TestRedis;
let redis: Redis;
/** Connections of other "replicas" (see the contract's `replica`). */
let replicas: Redis[] = [];
let n = 0;
/** A fresh key prefix per store, so tests never need to flush (and never touch others' keys). */
const freshKeys = () => new Keys(`${t.prefix}-${++n}`);

beforeAll(async () => {
  t = await startTestRedis();
  redis = connectRedis(t.url);
  replicas = [0, 1, 2].map(() => connectRedis(t.url));
  // Commands fail fast until the client is ready (no offline queue), so wait for it once.
  for (const c of [redis, ...replicas]) if (c.status !== 'ready') await once(c, 'ready');
});

afterAll(async () => {
  if (!t.owned) {
    // Shared Redis: delete only the keys this file made.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${t.prefix}-*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
  redis.disconnect();
  for (const c of replicas) c.disconnect();
  await t.dispose();
});

const keysOf = new WeakMap<object, Keys>();
reviewStoreContract(
  'RedisReviewStore',
  () => {
    const keys = freshKeys();
    const store = new RedisReviewStore(redis, keys);
    keysOf.set(store, keys);
    return store;
  },
  // Replica i: the same keys through connection i, so concurrent grades race on the server.
  (store, i) => new RedisReviewStore(replicas[i % replicas.length] as Redis, keysOf.get(store) as Keys),
);

const alice: UserRef = { platform: 'discord', userId: '111' };
const T0 = Date.UTC(2025, 2, 3, 9);
const DAY = 86_400_000;
const f = fsrs();

function write(over: Partial<GradeWrite> & Pick<GradeWrite, 'cardId' | 'next'>): GradeWrite {
  return {
    user: alice,
    deckId: 'k8s',
    expected: null,
    due: T0,
    day: '2025-03-03',
    isNew: true,
    recalled: null,
    log: 'log',
    ...over,
  };
}

async function until<T>(op: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('RedisReviewStore on Redis', () => {
  it('keeps every key of a user in one hash-tagged slot, named by Keys', async () => {
    const keys = freshKeys();
    const store = new RedisReviewStore(redis, keys);
    const user: UserRef = { platform: 'slack', userId: 'U1{x}:y' };
    await store.applyGrade(write({ user, cardId: 'c1', next: 'v1|0|a|1|1|0|0|0|0|', recalled: true }));
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, ks] = await redis.scan(cursor, 'MATCH', `${keys.prefix}:*`, 'COUNT', 500);
      cursor = next;
      found.push(...ks);
    } while (cursor !== '0');
    const tag = `${keys.prefix}:{u:slack:U1%7Bx%7D%3Ay}`;
    // Beside the user's slot: the deck's card keys, in the deck's own slot (card-keys.ts).
    expect(found.sort()).toEqual(
      [
        `${tag}:states:k8s`,
        `${tag}:days`,
        `${tag}:days:k8s`,
        `${tag}:decks`,
        `${tag}:queue:k8s`,
        `${tag}:log`,
        keys.users(user),
        `${keys.prefix}:{k:k8s}:ids`,
        `${keys.prefix}:{k:k8s}:next`,
      ].sort(),
    );
    expect(await redis.hgetall(`${tag}:days:k8s`)).toEqual({
      'r:2025-03-03': '1',
      't:2025-03-03': '1',
      'p:2025-03-03': '1',
      'n:2025-03-03': '1',
    });
    expect(await redis.hgetall(`${tag}:days`)).toEqual({
      'r:2025-03-03': '1',
      't:2025-03-03': '1',
      'p:2025-03-03': '1',
    });
    expect(keys.users(user)).toMatch(new RegExp(`^${keys.prefix}:\\{users:\\d+\\}$`));
    expect(await redis.smembers(keys.users(user))).toEqual(['slack:U1{x}:y']);
  });

  it('the grade script validates its arguments before writing anything', async () => {
    const keys = freshKeys();
    const k = [
      keys.cards(alice, 'k8s'),
      keys.due(alice, 'k8s'),
      keys.deckDays(alice, 'k8s'),
      keys.days(alice),
      keys.log(alice),
      keys.decks(alice),
    ];
    const grade = (redis as unknown as { grade(...args: string[]): Promise<number> }).grade.bind(redis);
    const args = ['c1', '', 'v1|state', 'not-a-number', '2025-03-03', '1', '', 'log', '500', 'k8s'];
    await expect(grade(...k, ...args)).rejects.toThrow(/bad arguments/);
    expect(await redis.exists(...k)).toBe(0);
    await expect(
      new RedisReviewStore(redis, keys).applyGrade(write({ cardId: 'c1', next: 'x', due: Number.NaN })),
    ).rejects.toBeInstanceOf(RangeError);
    expect(await redis.exists(...k)).toBe(0);
    args[3] = String(T0);
    expect(await grade(...k, ...args)).toBe(1);
    expect(await grade(...k, ...args)).toBe(0);
  });

  it('keeps a user deck hash as a listpack after 50 grades: every packed state <= 64 bytes', async () => {
    const keys = freshKeys();
    const store = new RedisReviewStore(redis, keys);
    const ratings: Grade[] = [Rating.Again, Rating.Hard, Rating.Good, Rating.Easy];
    const cards = Array.from({ length: 25 }, () => createEmptyCard(new Date(T0)));
    const packed: (string | null)[] = cards.map(() => null);
    for (let g = 0; g < 50; g++) {
      const i = g % 25;
      const now = new Date(T0 + g * 3 * DAY + i * 7_919_000);
      const card = f.next(
        cards[i] ?? createEmptyCard(now),
        now,
        ratings[(g * 7 + i) % 4] ?? Rating.Good,
      ).card;
      cards[i] = card;
      const next = packCard(card);
      const applied = await store.applyGrade(
        write({
          cardId: `kubernetes-${String(i).padStart(4, '0')}`,
          expected: packed[i] ?? null,
          next,
          due: card.due.getTime(),
          isNew: packed[i] === null,
        }),
      );
      expect(applied).toBe('applied');
      packed[i] = next;
    }
    const values = await redis.hvals(keys.cards(alice, 'k8s'));
    expect(values).toHaveLength(25);
    for (const v of values) expect(Buffer.byteLength(v)).toBeLessThanOrEqual(MAX_PACKED_BYTES);
    expect(await redis.object('ENCODING', keys.cards(alice, 'k8s'))).toBe('listpack');
    expect(await redis.object('ENCODING', keys.due(alice, 'k8s'))).toBe('listpack');
  });

  it('reloads scripts when Redis forgot them (EVALSHA NOSCRIPT -> EVAL)', async (ctx) => {
    if (!t.owned) ctx.skip();
    const store = new RedisReviewStore(redis, freshKeys());
    expect(await store.applyGrade(write({ cardId: 'a', next: 'v1|a' }))).toBe('applied');
    await redis.script('FLUSH');
    expect(await store.applyGrade(write({ cardId: 'b', next: 'v1|b' }))).toBe('applied');
    expect((await store.queue(alice, 'k8s', T0, T0 + DAY, '2025-03-03')).known).toBe(2);
  });
});

/**
 * Its own redis-server with AOF (fsync on every write), so a restart keeps what was acknowledged:
 * "the failed grade wrote nothing" is then a claim about the failed grade, not about a server that
 * forgets everything when it restarts.
 */
describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'RedisReviewStore while Redis is down (skipped with TEST_REDIS_URL: it restarts its own server)',
  () => {
    let aof: TestRedis;
    let client: Redis;
    beforeAll(async () => {
      aof = await startTestRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
      client = connectRedis(aof.url);
      if (client.status !== 'ready') await once(client, 'ready');
    });
    afterAll(async () => {
      client?.disconnect();
      await aof?.dispose();
    });

    it('fails fast with store_unavailable, writes nothing, keeps what was written, and recovers', async () => {
      const keys = new Keys('down');
      const store = new RedisReviewStore(client, keys);
      expect(await store.applyGrade(write({ cardId: 'a', next: 'v1|a' }))).toBe('applied');

      await aof.stop();
      const ops: [string, () => Promise<unknown>][] = [
        ['applyGrade', () => store.applyGrade(write({ cardId: 'b', next: 'v1|b' }))],
        ['queue', () => store.queue(alice, 'k8s', T0, T0 + DAY, '2025-03-03')],
        ['getState', () => store.getState(alice, 'k8s', 'a')],
        ['dayCounters', () => store.dayCounters(alice, null, ['2025-03-03'])],
      ];
      for (const [what, op] of ops) {
        const err = await op().then(
          () => new Error(`${what} succeeded while Redis was down`),
          (e: unknown) => e,
        );
        expect(err, what).toBeInstanceOf(QuizError);
        expect((err as QuizError).code, what).toBe('store_unavailable');
        // Fast because it is refused, not queued until Redis returns (no offline queue): the
        // cause says so, whatever the machine's load.
        expect(String((err as QuizError).cause), what).toMatch(/enableOfflineQueue|Connection is closed/);
      }

      await aof.start();
      const snap = await until(() => store.queue(alice, 'k8s', T0, T0 + DAY, '2025-03-03'), 10_000);
      // The grade acknowledged before the outage survived the restart; the refused one left nothing.
      expect(snap.known).toBe(1);
      expect(await store.getState(alice, 'k8s', 'a')).toBe('v1|a');
      expect(await store.getState(alice, 'k8s', 'b')).toBeNull();

      // After the restart the grade goes through again (scripts reloaded if Redis lost them).
      expect(await store.applyGrade(write({ cardId: 'b', next: 'v1|b' }))).toBe('applied');
      expect(await store.getState(alice, 'k8s', 'b')).toBe('v1|b');
    });
  },
);
