import type { Redis } from 'ioredis';
import { createEmptyCard, fsrs, type Grade, Rating } from 'ts-fsrs';
import { expect } from 'vitest';
import { packCard } from '../../src/engine/cardstate.js';
import type { UserExport, UserRef } from '../../src/engine/ports.js';
import type { Keys } from '../../src/store/redis/keys.js';
import type { RedisReviewStore } from '../../src/store/redis/review-store.js';

/*
 * Study data as the version before card keys left it in Redis (card states by card id, full packed
 * states, due queues by card id), and checks that the store reads it back the same after the
 * migration (store/redis/migrate-states.ts).
 */

export const T0 = Date.UTC(2025, 5, 1, 7, 30, 12, 345);
export const DAY = 86_400_000;
const f = fsrs();

/** One legacy deck: cardId -> packed state, and the due score (ms) the old grade script wrote. */
export type LegacyDeck = Record<string, { packed: string; due: number }>;

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

export interface LegacyUser {
  user: UserRef;
  decks: Record<string, LegacyDeck>;
  timezone?: string;
}

/** Users as the version before card keys left them (its grade and import wrote exactly these keys). */
export function legacyUsers(): LegacyUser[] {
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

export async function writeLegacy(redis: Redis, k: Keys, users: LegacyUser[]): Promise<void> {
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
export function legacyExport(users: LegacyUser[]): UserExport[] {
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

export async function exportAll(store: RedisReviewStore): Promise<UserExport[]> {
  const out: UserExport[] = [];
  for await (const u of store.exportUsers()) out.push(u);
  return out.sort(byUser);
}

/** Every key under the prefix with its type and content, to compare whole datasets. */
export async function dataset(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
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
export async function expectSameThroughStore(store: RedisReviewStore, users: LegacyUser[]): Promise<void> {
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
