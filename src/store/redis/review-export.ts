import type { Redis } from 'ioredis';
import { fromStoredState, toStoredState, unpackCard } from '../../engine/cardstate.js';
import type { UserExport, UserRef } from '../../engine/ports.js';
import { storedTimezone } from '../user-export.js';
import { SlotBatch } from './batch.js';
import type { CardKeys } from './card-keys.js';
import { guard } from './connect.js';
import type { Keys } from './keys.js';

/** A user's stored states of one deck, in the export's form: cardId -> packed state. */
async function exportDeck(
  cardKeys: CardKeys,
  deckId: string,
  states: Record<string, string>,
  queue: string[],
): Promise<Record<string, string>> {
  const due = new Map<string, number>();
  for (let i = 0; i + 1 < queue.length; i += 2) due.set(queue[i] as string, Number(queue[i + 1]));
  const keys = Object.keys(states);
  const ids = await cardKeys.idsOf(deckId, keys);
  const out: Record<string, string> = {};
  keys.forEach((key, i) => {
    // defineProperty: a card id such as `__proto__` must stay a plain key.
    Object.defineProperty(out, ids[i] as string, {
      value: fromStoredState(states[key] as string, due.get(key) ?? Number.NaN),
      enumerable: true,
    });
  });
  return out;
}

/**
 * One user's card states in the export's form (card ids, packed states with their due): two round
 * trips in the user's slot (deck ids and timezone; then each deck's states and due queue), plus one
 * per deck whose card keys this process has not read yet.
 */
export async function exportRedisUser(
  redis: Redis,
  k: Keys,
  cardKeys: CardKeys,
  user: UserRef,
): Promise<UserExport> {
  return guard('exportUsers', async () => {
    const [ids, tz] = await new SlotBatch(redis)
      .on(k.decks(user), (p) => p.smembers(k.decks(user)))
      .on(k.timezone(user), (p) => p.get(k.timezone(user)))
      .exec();
    const deckIds = (ids as string[]).sort();
    const batch = new SlotBatch(redis);
    for (const d of deckIds)
      batch
        .on(k.cards(user, d), (p) => p.hgetall(k.cards(user, d)))
        .on(k.due(user, d), (p) => p.zrange(k.due(user, d), '0', '-1', 'WITHSCORES'));
    const res = await batch.exec();
    const decks: Record<string, Record<string, string>> = {};
    for (const [i, d] of deckIds.entries()) {
      const states = res[2 * i] as Record<string, string>;
      const value = await exportDeck(cardKeys, d, states, res[2 * i + 1] as string[]);
      Object.defineProperty(decks, d, { value, enumerable: true });
    }
    return typeof tz === 'string' ? { user, decks, timezone: tz } : { user, decks };
  });
}

/**
 * Restores one user's card states and timezone from the export's form (see
 * RedisReviewStore.importUser): card keys first (one round trip per deck, in the deck's slot), then
 * one MULTI in the user's slot, then the export index. Due scores come from the packed states.
 */
export async function importRedisUser(
  redis: Redis,
  k: Keys,
  cardKeys: CardKeys,
  u: UserExport,
): Promise<void> {
  const user = u.user;
  const tz = u.timezone === undefined ? undefined : storedTimezone(u.timezone, k.userMember(user));
  const decks = Object.entries(u.decks).map(([deckId, cards]) => {
    const entries = Object.entries(cards).map(([cardId, packed]) => {
      const due = unpackCard(packed).due.getTime();
      return { cardId, due, stored: toStoredState(packed, due) };
    });
    return { deckId, entries };
  });
  await guard('importUser', async () => {
    const keyed = [];
    for (const d of decks) {
      const keys = d.entries.length
        ? await cardKeys.assign(
            d.deckId,
            d.entries.map((e) => e.cardId),
          )
        : [];
      keyed.push({ ...d, keys });
    }
    const tx = redis.multi();
    for (const d of keyed) {
      const id = d.deckId;
      tx.del(k.cards(user, id), k.due(user, id), k.legacyCards(user, id), k.legacyDue(user, id));
      if (d.entries.length === 0) {
        tx.srem(k.decks(user), id);
        continue;
      }
      tx.hset(k.cards(user, id), ...d.entries.flatMap((e, i) => [d.keys[i] as string, e.stored]));
      tx.zadd(k.due(user, id), ...d.entries.flatMap((e, i) => [e.due, d.keys[i] as string]));
      tx.sadd(k.decks(user), id);
    }
    if (tz !== undefined) tx.set(k.timezone(user), tz);
    const res = await tx.exec();
    if (!res) throw new Error('transaction aborted');
    for (const [err] of res) if (err) throw err;
    await redis.sadd(k.users(user), k.userMember(user));
  });
}
