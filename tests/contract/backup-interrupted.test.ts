import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCard, packCard } from '../../src/engine/cardstate.js';
import {
  type BackupStores,
  backupFileLines,
  exportAll,
  ImportInterruptedError,
  importAll,
} from '../../src/store/backup.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const T0 = Date.UTC(2026, 0, 5);

/** Three users and three teams, each with enough data that a half-written record would show. */
async function source(): Promise<BackupStores & { teams: MemoryTeamStore }> {
  const doc = new PersistedDoc<object>(null, () => ({}));
  const review = new MemoryReviewStore(doc);
  const teams = new MemoryTeamStore(doc);
  for (const id of ['u1', 'u2', 'u3']) {
    const cards = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`card-${i}`, packCard(newCard(T0 + i))]),
    );
    await review.importUser({
      user: { platform: 'slack', userId: id },
      decks: { kubernetes: cards, other: cards },
    });
  }
  for (const id of ['T1', 'T2', 'T3']) {
    const scores = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`U${i}`, i * 10]));
    await teams.importTeam(
      {
        team: { platform: 'slack', teamId: id },
        timezone: 'Europe/Berlin',
        schedules: [],
        rounds: [],
        claims: {},
        asked: [{ channelId: 'C1', deckId: 'kubernetes', cards: ['a', 'b', 'c'] }],
        boards: { all: scores, 'm:2026-01': scores, 'w:2026-W02': scores },
        streaks: { U1: { count: 3, last: '2026-01-05', best: 4 } },
        names: Object.fromEntries(Object.keys(scores).map((u) => [u, `name ${u}`])),
      },
      Date.now(),
    );
  }
  return { review, teams };
}

async function exportLines(stores: BackupStores): Promise<string[]> {
  let text = '';
  await exportAll(stores, (l) => (text += l), new Date());
  return text.trim().split('\n').slice(1, -1).sort();
}

const shared = Boolean(process.env.TEST_REDIS_URL);

describe.skipIf(shared)(
  'an import interrupted by a Redis failure (skipped: TEST_REDIS_URL given, the test stops its own server)',
  () => {
    let redis: TestRedis;
    const dir = mkdtempSync(join(tmpdir(), 'qb-import-'));
    const file = join(dir, 'backup.jsonl');
    let expected: string[];
    beforeAll(async () => {
      // AOF with fsync on every write: what Redis acknowledged survives the SIGKILL below.
      redis = await startTestRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
      const from = await source();
      let text = '';
      await exportAll(from, (l) => (text += l), new Date());
      writeFileSync(file, text);
      expected = await exportLines(from);
      expect(expected).toHaveLength(6);
    });
    afterAll(async () => {
      await redis?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const storesOn = (client: Redis): BackupStores => {
      const keys = new Keys('imp');
      const team = new RedisTeamStore(client, keys);
      return { review: new RedisReviewStore(client, keys), teams: team };
    };

    it('leaves whole records only, says how far it got, and a second run finishes it', async () => {
      const first = connectRedis(redis.url);
      await waitReady(first);
      const err = await importAll(storesOn(first), backupFileLines(file), {
        now: Date.now(),
        // Redis dies for good after the fourth record (three users, one team) is acknowledged.
        onRecord: async (n) => {
          if (n === 4) await redis.stop();
        },
      }).catch((e: unknown) => e);
      first.disconnect();
      expect(err).toBeInstanceOf(ImportInterruptedError);
      expect((err as ImportInterruptedError).written).toBe(4);
      expect((err as ImportInterruptedError).total).toBe(6);
      expect((err as Error).message).toMatch(/run the same import again/);

      await redis.start();
      const second = connectRedis(redis.url);
      await waitReady(second);
      try {
        const after = await exportLines(storesOn(second));
        // Exactly the acknowledged records, each one whole: nothing of the fifth and sixth.
        expect(after).toHaveLength(4);
        for (const line of after) expect(expected).toContain(line);

        expect(await importAll(storesOn(second), backupFileLines(file), { now: Date.now() })).toEqual({
          users: 3,
          teams: 3,
          fsrs: 0,
        });
        expect(await exportLines(storesOn(second))).toEqual(expected);
      } finally {
        second.disconnect();
      }
    });
  },
);
