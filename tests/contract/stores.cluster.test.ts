import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { DEFAULT_W } from '../../src/engine/fsrs/params.js';
import type { ChannelSchedule, DailyRound, TeamRef, TeamStore, UserRef } from '../../src/engine/ports.js';
import { ReviewService } from '../../src/engine/review.js';
import type { View } from '../../src/engine/views.js';
import { type BackupStores, exportAll, importAll } from '../../src/store/backup.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { openStores, type Stores } from '../../src/store/open.js';
import { clusterOf, SlotBatch } from '../../src/store/redis/batch.js';
import { clusterHealth } from '../../src/store/redis/cluster-health.js';
import { connectCluster, waitReady } from '../../src/store/redis/connect.js';
import { RedisFsrsStore } from '../../src/store/redis/fsrs-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { actor, ManualClock, testDeck } from '../helpers/engine.js';
import { clusterUnavailable, startTestCluster, type TestCluster } from '../helpers/redis-cluster.js';
import { openRound } from '../helpers/round-fixture.js';
import { reviewStoreContract } from './review-store.contract.js';
import { teamStoreContract } from './team-store.contract.js';

// One 3-master, 3-replica cluster for this file. Every store call below goes through ioredis
// Cluster: a script, MULTI or pipeline whose keys span slots fails (CROSSSLOT from Redis, or
// ioredis refusing a pipeline across nodes), so the contract suites passing here is the proof
// that each of them touches one slot.
let cluster: TestCluster;
let redis: Redis;
let replicas: Redis[] = [];
let n = 0;

const ready = async () => {
  const c = connectCluster(cluster.seeds, { retryDelayMs: 50 });
  await waitReady(c);
  return c;
};

describe.skipIf(clusterUnavailable !== null)(
  `stores on a Redis Cluster${clusterUnavailable ? ` (${clusterUnavailable})` : ''}`,
  () => {
    beforeAll(async () => {
      cluster = await startTestCluster();
      redis = await ready();
      replicas = await Promise.all([1, 2, 3].map(() => ready()));
    }, 60_000);

    afterAll(async () => {
      redis?.disconnect();
      for (const r of replicas) r.disconnect();
      await cluster?.dispose();
    });

    const reviewKeys = new WeakMap<object, Keys>();
    reviewStoreContract(
      'RedisReviewStore on a cluster',
      () => {
        const keys = new Keys(`rc${++n}`);
        const store = new RedisReviewStore(redis, keys);
        reviewKeys.set(store, keys);
        return store;
      },
      (store, i) =>
        new RedisReviewStore(replicas[i % replicas.length] as Redis, reviewKeys.get(store) as Keys),
    );

    const teamKeys = new WeakMap<TeamStore, Keys>();
    teamStoreContract(
      'RedisTeamStore on a cluster',
      async () => {
        const keys = new Keys(`tc${++n}`);
        const store = new RedisTeamStore(redis, keys);
        teamKeys.set(store, keys);
        return store;
      },
      (store, i) =>
        new RedisTeamStore(replicas[(i - 1) % replicas.length] as Redis, teamKeys.get(store) as Keys),
    );

    describe('cluster specifics', () => {
      const T0 = Date.now();
      const teams: TeamRef[] = Array.from({ length: 12 }, (_, i) => ({
        platform: 'discord',
        teamId: `g${i}`,
      }));
      const schedule = (channelId: string): ChannelSchedule => ({
        channelId,
        deckId: 'k8s',
        time: '09:00',
        timezone: 'UTC',
        weekdays: [1, 2, 3, 4, 5],
        close: { kind: 'after', minutes: 60 },
        paused: false,
        updatedBy: 'admin',
        updatedAt: T0,
      });
      const round = (roundId: string): DailyRound => ({ ...openRound(T0), roundId, date: '2026-03-02' });

      /** Twelve teams (their slots spread over all three masters) with a schedule, a posted round and answers. */
      async function seedTeams(store: TeamStore): Promise<void> {
        for (const t of teams) {
          await store.putSchedule(t, schedule('C1'));
          const r = round(`C1-${t.teamId}`);
          const c = await store.claimRound(t, r, {
            owner: 'p',
            now: T0,
            leaseMs: 60_000,
            maxAttempts: 3,
            keepMs: 86_400_000,
          });
          if (c.status !== 'claimed') throw new Error('claim');
          await store.recordPost(t, r, {
            generation: c.generation,
            message: { channelId: 'C1', messageId: 'm' },
            resetAsked: false,
            keepMs: 86_400_000,
          });
          await store.answer(t, r.roundId, 'u1', 1, T0 + 1_000, 'Al');
          await store.answer(t, r.roundId, 'u2', 0, T0 + 2_000, null);
          await store.setDue({ kind: 'close', team: t, roundId: r.roundId }, r.closesAt);
        }
      }

      it('spreads the team data and the index buckets over every master', async () => {
        const keys = new Keys('spread');
        const masters = new Set<number>();
        for (const t of teams) masters.add(await cluster.masterOf(keys.teamMeta(t)));
        for (let b = 0; b < 16; b++) masters.add(await cluster.masterOf(keys.dailyDueBucket(b)));
        expect(masters.size).toBe(3);
      });

      it('exports every team and user (SCAN on every master) and imports them back into another store', async () => {
        const keys = new Keys(`bk${++n}`);
        const from: BackupStores & { teams: RedisTeamStore } = {
          review: new RedisReviewStore(redis, keys),
          teams: new RedisTeamStore(redis, keys),
        };
        await seedTeams(from.teams);
        const users: UserRef[] = Array.from({ length: 20 }, (_, i) => ({
          platform: 'slack',
          userId: `U${i}`,
        }));
        for (const user of users)
          await from.review.applyGrade({
            user,
            deckId: 'k8s',
            cardId: 'c1',
            expected: null,
            next: 'v1|1|0|0|0|0|0|0|0|',
            due: T0,
            day: '2026-03-02',
            isNew: true,
            recalled: null,
            log: 'l',
          });
        // Study timezones: on every other user, and on one who never studied (their own slots).
        const zoned = users.filter((_u, i) => i % 2 === 0);
        for (const user of zoned) await from.review.setTimezone(user, 'Europe/Berlin');
        const zoneOnly: UserRef = { platform: 'discord', userId: 'tz-only' };
        await from.review.setTimezone(zoneOnly, 'Asia/Tokyo');
        let text = '';
        await exportAll(from, (l) => (text += l), new Date(T0));
        const recs = text
          .trim()
          .split('\n')
          .slice(1, -1)
          .map((l) => JSON.parse(l) as { type: string });
        expect(recs.filter((r) => r.type === 'team')).toHaveLength(teams.length);
        expect(recs.filter((r) => r.type === 'user')).toHaveLength(users.length + 1);

        // Into the embedded store and into a fresh prefix of the cluster: the same teams and rounds.
        const doc = new PersistedDoc<object>(null, () => ({}));
        const memTeams = new MemoryTeamStore(doc);
        const memReview = new MemoryReviewStore(doc);
        await importAll({ review: memReview, teams: memTeams }, text, { now: T0 });
        const keys2 = new Keys(`bk${++n}`);
        const to = { review: new RedisReviewStore(redis, keys2), teams: new RedisTeamStore(redis, keys2) };
        expect(await importAll(to, text, { now: T0 })).toEqual({
          users: users.length + 1,
          teams: teams.length,
          fsrs: 0,
        });
        for (const [i, user] of [...users, zoneOnly].entries()) {
          const tz = user === zoneOnly ? 'Asia/Tokyo' : i % 2 === 0 ? 'Europe/Berlin' : null;
          expect(await memReview.getTimezone(user)).toBe(tz);
          expect(await to.review.getTimezone(user)).toBe(tz);
        }
        // And back out of the cluster copy: the same user records, timezones included.
        let again = '';
        await exportAll(to, (l) => (again += l), new Date(T0));
        const userLines = (t: string) =>
          t
            .split('\n')
            .filter((l) => l.startsWith('{"type":"user"'))
            .sort();
        expect(userLines(again)).toEqual(userLines(text));
        expect(await to.teams.teams()).toEqual(await memTeams.teams());
        for (const t of teams) {
          expect(await to.teams.getRound(t, `C1-${t.teamId}`)).toEqual(
            await memTeams.getRound(t, `C1-${t.teamId}`),
          );
          expect(await to.teams.getRound(t, `C1-${t.teamId}`)).toEqual(
            await from.teams.getRound(t, `C1-${t.teamId}`),
          );
        }
        const due = await to.teams.dueEntries(T0 + 7_200_000, 100);
        expect(new Set(due.map((e) => e.item.kind === 'close' && e.item.roundId))).toEqual(
          new Set(teams.map((t) => `C1-${t.teamId}`)),
        );
      });

      it('merges the due buckets earliest first and leases an entry once among replicas', async () => {
        const keys = new Keys(`due${++n}`);
        const stores = [redis, ...replicas].map((c) => new RedisTeamStore(c, keys));
        const store = stores[0] as RedisTeamStore;
        for (const [i, t] of teams.entries())
          await store.setDue({ kind: 'open', team: t, channelId: 'C1' }, T0 + i);
        const due = await store.dueEntries(T0 + 100, 5);
        expect(due.map((e) => e.at)).toEqual([T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4]);
        const first = due[0];
        if (!first) throw new Error('no entry');
        const won = await Promise.all(stores.map((s) => s.leaseDue(first.item, first.at, T0 + 60_000)));
        expect(won.filter(Boolean)).toHaveLength(1);
      });

      it('a rating click in a server: weights, grade, review log and fit index each in their own slot', async () => {
        const keys = new Keys(`tg${++n}`);
        const review = new RedisReviewStore(redis, keys);
        const fsrs = new RedisFsrsStore(redis, keys);
        const team: TeamRef = { platform: 'discord', teamId: 'g1' };
        // Initial stabilities three times the defaults: "Easy" on a new card shows a longer interval.
        const w = DEFAULT_W.map((x, i) => (i < 4 ? x * 3 : x));
        const m = { logLoss: 0.5, rmseBins: 0.1 };
        await fsrs.saveParams(team, null, {
          version: 1,
          w,
          fittedAt: T0,
          trainReviews: 10,
          testReviews: 5,
          before: m,
          after: m,
        });
        const decks = new DeckSet([testDeck(3)]);
        await review.prepareDecks(decks.list());
        const clock = new ManualClock(T0);
        const engine = new QuizEngine({ review: new ReviewService({ store: review, decks, clock }), decks });
        const press = (v: View, label: RegExp) =>
          v.buttons?.flat().find((b) => label.test(b.label))?.actionId ?? '';
        const easy = async (a: ReturnType<typeof actor>) => {
          const shown = await engine.action(a, press(await engine.review(a, 'test'), /Show answer/));
          const label = shown.view.buttons?.flat().find((b) => /^Easy/.test(b.label))?.label;
          return { label, graded: await engine.action(a, press(shown.view, /^Easy/)) };
        };
        const inTeam = await easy(actor('alice', { team }));
        const inDm = await easy(actor('bob', { team: null }));
        expect(inTeam.label).not.toEqual(inDm.label);
        expect(inTeam.graded.view.text).toContain('Question 2?');
        expect(await review.getState({ platform: 'discord', userId: 'alice' }, 'test', 'c1')).not.toBeNull();
        // The team's review log and its fit index entry: one line, one member (DMs write neither).
        expect(await redis.llen(keys.teamReviewLog(team))).toBe(1);
        expect(await redis.smembers(keys.fsrsTeams(team))).toEqual([keys.teamMember(team)]);
        const slots = new Set(
          [
            keys.cards({ platform: 'discord', userId: 'alice' }, 'test'),
            keys.teamReviewLog(team),
            keys.fsrsTeams(team),
          ].map((k) => calculateSlot(k)),
        );
        expect(slots.size).toBe(3);
      });

      it('a batch over many slots becomes one pipeline per slot', async () => {
        const keys = Array.from({ length: 40 }, (_, i) => `batch${n}:{k${i}}`);
        const batch = new SlotBatch(redis);
        for (const k of keys) batch.on(k, (p) => p.set(k, k).get(k));
        const res = await batch.exec();
        expect(res).toEqual(keys.flatMap((k) => ['OK', k]));
      });

      it('reports the cluster healthy, and openStores opens it with the scripts defined', async () => {
        await expect(
          clusterHealth(clusterOf(redis) as NonNullable<ReturnType<typeof clusterOf>>),
        ).resolves.toBeUndefined();
        const stores: Stores = await openStores({
          cluster: cluster.seeds,
          dataDir: '/nonexistent',
          prefix: `os${++n}`,
        });
        try {
          expect(stores.where).toMatch(/^cluster 127\.0\.0\.1:\d+/);
          await expect(stores.ping()).resolves.toBeUndefined();
          const t = teams[0] as TeamRef;
          await stores.team.putSchedule(t, schedule('C9'));
          expect(await stores.team.teams()).toEqual([t]);
        } finally {
          await stores.close();
        }
      });
    });
  },
);
