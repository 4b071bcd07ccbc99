import type { Redis } from 'ioredis';
import { createEmptyCard, fsrs, Rating } from 'ts-fsrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCard, unpackCard } from '../../src/engine/cardstate.js';
import { openStores } from '../../src/store/open.js';
import { Keys } from '../../src/store/redis/keys.js';
import { migrateCardStates } from '../../src/store/redis/migrate-states.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import {
  DAY,
  dataset,
  expectSameThroughStore,
  exportAll,
  type LegacyDeck,
  type LegacyUser,
  legacyExport,
  legacyUsers,
  T0,
  writeLegacy,
} from '../helpers/legacy-states.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { readyClient } from '../helpers/team-stores.js';

let server: TestRedis;
let redis: Redis;
let n = 0;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.dispose();
});

describe('moving card states to card keys (existing data)', () => {
  it('migrates at start: every state, due and due order reads back the same, and the export is unchanged', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const users = legacyUsers();
    await writeLegacy(redis, new Keys(prefix), users);
    const stores = await openStores({ redisUrl: server.url, dataDir: '/nonexistent', prefix });
    try {
      const store = stores.review as RedisReviewStore;
      expect(await exportAll(store)).toEqual(legacyExport(users));
      await expectSameThroughStore(store, users);
      const after = await dataset(redis, prefix);
      expect(Object.keys(after).filter((key) => /:(cards|due):/.test(key))).toEqual([]);
      // Stored by card key, without version and due: `2|77.4927|4.72925|77|0|5|0|tp27qs`.
      const stored = Object.entries(after).filter(([key]) => key.includes(':states:'));
      expect(stored).toHaveLength(19);
      for (const [, hash] of stored)
        for (const [key, value] of Object.entries(hash as Record<string, string>)) {
          expect(key).toMatch(/^\d{1,2}$/);
          expect(value).toMatch(/^(\d\|[^|]*\|[^|]*\|\d+\|\d+\|\d+\|\d+\|[0-9a-z]*(\|[0-9a-z]+)?|=v1\|a)$/);
        }
    } finally {
      await stores.close();
    }
  });

  it('running it again changes nothing, and a migrated card grades as before', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    const users = legacyUsers();
    await writeLegacy(redis, keys, users);
    const store = new RedisReviewStore(redis, keys);
    expect((await migrateCardStates(redis, keys, store.cardKeys)).decks).toBe(19);
    const once = await dataset(redis, prefix);
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 0, decks: 0 });
    // Even walked again from the start (progress forgotten), nothing is left to move.
    await redis.del(keys.statesMigration());
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 12, decks: 0 });
    expect(await dataset(redis, prefix)).toEqual(once);

    const u = users[4] as LegacyUser;
    const [id, s] = Object.entries(u.decks.kubernetes as LegacyDeck)[0] as [string, { packed: string }];
    const next = packCard(createEmptyCard(new Date(T0 + 9 * DAY)));
    const write = {
      user: u.user,
      deckId: 'kubernetes',
      cardId: id,
      expected: s.packed,
      next,
      due: T0 + 9 * DAY,
      day: '2025-06-10',
      isNew: false,
      recalled: true,
      log: 'l',
    };
    expect(await store.applyGrade(write)).toBe('applied');
    expect(await store.applyGrade(write)).toBe('conflict');
    expect(await store.getState(u.user, 'kubernetes', id)).toBe(next);
  });

  it('an interrupted migration resumes where it stopped and ends with the same data', async () => {
    const users = legacyUsers();
    const full = `${server.prefix}st${++n}`;
    const fullKeys = new Keys(full);
    await writeLegacy(redis, fullKeys, users);
    await migrateCardStates(redis, fullKeys, new RedisReviewStore(redis, fullKeys).cardKeys);

    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    await writeLegacy(redis, keys, users);
    let seen = 0;
    const crash = new Error('process killed');
    const first = new RedisReviewStore(redis, keys);
    await expect(
      migrateCardStates(redis, keys, first.cardKeys, {
        afterUser: () => {
          if (++seen === 7) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const progress = await redis.hgetall(keys.statesMigration());
    expect(Number(progress.bucket)).toBeGreaterThan(0);
    expect(progress.done).toBeUndefined();
    // A new process (no cached card keys) goes on from the bucket reached.
    const second = new RedisReviewStore(redis, keys);
    const rest = await migrateCardStates(redis, keys, second.cardKeys);
    expect(rest.users).toBeLessThan(12);
    expect(rest.decks).toBeGreaterThan(0);
    await expectSameThroughStore(second, users);
    expect(await exportAll(second)).toEqual(legacyExport(users));
    // The same data as a migration that was never interrupted (same card keys: same order of users).
    const rename = (d: Record<string, unknown>, from: string) =>
      Object.fromEntries(Object.entries(d).map(([key, v]) => [key.replace(from, 'P'), v]));
    expect(rename(await dataset(redis, prefix), prefix)).toEqual(rename(await dataset(redis, full), full));
  });

  it('later starts move what an older replica wrote in the legacy layout since; a state already moved is kept', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    const users = legacyUsers();
    await writeLegacy(redis, keys, users);
    const store = new RedisReviewStore(redis, keys);
    await migrateCardStates(redis, keys, store.cardKeys);
    // An old replica, still serving during the rolling update, found the moved deck empty and wrote
    // a first state for a card the user had (stale) and one for a card they had not seen.
    const odd = users[2] as LegacyUser;
    const oddDeck = Object.getOwnPropertyDescriptor(odd.decks, '__proto__')?.value as LegacyDeck;
    const known = Object.entries(oddDeck)[1] as [string, { packed: string }];
    const stale = packCard(createEmptyCard(new Date(T0 + 2 * DAY)));
    const late = { user: odd.user, decks: {} as Record<string, LegacyDeck> };
    const deck: LegacyDeck = {};
    Object.defineProperty(deck, known[0], { value: { packed: stale, due: T0 + 2 * DAY }, enumerable: true });
    deck['new-card'] = { packed: stale, due: T0 + 3 * DAY };
    Object.defineProperty(late.decks, '__proto__', { value: deck, enumerable: true });
    await writeLegacy(redis, keys, [late]);
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 1, decks: 1 });
    expect(await store.getState(odd.user, '__proto__', known[0])).toBe(known[1].packed);
    expect(await store.getState(odd.user, '__proto__', 'new-card')).toBe(stale);
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 0, decks: 0 });
  });

  it('a card an older replica graded after the move keeps that later review; an earlier one is dropped', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    const users = legacyUsers().slice(0, 1);
    await writeLegacy(redis, keys, users);
    const store = new RedisReviewStore(redis, keys);
    await migrateCardStates(redis, keys, store.cardKeys);
    const u = users[0] as LegacyUser;
    const cards = Object.entries(u.decks.kubernetes as LegacyDeck);
    const [later, laterMoved] = cards[0] as [string, { packed: string }];
    const [earlier, earlierMoved] = cards[1] as [string, { packed: string }];
    // The old replica graded one card long after the move (newer than what was moved), and wrote
    // a state reviewed before the moved one for another (an out-of-date copy).
    const moved = unpackCard(laterMoved.packed);
    const reviewed = fsrs().next(moved, new Date(T0 + 400 * DAY), Rating.Good).card;
    const outOfDate = createEmptyCard(new Date(T0 - DAY));
    const stray: LegacyDeck = {
      [later]: { packed: packCard(reviewed), due: reviewed.due.getTime() },
      [earlier]: { packed: packCard(outOfDate), due: outOfDate.due.getTime() },
    };
    await writeLegacy(redis, keys, [{ user: u.user, decks: { kubernetes: stray } }]);
    await migrateCardStates(redis, keys, store.cardKeys);
    expect(await store.getState(u.user, 'kubernetes', later)).toBe(packCard(reviewed));
    expect(await store.getState(u.user, 'kubernetes', earlier)).toBe(earlierMoved.packed);
  });

  it('a deck whose legacy states change under it is read again (an older process still writing)', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    const users = legacyUsers().slice(0, 1);
    await writeLegacy(redis, keys, users);
    const store = new RedisReviewStore(redis, keys);
    const u = users[0] as LegacyUser;
    const legacy = `${prefix}:${keys.userTag(u.user)}:cards:kubernetes`;
    const changed = packCard(createEmptyCard(new Date(T0 + DAY)));
    let once = false;
    const assign = store.cardKeys.assign.bind(store.cardKeys);
    store.cardKeys.assign = async (deckId, ids) => {
      const out = await assign(deckId, ids);
      if (!once && deckId === 'kubernetes') {
        once = true;
        await redis.hset(legacy, 'k8s-pods-lifecycle-000', changed);
      }
      return out;
    };
    expect((await migrateCardStates(redis, keys, store.cardKeys)).decks).toBe(2);
    expect(await store.getState(u.user, 'kubernetes', 'k8s-pods-lifecycle-000')).toBe(changed);
  });
});
