import type { Redis } from 'ioredis';
import { toStoredState, unpackCard } from '../../engine/cardstate.js';
import type { UserRef } from '../../engine/ports.js';
import { SlotBatch, scanKeys } from './batch.js';
import type { CardKeys } from './card-keys.js';
import { INDEX_BUCKETS, type Keys } from './keys.js';
import { scripted } from './scripts.js';

/** Users read per SSCAN page. */
const PAGE = 100;
/** Users of one index page migrated at once. */
const USERS_AT_ONCE = 16;
/** Attempts at one user's deck whose legacy states change under the migration (an older process still writing). */
const ATTEMPTS = 5;

/** What a migration run did. */
export interface StatesMigration {
  /** Users looked at. */
  users: number;
  /** User decks moved to the card-key layout (0 once migrated). */
  decks: number;
}

/** Options of {@link migrateCardStates}. */
export interface MigrateStatesOptions {
  /** Called after each user is done (tests interrupt the run from here). */
  afterUser?: (user: UserRef) => void;
}

/** Moves one user's deck (one `migrateStates` script); false when it had nothing in the legacy layout. */
async function migrateDeck(
  redis: Redis,
  k: Keys,
  cardKeys: CardKeys,
  user: UserRef,
  deckId: string,
): Promise<boolean> {
  const legacy = k.legacyCards(user, deckId);
  const legacyDue = k.legacyDue(user, deckId);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [states, queue] = (await new SlotBatch(redis)
      .on(legacy, (p) => p.hgetall(legacy).zrange(legacyDue, '0', '-1', 'WITHSCORES'))
      .exec()) as [Record<string, string>, string[]];
    const ids = Object.keys(states);
    if (ids.length === 0 && queue.length === 0) return false;
    const due = new Map<string, string>();
    for (let i = 0; i + 1 < queue.length; i += 2) due.set(queue[i] as string, queue[i + 1] as string);
    const keys = ids.length ? await cardKeys.assign(deckId, ids) : [];
    const args = ids.flatMap((id, i) => {
      const packed = states[id] as string;
      // A state without a due entry (never written so by the grade script) is due when it says.
      const score = Number(due.get(id) ?? unpackCard(packed).due.getTime());
      return [id, keys[i] as string, packed, toStoredState(packed, score), String(score)];
    });
    const moved = await scripted(redis).migrateStates(
      legacy,
      legacyDue,
      k.cards(user, deckId),
      k.due(user, deckId),
      String(ids.length),
      ...args,
    );
    if (moved >= 0) return true;
  }
  throw new Error(`card states of ${k.userMember(user)} in ${deckId} kept changing during the migration`);
}

/**
 * After the walk: moves what an older version wrote in the legacy layout since (a replica still
 * serving during a rolling update), found by SCAN MATCH on every master: one SCAN page per 1,000
 * keys, no per-user round trip when there is nothing to move.
 */
async function sweepLegacy(redis: Redis, k: Keys, cardKeys: CardKeys): Promise<StatesMigration> {
  const out: StatesMigration = { users: 0, decks: 0 };
  for await (const found of scanKeys(redis, k.legacyCardsPattern())) {
    for (const key of found) {
      const at = k.parseLegacyCards(key);
      if (!at) continue;
      out.users++;
      if (await migrateDeck(redis, k, cardKeys, at.user, at.deckId)) out.decks++;
    }
  }
  return out;
}

/**
 * Moves every user's card states from the layout by card id (`cards:<deck>` with full packed
 * states, `due:<deck>` by card id) to the layout by card key (`states:<deck>`, `queue:<deck>`:
 * keys.ts), one user deck per atomic script. Runs at start, after the index migration (it walks
 * the users index buckets). Idempotent: a migrated deck has no legacy keys left and is skipped.
 * Resumable: the bucket and SSCAN cursor reached are kept in Redis ({@link Keys.statesMigration})
 * after every page, so an interrupted run goes on from there (the page it was in is looked at
 * again, harmlessly). Once every bucket is walked it records `done`; later starts only sweep the
 * keyspace for legacy keys an older version wrote since ({@link sweepLegacy}). `users` counts the
 * users (walk) or legacy keys (sweep) looked at.
 */
export async function migrateCardStates(
  redis: Redis,
  k: Keys,
  cardKeys: CardKeys,
  opts: MigrateStatesOptions = {},
): Promise<StatesMigration> {
  const progressKey = k.statesMigration();
  const saved = await redis.hgetall(progressKey);
  if (saved.done === '1') return sweepLegacy(redis, k, cardKeys);
  const out: StatesMigration = { users: 0, decks: 0 };
  let cursor = saved.cursor ?? '0';
  for (let bucket = Number(saved.bucket ?? 0); bucket < INDEX_BUCKETS; bucket++) {
    do {
      const [next, members] = await redis.sscan(k.usersBucket(bucket), cursor, 'COUNT', PAGE);
      // Users of a page in parallel (each deck is its own atomic script, users never share keys):
      // tens of thousands of users move in seconds, not a start-up probe's minute.
      for (let i = 0; i < members.length; i += USERS_AT_ONCE)
        await Promise.all(
          members.slice(i, i + USERS_AT_ONCE).map(async (member) => {
            const user = k.parseUserMember(member);
            for (const deckId of (await redis.smembers(k.decks(user))).sort())
              if (await migrateDeck(redis, k, cardKeys, user, deckId)) out.decks++;
            out.users++;
            opts.afterUser?.(user);
          }),
        );
      cursor = next;
      await redis.hset(progressKey, 'bucket', String(cursor === '0' ? bucket + 1 : bucket), 'cursor', cursor);
    } while (cursor !== '0');
  }
  // Legacy keys the walk could not reach (a user missing from the index, or added behind the walk
  // by an older process still running): one SCAN pass before the walk counts as done.
  const swept = await sweepLegacy(redis, k, cardKeys);
  await redis.hset(progressKey, 'done', '1');
  return { users: out.users + swept.users, decks: out.decks + swept.decks };
}
