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

const T0 = Date.UTC(2026, 10, 25, 9);
const alice = { platform: 'discord', userId: '1001' } as const;
const bob = { platform: 'slack', userId: 'U02' } as const;

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
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ type: 'end', records: 2 });
    const to = redisStores();
    expect(await importAll(to, text, { now: T0 })).toEqual({ users: 2, teams: 0, fsrs: 0 });
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

  it('refuses a well-formed file whose content is invalid, naming the line', async () => {
    const body = [
      JSON.stringify({ type: 'quizbot-export', version: 1, createdAt: 'x' }),
      JSON.stringify({ type: 'user', user: alice, decks: { k: { a: 'garbage' } } }),
    ];
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256')
      .update(body.map((l) => `${l}\n`).join(''))
      .digest('hex');
    const text = `${body.join('\n')}\n${JSON.stringify({ type: 'end', records: 1, sha256: sha })}\n`;
    const to = memory();
    await expect(importAll(to, text, { now: T0 })).rejects.toThrow(
      /line 2: invalid user record: not a valid packed card state/,
    );
    expect(await dump(to)).toEqual([]);
  });
});
