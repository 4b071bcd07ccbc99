import type { Redis } from 'ioredis';
import { clusterOf, SlotBatch } from './batch.js';
import { guard } from './connect.js';
import type { Keys } from './keys.js';
import type { ScriptedPipeline } from './scripts.js';
import { slotNodes } from './wait.js';

/** One deck's card keys, both ways. */
interface DeckKeys {
  byId: Map<string, string>;
  byKey: Map<string, string>;
}

/**
 * The short Redis key of each card id, per deck (`lua/cardKeys-2.lua`): a user's card states and
 * due queue name cards by it, so the id (`k8s-pods-lifecycle-012`) is not stored twice per user.
 * A key is assigned once per (deck, card id) and never changes or returns to another card, so a
 * key cached here stays right forever; this process learns new ones on a miss. The engine never
 * sees keys: RedisReviewStore translates at its edge.
 */
export class CardKeys {
  private readonly decks = new Map<string, DeckKeys>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  private deck(deckId: string): DeckKeys {
    let d = this.decks.get(deckId);
    if (!d) {
      d = { byId: new Map(), byKey: new Map() };
      this.decks.set(deckId, d);
    }
    return d;
  }

  private learn(deckId: string, cardId: string, key: string): void {
    const d = this.deck(deckId);
    d.byId.set(cardId, key);
    d.byKey.set(key, cardId);
  }

  /** The key of a card when this process knows it already (no round trip), else undefined. */
  cached(deckId: string, cardId: string): string | undefined {
    return this.decks.get(deckId)?.byId.get(cardId);
  }

  /** The key of a card: cached, or one round trip to the deck's slot (assigned there if new). */
  async keyOf(deckId: string, cardId: string): Promise<string> {
    return this.cached(deckId, cardId) ?? ((await this.assign(deckId, [cardId]))[0] as string);
  }

  /**
   * The keys of these cards, assigning new ones: none when this process knows them all, else one
   * round trip per 1,000 unknown ids (the deck's slot). On a cluster the assignment is followed by
   * WAIT 1 (same pipeline) when the slot has a replica: the map and the states that use its keys live
   * on different shards, and a failover that lost an assignment the states already use would let the
   * counter hand the same key to another card.
   */
  async assign(deckId: string, cardIds: readonly string[]): Promise<string[]> {
    const missing = [...new Set(cardIds.filter((id) => this.cached(deckId, id) === undefined))];
    for (let i = 0; i < missing.length; i += 1000) {
      const ids = missing.slice(i, i + 1000);
      const map = this.keys.cardKeyIds(deckId);
      const counter = this.keys.cardKeyCounter(deckId);
      const batch = new SlotBatch<ScriptedPipeline>(this.redis).on(map, (p) =>
        p.cardKeys(map, counter, ...ids),
      );
      if (clusterOf(this.redis) && slotNodes(this.redis, map).listed >= 2) batch.wait(map, 1, 500);
      const [got] = (await guard('cardKeys', () => batch.exec())) as [unknown[]];
      for (const [j, id] of ids.entries()) this.learn(deckId, id, String(got[j]));
    }
    return cardIds.map((id) => this.cached(deckId, id) as string);
  }

  /** The card ids of these keys when this process knows them all (no round trip), else undefined. */
  cachedIds(deckId: string, keys: readonly string[]): string[] | undefined {
    const d = this.decks.get(deckId);
    const ids: string[] = [];
    for (const k of keys) {
      const id = d?.byKey.get(k);
      if (id === undefined) return undefined;
      ids.push(id);
    }
    return ids;
  }

  /**
   * The card ids of these keys. Keys this process has not seen yet (assigned by another one) cost
   * one round trip: the deck's whole map is read again. Throws on a key no card has (corrupt data).
   */
  async idsOf(deckId: string, keys: readonly string[]): Promise<string[]> {
    let d = this.decks.get(deckId);
    if (!d || keys.some((k) => !d?.byKey.has(k))) d = await this.load(deckId);
    return keys.map((k) => {
      const id = d.byKey.get(k);
      if (id === undefined) throw new Error(`card key ${k} of deck ${deckId} has no card id`);
      return id;
    });
  }

  /** One round trip: reads a deck's whole map (HGETALL). */
  async load(deckId: string): Promise<DeckKeys> {
    const all = await guard('cardKeys', () => this.redis.hgetall(this.keys.cardKeyIds(deckId)));
    for (const [id, key] of Object.entries(all)) this.learn(deckId, id, key);
    return this.deck(deckId);
  }
}
