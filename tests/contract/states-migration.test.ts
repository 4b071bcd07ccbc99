import type { Redis } from 'ioredis';
import { createEmptyCard, fsrs, type Grade, Rating } from 'ts-fsrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCard } from '../../src/engine/cardstate.js';
import type { UserExport, UserRef } from '../../src/engine/ports.js';
import { openStores } from '../../src/store/open.js';
import { Keys } from '../../src/store/redis/keys.js';
import { migrateCardStates } from '../../src/store/redis/migrate-states.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
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

const T0 = Date.UTC(2025, 5, 1, 7, 30, 12, 345);
const DAY = 86_400_000;
const f = fsrs();

/** One legacy deck: cardId -> packed state, and the due score (ms) the old grade script wrote. */
type LegacyDeck = Record<string, { packed: string; due: number }>;

/** Real ts-fsrs states of `count` cards, with distinct due times. */
function legacyDeck(seed: number, count: number, prefix: string): LegacyDeck {
  const deck: LegacyDeck = {};
  const grades: Grade[] = [Rating.Again, Rating.Hard, Rating.Good, Rating.Easy];
  for (let i = 0; i < count; i++) {
    let card = createEmptyCard(new Date(T0));
    let now = T0 + seed * 7_001 + i * 1_013;
    for (let r = 0; r <= (i + seed) % 6; r++) {
      card = f.next(card, new Date(now), grades[(i * 3 + r + seed) % 4] ?? Rating.Good).card;
      now = card.due.getTime() + ((i * 7919) % DAY);
    }
    deck[`${prefix}-${String(i).padStart(3, '0')}`] = { packed: packCard(card), due: card.due.getTime() };
  }
  return deck;
}

interface LegacyUser {
  user: UserRef;
  decks: Record<string, LegacyDeck>;
  timezone?: string;
}

/** Users as the version before card keys left them (its grade and import wrote exactly these keys). */
function legacyUsers(): LegacyUser[] {
  const users: LegacyUser[] = [];
  for (let u = 0; u < 12; u++) {
    const user: UserRef = {
      platform: u % 3 === 0 ? 'slack' : 'discord',
      userId: u === 2 ? `U${u}{x}` : `U${u}`,
    };
    const decks: Record<string, LegacyDeck> = {
      kubernetes: legacyDeck(u, 5 + u * 3, 'k8s-pods-lifecycle'),
    };
    if (u % 2 === 0) decks.git = legacyDeck(u + 100, 3, 'git');
    users.push(u === 1 ? { user, decks, timezone: 'Europe/Berlin' } : { user, decks });
  }
  // Odd ids and an odd value: the old store kept any string, and a due apart from the state's own.
  const odd = users[2] as LegacyUser;
  const deck: LegacyDeck = {};
  const plain = (o: object, key: string, value: unknown) =>
    Object.defineProperty(o, key, { value, enumerable: true, writable: true });
  plain(deck, 'constructor', { packed: 'v1|a', due: T0 + 5 });
  plain(deck, '__proto__', { packed: (odd.decks.git as LegacyDeck)['git-000']?.packed, due: T0 - DAY });
  plain(odd.decks, '__proto__', deck);
  return users;
}

async function writeLegacy(k: Keys, users: LegacyUser[]): Promise<void> {
  for (const { user, decks, timezone } of users) {
    const tag = `${k.prefix}:${k.userTag(user)}`;
    for (const [deckId, cards] of Object.entries(decks)) {
      for (const [cardId, s] of Object.entries(cards)) {
        await redis.hset(`${tag}:cards:${encodeURIComponent(deckId)}`, cardId, s.packed);
        await redis.zadd(`${tag}:due:${encodeURIComponent(deckId)}`, s.due, cardId);
      }
      await redis.sadd(k.decks(user), deckId);
    }
    if (timezone) await redis.set(k.timezone(user), timezone);
    await redis.sadd(k.users(user), k.userMember(user));
  }
}

/** The export the version before card keys produced from that data (its exportUsers, in user order). */
function legacyExport(users: LegacyUser[]): UserExport[] {
  return users
    .map(({ user, decks, timezone }) => {
      const out: Record<string, Record<string, string>> = {};
      for (const [deckId, cards] of Object.entries(decks)) {
        const states: Record<string, string> = {};
        for (const [id, s] of Object.entries(cards))
          Object.defineProperty(states, id, { value: s.packed, enumerable: true });
        Object.defineProperty(out, deckId, { value: states, enumerable: true });
      }
      return timezone ? { user, decks: out, timezone } : { user, decks: out };
    })
    .sort(byUser);
}

const byUser = (a: UserExport, b: UserExport) =>
  `${a.user.platform}:${a.user.userId}`.localeCompare(`${b.user.platform}:${b.user.userId}`);

async function exportAll(store: RedisReviewStore): Promise<UserExport[]> {
  const out: UserExport[] = [];
  for await (const u of store.exportUsers()) out.push(u);
  return out.sort(byUser);
}

/** Every key under the prefix with its type and content, to compare whole datasets. */
async function dataset(prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = '0';
  do {
    const [next, ks] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of ks) {
      const type = await redis.type(key);
      out[key] =
        type === 'hash'
          ? await redis.hgetall(key)
          : type === 'zset'
            ? await redis.zrange(key, '0', '-1', 'WITHSCORES')
            : type === 'set'
              ? (await redis.smembers(key)).sort()
              : await redis.get(key);
    }
  } while (cursor !== '0');
  return out;
}

/** Checks every state, due time and due order through the store against the legacy data. */
async function expectSameThroughStore(store: RedisReviewStore, users: LegacyUser[]): Promise<void> {
  for (const { user, decks } of users) {
    for (const [deckId, cards] of Object.entries(decks)) {
      const ids = Object.keys(cards);
      for (const id of ids)
        expect(await store.getState(user, deckId, id), `${deckId}/${id}`).toBe(cards[id]?.packed);
      expect(await store.knownCards(user, deckId)).toEqual(new Set(ids));
      const order = ids.sort((a, b) => (cards[a]?.due ?? 0) - (cards[b]?.due ?? 0));
      const far = T0 + 100_000 * DAY;
      const q = await store.queue(user, deckId, far, far, '2025-06-01');
      expect(q.dueIds, `${deckId} due order`).toEqual(order.slice(0, 16));
      expect(q.dueNow).toBe(ids.length);
      expect(q.dueState).toBe(cards[order[0] as string]?.packed);
      expect(await store.dueTimes(user, [deckId], far)).toEqual(order.map((id) => cards[id]?.due));
    }
  }
}

describe('moving card states to card keys (existing data)', () => {
  it('migrates at start: every state, due and due order reads back the same, and the export is unchanged', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const users = legacyUsers();
    await writeLegacy(new Keys(prefix), users);
    const stores = await openStores({ redisUrl: server.url, dataDir: '/nonexistent', prefix });
    try {
      const store = stores.review as RedisReviewStore;
      expect(await exportAll(store)).toEqual(legacyExport(users));
      await expectSameThroughStore(store, users);
      const after = await dataset(prefix);
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
    await writeLegacy(keys, users);
    const store = new RedisReviewStore(redis, keys);
    expect((await migrateCardStates(redis, keys, store.cardKeys)).decks).toBe(19);
    const once = await dataset(prefix);
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 0, decks: 0 });
    // Even walked again from the start (progress forgotten), nothing is left to move.
    await redis.del(keys.statesMigration());
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 12, decks: 0 });
    expect(await dataset(prefix)).toEqual(once);

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
    await writeLegacy(fullKeys, users);
    await migrateCardStates(redis, fullKeys, new RedisReviewStore(redis, fullKeys).cardKeys);

    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    await writeLegacy(keys, users);
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
    expect(rename(await dataset(prefix), prefix)).toEqual(rename(await dataset(full), full));
  });

  it('later starts move what an older replica wrote in the legacy layout since; a state already moved is kept', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    const users = legacyUsers();
    await writeLegacy(keys, users);
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
    await writeLegacy(keys, [late]);
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 1, decks: 1 });
    expect(await store.getState(odd.user, '__proto__', known[0])).toBe(known[1].packed);
    expect(await store.getState(odd.user, '__proto__', 'new-card')).toBe(stale);
    expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 0, decks: 0 });
  });

  it('a deck whose legacy states change under it is read again (an older process still writing)', async () => {
    const prefix = `${server.prefix}st${++n}`;
    const keys = new Keys(prefix);
    const users = legacyUsers().slice(0, 1);
    await writeLegacy(keys, users);
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
