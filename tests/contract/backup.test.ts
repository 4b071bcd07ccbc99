import { createHash } from 'node:crypto';
import { fsrs, Rating } from 'ts-fsrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCard, packCard } from '../../src/engine/cardstate.js';
import type { UserExport } from '../../src/engine/ports.js';
import { BackupError, type BackupStores, exportAll, importAll } from '../../src/store/backup.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { countTrips } from '../helpers/round-trips.js';

const T0 = Date.UTC(2026, 10, 25, 9);
const alice = { platform: 'discord', userId: '1001' } as const;
const bob = { platform: 'slack', userId: 'U02' } as const;
/** A user who set a study timezone and never studied. */
const carol = { platform: 'discord', userId: '1003' } as const;

/** Cards for alice (timezone Europe/Berlin) and bob (no timezone); carol has a timezone only. */
async function seed(stores: BackupStores) {
  const f = fsrs();
  for (const [user, cards] of [
    [alice, ['a', 'b', 'c']],
    [bob, ['a']],
  ] as const) {
    for (const cardId of cards) {
      const next = f.next(newCard(T0), new Date(T0), Rating.Good).card;
      await stores.review.applyGrade({
        user,
        deckId: 'kubernetes',
        cardId,
        expected: null,
        next: packCard(next),
        due: next.due.getTime(),
        day: '2026-11-25',
        isNew: true,
        recalled: null,
        log: 'x',
      });
    }
  }
  await stores.review.setTimezone(alice, 'Europe/Berlin');
  await stores.review.setTimezone(carol, 'Asia/Tokyo');
}

async function dump(stores: BackupStores): Promise<UserExport[]> {
  const out: UserExport[] = [];
  for await (const u of stores.review.exportUsers()) out.push(u);
  return out.sort((a, b) => a.user.userId.localeCompare(b.user.userId));
}

async function exportText(stores: BackupStores): Promise<string> {
  let text = '';
  await exportAll(stores, (l) => (text += l), new Date(T0));
  return text;
}

const memory = (): BackupStores => ({ review: new MemoryReviewStore(new PersistedDoc(null, () => ({}))) });

/** The user records of a backup text, by `<platform>:<userId>`. */
function userRecords(text: string): Record<string, Record<string, unknown>> {
  const recs = text
    .trim()
    .split('\n')
    .slice(1, -1)
    .map((l) => JSON.parse(l) as { type: string; user: { platform: string; userId: string } });
  return Object.fromEntries(
    recs.filter((r) => r.type === 'user').map((r) => [`${r.user.platform}:${r.user.userId}`, r]),
  );
}

/** A backup text with a valid header and trailer around `recs` (so only the record content is wrong). */
function signed(recs: unknown[]): string {
  const body = [
    JSON.stringify({ type: 'quizbot-export', version: 1, createdAt: 'x' }),
    ...recs.map((r) => JSON.stringify(r)),
  ];
  const sha = createHash('sha256')
    .update(body.map((l) => `${l}\n`).join(''))
    .digest('hex');
  return `${body.join('\n')}\n${JSON.stringify({ type: 'end', records: recs.length, sha256: sha })}\n`;
}

describe('export / import', () => {
  let redis: TestRedis;
  let client: ReturnType<typeof connectRedis>;
  beforeAll(async () => {
    redis = await startTestRedis();
    client = connectRedis(redis.url);
    await waitReady(client);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.dispose();
  });
  const redisStores = (): BackupStores => ({
    review: new RedisReviewStore(
      client,
      new Keys(`${redis.prefix}${Math.random().toString(36).slice(2, 6)}`),
    ),
  });

  it('round-trips the embedded store into an empty Redis store (the move to Redis)', async () => {
    const from = memory();
    await seed(from);
    const text = await exportText(from);
    const lines = text.trim().split('\n');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ type: 'quizbot-export', version: 1 });
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ type: 'end', records: 3 });
    const to = redisStores();
    expect(await importAll(to, text, { now: T0 })).toEqual({ users: 3, teams: 0, fsrs: 0 });
    expect(await dump(to)).toEqual(await dump(from));
    // And the imported schedule is live: the due queue knows the cards.
    const snap = await to.review.queue(
      alice,
      'kubernetes',
      T0 + 86_400_000 * 30,
      T0 + 86_400_000 * 31,
      '2026-12-25',
    );
    expect(snap.dueNow).toBe(3);
    // Exporting the copy gives the same records.
    expect((await exportText(to)).split('\n').slice(1, -2).sort()).toEqual(lines.slice(1, -1).sort());
  });

  it.each([
    ['truncated (no end line)', (t: string) => t.split('\n').slice(0, -2).join('\n'), /truncated/],
    ['cut mid-line', (t: string) => t.slice(0, t.length - 40), /truncated|not valid JSON/],
    [
      'a state edited',
      (t: string) => t.replace(/"a":"v1\|[^"]+"/, '"a":"v1|2|zzzz|1|1|1|0|1|0|"'),
      /checksum/,
    ],
    [
      'a record dropped',
      (t: string) =>
        t
          .split('\n')
          .filter((_l, i) => i !== 1)
          .join('\n'),
      /checksum|records/,
    ],
    ['not an export', () => '{"hello":1}\n{"type":"end"}\n', /header/],
    ['empty', () => '', /not a quizbot export/],
  ])('refuses a file %s and writes nothing', async (_name, mangle, message) => {
    const from = memory();
    await seed(from);
    const bad = mangle(await exportText(from));
    const to = redisStores();
    await expect(importAll(to, bad, { now: T0 })).rejects.toThrow(BackupError);
    await expect(importAll(to, bad, { now: T0 })).rejects.toThrow(message);
    expect(await dump(to)).toEqual([]);
  });

  it('refuses a well-formed file whose content is invalid, naming the line and the user', async () => {
    const text = signed([{ type: 'user', user: alice, decks: { k: { a: 'garbage' } } }]);
    const to = memory();
    await expect(importAll(to, text, { now: T0 })).rejects.toThrow(
      /line 2: invalid user record of discord:1001: decks\.k\.a: not a valid packed card state/,
    );
    expect(await dump(to)).toEqual([]);
  });

  it.each([
    ['the embedded store to Redis and back', memory, () => redisStores()],
    ['Redis to the embedded store and back', () => redisStores(), memory],
  ])('carries each user timezone from %s; a missing one stays missing', async (_name, origin, other) => {
    const from = origin();
    await seed(from);
    const text = await exportText(from);
    const recs = userRecords(text);
    expect(recs['discord:1001']?.timezone).toBe('Europe/Berlin');
    expect(recs['discord:1003']).toEqual({ type: 'user', user: carol, decks: {}, timezone: 'Asia/Tokyo' });
    // No timezone: no field at all (not null).
    expect(recs['slack:U02']).not.toHaveProperty('timezone');

    const there = other();
    await importAll(there, text, { now: T0 });
    expect(await dump(there)).toEqual(await dump(from));
    expect(await there.review.getTimezone(alice)).toBe('Europe/Berlin');
    expect(await there.review.getTimezone(bob)).toBeNull();
    expect(await there.review.getTimezone(carol)).toBe('Asia/Tokyo');

    const back = origin();
    await importAll(back, await exportText(there), { now: T0 });
    expect(await dump(back)).toEqual(await dump(from));
    expect(await back.review.getTimezone(bob)).toBeNull();
  });

  it.each([
    ['embedded', memory],
    ['Redis', () => redisStores()],
  ])(
    're-import into the %s store replaces a timezone the record has and keeps one it has not',
    async (_name, make) => {
      const from = memory();
      await seed(from);
      const text = await exportText(from);
      const to = make();
      await to.review.setTimezone(alice, 'America/New_York');
      await to.review.setTimezone(bob, 'Pacific/Auckland');
      await importAll(to, text, { now: T0 });
      expect(await to.review.getTimezone(alice)).toBe('Europe/Berlin');
      // Bob's record has no timezone: his own stays, as decks missing from a record stay.
      expect(await to.review.getTimezone(bob)).toBe('Pacific/Auckland');
      expect(await to.review.getTimezone(carol)).toBe('Asia/Tokyo');
    },
  );

  it.each([
    ['an unknown zone', 'Mars/Olympus', /is not a timezone I know/],
    ['an abbreviation', 'EST', /abbreviation/],
    ['null', null, /timezone/],
    ['a number', 42, /timezone/],
  ])(
    'refuses a user record with %s as timezone, naming the user, and writes nothing',
    async (_n, tz, why) => {
      const bobFirst = { type: 'user', user: bob, decks: {}, timezone: 'Asia/Tokyo' };
      const text = signed([bobFirst, { type: 'user', user: alice, decks: {}, timezone: tz }]);
      for (const to of [memory(), redisStores()]) {
        const run = importAll(to, text, { now: T0 });
        await expect(run).rejects.toThrow(BackupError);
        await expect(importAll(to, text, { now: T0 })).rejects.toThrow(
          /^line 3: invalid user record of discord:1001: timezone: /,
        );
        await expect(importAll(to, text, { now: T0 })).rejects.toThrow(why);
        expect(await dump(to)).toEqual([]);
        expect(await to.review.getTimezone(bob)).toBeNull();
      }
    },
  );

  it('takes any spelling of a zone this runtime knows and stores the name it calls canonical (ICU builds differ on it)', async () => {
    const text = signed([{ type: 'user', user: alice, decks: {}, timezone: 'europe/berlin' }]);
    for (const to of [memory(), redisStores()]) {
      await importAll(to, text, { now: T0 });
      expect(await to.review.getTimezone(alice)).toBe('Europe/Berlin');
    }
  });

  it("Redis export reads a user's timezone with their deck ids: 2 round trips per user, as without one", async () => {
    const from = memory();
    await seed(from);
    const to = redisStores();
    await importAll(to, await exportText(from), { now: T0 });
    const trips = countTrips(client);
    const users = await dump(to);
    expect(users).toHaveLength(3);
    const scans = trips.commands.filter((c) => c === 'sscan').length;
    // One SSCAN per bucket of the users index (small sets: one page each); then per user one
    // pipeline of SMEMBERS and GET of the timezone, and one of HGETALL per deck (none without decks).
    expect(scans).toBe(16);
    expect(trips.count).toBe(scans + 2 + 2 + 1);
  });
});
