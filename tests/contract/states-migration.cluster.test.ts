import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { migrateCardStates } from '../../src/store/redis/migrate-states.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import {
  expectSameThroughStore,
  exportAll,
  legacyExport,
  legacyUsers,
  writeLegacy,
} from '../helpers/legacy-states.js';
import { clusterUnavailable, startTestCluster, type TestCluster } from '../helpers/redis-cluster.js';

// Through ioredis Cluster every script and pipeline of the migration must stay in one slot (a
// user's, a deck's card keys, the progress hash): CROSSSLOT would fail the run.
let cluster: TestCluster;
let redis: Redis;

describe.skipIf(clusterUnavailable !== null)(
  `moving card states to card keys on a Redis Cluster${clusterUnavailable ? ` (${clusterUnavailable})` : ''}`,
  () => {
    beforeAll(async () => {
      cluster = await startTestCluster();
      redis = connectCluster(cluster.seeds, { retryDelayMs: 50 });
      await waitReady(redis);
    }, 60_000);
    afterAll(async () => {
      redis?.disconnect();
      await cluster?.dispose();
    });

    it('walks the users index, then sweeps every master for late legacy states', async () => {
      const keys = new Keys('mc');
      const users = legacyUsers();
      await writeLegacy(redis, keys, users);
      const store = new RedisReviewStore(redis, keys);
      expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 12, decks: 19 });
      await expectSameThroughStore(store, users);
      expect(await exportAll(store)).toEqual(legacyExport(users));

      const late = users
        .slice(5, 8)
        .map(({ user, decks }) => ({ user, decks: { git2: decks.kubernetes ?? {} } }));
      await writeLegacy(redis, keys, late);
      expect(await migrateCardStates(redis, keys, store.cardKeys)).toEqual({ users: 3, decks: 3 });
      await expectSameThroughStore(store, late);
    });
  },
);
