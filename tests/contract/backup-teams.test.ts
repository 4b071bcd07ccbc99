import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSchedule, DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { BackupError, type BackupStores, exportAll, importAll } from '../../src/store/backup.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { openStores } from '../../src/store/open.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { type TeamExport, validateTeamExport } from '../../src/store/team-export.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { readyClient } from '../helpers/team-stores.js';

const D = 86_400_000;
const H = 3_600_000;
const KEEP = 14 * D;
// Rounds and claims expire relative to the wall clock, so the data is built around now.
const NOW = Date.now();
const TEAM: TeamRef = { platform: 'discord', teamId: 'g1' };
const ODD: TeamRef = { platform: 'slack', teamId: 'T{9}:x %y' };
const BOARDS = ['w:2026-W10', 'w:2026-W11', 'm:2026-03', 'all'];

type Both = TeamStore & NonNullable<BackupStores['teams']>;
interface Side {
  stores: BackupStores & { teams: Both };
  team: Both;
}

function schedule(channelId: string, patch: Partial<ChannelSchedule> = {}): ChannelSchedule {
  return {
    channelId,
    deckId: 'k8s',
    time: '09:00',
    timezone: 'Europe/Berlin',
    weekdays: [1, 2, 3, 4, 5],
    close: { kind: 'after', minutes: 480 },
    paused: false,
    updatedBy: 'admin',
    updatedAt: NOW - 30 * D,
    ...patch,
  };
}

function round(roundId: string, opensAt: number, patch: Partial<DailyRound> = {}): DailyRound {
  return {
    roundId,
    channelId: 'C1',
    date: '2026-03-02',
    deckId: 'k8s',
    cardId: `card-${roundId}`,
    form: 0,
    order: [2, 0, 3, 1],
    correct: 1,
    opensAt,
    closesAt: opensAt + 8 * H,
    prevDate: '2026-02-27',
    status: 'open',
    message: null,
    revealed: false,
    ...patch,
  };
}

async function post(store: TeamStore, team: TeamRef, r: DailyRound, resetAsked = false): Promise<void> {
  const lease = { owner: 'p1', now: r.opensAt, leaseMs: 60_000, maxAttempts: 3, keepMs: KEEP };
  const c = await store.claimRound(team, r, lease);
  if (c.status !== 'claimed') throw new Error(`claim ${r.roundId}: ${c.status}`);
  const rec = await store.recordPost(team, r, {
    generation: c.generation,
    message: { channelId: r.channelId, messageId: `m-${r.roundId}` },
    resetAsked,
    keepMs: KEEP,
  });
  if (rec !== 'ok') throw new Error('record lost');
}

/** Schedules, two closed rounds (two weeks of boards), an open round with answers, a retrying claim. */
async function seed(store: TeamStore): Promise<void> {
  await store.putSchedule(TEAM, schedule('C2', { paused: true, close: { kind: 'at', time: '17:00' } }));
  await store.putSchedule(TEAM, schedule('C1'));
  await store.putSchedule(ODD, schedule('C:1', { timezone: 'America/New_York', weekdays: [6, 7] }));

  const r1 = round('C1-20260302', NOW - 10 * D);
  await post(store, TEAM, r1);
  await store.answer(TEAM, r1.roundId, 'u2', 0, r1.opensAt + 1_000, 'Bea');
  await store.answer(TEAM, r1.roundId, 'u1', 1, r1.opensAt + 2_000, 'Al');
  await store.answer(TEAM, r1.roundId, 'u3', 1, r1.opensAt + 3_000, null);
  const awards = { points: 10, bonus: [5, 3], fastest: 3, keepMs: KEEP };
  await store.closeRound(TEAM, r1.roundId, {
    now: r1.closesAt,
    boards: ['w:2026-W10', 'm:2026-03', 'all'],
    ...awards,
  });
  await store.noteReveal(TEAM, r1.roundId, true);

  const r2 = round('C1-20260309', NOW - 3 * D, { date: '2026-03-09', prevDate: '2026-03-02', correct: 3 });
  await post(store, TEAM, r2);
  await store.answer(TEAM, r2.roundId, 'u1', 3, r2.opensAt + 5_000, null);
  await store.answer(TEAM, r2.roundId, 'u2', 3, r2.opensAt + 4_000, null);
  await store.closeRound(TEAM, r2.roundId, {
    now: r2.closesAt,
    boards: ['w:2026-W11', 'm:2026-03', 'all'],
    ...awards,
  });
  await store.noteReveal(TEAM, r2.roundId, false);

  const r3 = round('C1-20260316', NOW - H, { date: '2026-03-16', prevDate: '2026-03-09' });
  await post(store, TEAM, r3);
  // With the request id of the click (kept through export and import, colons and all).
  await store.answer(TEAM, r3.roundId, 'u1', 1, NOW - H + 60_000, 'Alice', '1710000000.42:ix');
  await store.answer(TEAM, r3.roundId, 'u2', 2, NOW - H + 90_000, null);

  // A post that failed once (retryable): a claim and an unposted round, not in the open index.
  const r4 = round('C2-20260316', NOW - 2 * H, { channelId: 'C2', date: '2026-03-16' });
  const c = await store.claimRound(TEAM, r4, {
    owner: 'p2',
    now: r4.opensAt,
    leaseMs: 60_000,
    maxAttempts: 3,
    keepMs: KEEP,
  });
  if (c.status !== 'claimed') throw new Error('claim r4');
  await store.failPost(TEAM, r4.roundId, c.generation, false, KEEP);

  const r5 = round('C:1-20260314', NOW - 2 * H, { channelId: 'C:1', deckId: 'a/b', date: '2026-03-14' });
  await post(store, ODD, r5, true);
}

/** Everything a caller can see through the TeamStore port. */
async function observe(store: TeamStore) {
  const out: Record<string, unknown> = { teams: await store.teams() };
  for (const team of [TEAM, ODD]) {
    const t: Record<string, unknown> = {
      tz: await store.teamTimezone(team),
      schedules: await store.listSchedules(team),
      c1: await store.getSchedule(team, 'C1'),
      open: await store.openRounds(team),
      asked: [
        [...(await store.askedCards(team, 'C1', 'k8s'))].sort(),
        [...(await store.askedCards(team, 'C:1', 'a/b'))].sort(),
        [...(await store.askedCards(team, 'C2', 'k8s'))].sort(),
      ],
    };
    for (const id of ['C1-20260302', 'C1-20260309', 'C1-20260316', 'C2-20260316', 'C:1-20260314'])
      t[`round ${id}`] = await store.getRound(team, id);
    for (const board of BOARDS) {
      t[`board ${board}`] = await store.leaderboard(team, board, 'u3', 10);
    }
    for (const u of ['u1', 'u2', 'u3', 'u4']) t[`streak ${u}`] = await store.streak(team, u);
    out[`${team.platform}:${team.teamId}`] = t;
  }
  return out;
}

async function exportText(stores: BackupStores): Promise<string> {
  let text = '';
  await exportAll(stores, (l) => (text += l), new Date());
  return text;
}

/** The record lines (no header, no trailer). */
function records(text: string): string[] {
  return text.trim().split('\n').slice(1, -1);
}

/** A backup text with a valid trailer around `recs` (so only the record content is wrong). */
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

function memorySide(): Side & { doc: PersistedDoc<object> } {
  const doc = new PersistedDoc<object>(null, () => ({}));
  const team = new MemoryTeamStore(doc);
  return { doc, team, stores: { review: new MemoryReviewStore(doc), teams: team } };
}

describe('export / import of team data', () => {
  let server: TestRedis;
  let client: Redis;
  let n = 0;
  beforeAll(async () => {
    server = await startTestRedis();
    client = await readyClient(server);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.dispose();
  });

  function redisSide(): Side & { keys: Keys } {
    const keys = new Keys(`${server.prefix}bt${++n}`);
    const team = new RedisTeamStore(client, keys);
    return { keys, team, stores: { review: new RedisReviewStore(client, keys), teams: team } };
  }

  async function keysOf(keys: Keys): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${keys.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      out.push(...found);
    } while (cursor !== '0');
    return out;
  }

  it('moves the embedded store into an empty Redis store: same records, same answers', async () => {
    const from = memorySide();
    await seed(from.team);
    const text = await exportText(from.stores);
    const recs = records(text);
    expect(recs).toHaveLength(2);
    const first = JSON.parse(recs[0] as string) as { type: string; data: TeamExport };
    expect(first.type).toBe('team');
    expect(first.data.team).toEqual(TEAM);
    expect(first.data.rounds.map((r) => r.roundId)).toEqual([
      'C1-20260302',
      'C1-20260309',
      'C1-20260316',
      'C2-20260316',
    ]);
    expect(Object.keys(first.data.boards)).toEqual(['all', 'm:2026-03', 'w:2026-W10', 'w:2026-W11']);
    expect(first.data.claims['C2-20260316']).toMatchObject({ state: 'retry', attempts: 1 });
    expect(first.data.rounds[2]?.answers).toEqual({
      u1: { choice: 1, at: NOW - H + 60_000, requestId: '1710000000.42:ix' },
      u2: { choice: 2, at: NOW - H + 90_000 },
    });
    // Exporting again gives the same text (deterministic).
    expect(records(await exportText(from.stores))).toEqual(recs);

    const to = redisSide();
    expect(await importAll(to.stores, text, { now: Date.now() })).toEqual({ users: 0, teams: 2, fsrs: 0 });
    expect(records(await exportText(to.stores))).toEqual(recs);
    expect(await observe(to.team)).toEqual(await observe(from.team));

    // Rebuilt due entries: each active schedule's next opening and each open round's close.
    const due = (await to.team.dueEntries(NOW + 30 * D, 100)).map((e) => ({
      id: e.item.kind === 'open' ? e.item.channelId : e.item.roundId,
      at: e.at,
    }));
    expect(due.map((e) => e.id).sort()).toEqual(['C1', 'C1-20260316', 'C:1', 'C:1-20260314']);
    expect(due.find((e) => e.id === 'C1-20260316')?.at).toBe(NOW - H + 8 * H);

    // TTLs: rounds and claims keep their remaining lifetime; leaderboards and streaks none.
    const rt = await client.pttl(to.keys.teamRound(TEAM, 'C1-20260302'));
    expect(rt).toBeGreaterThan(4 * D + 8 * H - 60_000);
    expect(rt).toBeLessThanOrEqual(4 * D + 8 * H);
    expect(await client.pttl(to.keys.teamAnswers(TEAM, 'C1-20260316'))).toBeGreaterThan(KEEP);
    expect(await client.pttl(to.keys.teamClaim(TEAM, 'C2-20260316'))).toBeGreaterThan(0);
    expect(await client.pttl(to.keys.teamBoard(TEAM, 'w:2026-W10'))).toBe(-1);
    expect(await client.pttl(to.keys.teamStreaks(TEAM))).toBe(-1);

    // The imported open round is live: first answers hold, new ones count, closing awards once.
    expect(await to.team.answer(TEAM, 'C1-20260316', 'u1', 0, NOW, null)).toMatchObject({
      status: 'already',
      choice: 1,
    });
    // A re-delivery of the click that made an imported answer is still recognised.
    expect(await to.team.answer(TEAM, 'C1-20260316', 'u1', 1, NOW, null, '1710000000.42:ix')).toMatchObject({
      status: 'accepted',
      choice: 1,
      at: NOW - H + 60_000,
      repeat: true,
    });
    expect(await to.team.answer(TEAM, 'C1-20260316', 'u4', 1, NOW, 'Dee')).toMatchObject({
      status: 'accepted',
    });
    const closed = await to.team.closeRound(TEAM, 'C1-20260316', {
      now: NOW,
      boards: ['w:2026-W12', 'm:2026-03', 'all'],
      points: 10,
      bonus: [5],
      fastest: 3,
      keepMs: KEEP,
    });
    expect(closed).toMatchObject({ status: 'closed', result: { answered: 3, right: 2 } });
    expect(await to.team.streak(TEAM, 'u1')).toEqual({ count: 3, last: '2026-03-16', best: 3 });
    expect(await to.team.openRounds(TEAM)).toEqual([]);
  });

  it('moves a Redis store into an empty embedded store the same way', async () => {
    const from = redisSide();
    await seed(from.team);
    const text = await exportText(from.stores);
    const recs = records(text);
    expect(recs).toHaveLength(2);
    expect(records(await exportText(from.stores))).toEqual(recs);

    const to = memorySide();
    expect(await importAll(to.stores, text, { now: Date.now() })).toEqual({ users: 0, teams: 2, fsrs: 0 });
    expect(records(await exportText(to.stores))).toEqual(recs);
    expect(await observe(to.team)).toEqual(await observe(from.team));

    // And back into a second Redis store: still the same records.
    const again = redisSide();
    await importAll(again.stores, await exportText(to.stores), { now: Date.now() });
    expect(records(await exportText(again.stores))).toEqual(recs);
  });

  it('leaves expired rounds and claims out', async () => {
    const from = memorySide();
    const old = round('C1-20250101', NOW - 40 * D, { date: '2025-01-01', prevDate: null });
    await post(from.team, TEAM, old);
    const text = await exportText(from.stores);
    const data = (JSON.parse(records(text)[0] as string) as { data: TeamExport }).data;
    expect(data.rounds).toEqual([]);
    expect(data.claims).toEqual({});
    expect(data.asked).toEqual([{ channelId: 'C1', deckId: 'k8s', cards: ['card-C1-20250101'] }]);
  });

  describe('refuses a tampered team record and writes nothing', () => {
    const cases: [string, (t: TeamExport & Record<string, unknown>) => void, RegExp][] = [
      [
        'a bad schedule time',
        (t) => {
          (t.schedules[0] as ChannelSchedule).time = '25:00';
        },
        /line 2: invalid team record: schedules\.0\.time: not a HH:MM time/,
      ],
      [
        'an unknown field',
        (t) => {
          t.admin = true;
        },
        /line 2: invalid team record: .*admin/,
      ],
      [
        'an unknown round field',
        (t) => {
          (t.rounds[0] as Record<string, unknown>).bonus = 1;
        },
        /line 2: invalid team record: rounds\.0: .*bonus/,
      ],
      [
        'a choice out of range',
        (t) => {
          (t.rounds[0] as DailyRound).correct = 9;
        },
        /rounds\.0\.correct: not one of the choices/,
      ],
      [
        'an abbreviated timezone',
        (t) => {
          t.timezone = 'CEST';
        },
        /timezone: not a canonical IANA timezone/,
      ],
      [
        'a bad board id',
        (t) => {
          t.boards['w:last'] = { u1: 1 };
        },
        /line 2: invalid team record: boards\.w:last: /,
      ],
    ];

    it.each(cases)('%s', async (_name, tamper, message) => {
      const from = memorySide();
      await seed(from.team);
      const recs = records(await exportText(from.stores)).map((l) => JSON.parse(l) as { data: TeamExport });
      // The second team is valid and comes after the bad one: nothing of either may be written.
      tamper((recs[0] as { data: TeamExport & Record<string, unknown> }).data);
      const text = signed(recs);

      const redis = redisSide();
      await expect(importAll(redis.stores, text, { now: Date.now() })).rejects.toThrow(BackupError);
      await expect(importAll(redis.stores, text, { now: Date.now() })).rejects.toThrow(message);
      expect(await keysOf(redis.keys)).toEqual([]);

      const memory = memorySide();
      await expect(importAll(memory.stores, text, { now: Date.now() })).rejects.toThrow(message);
      expect(await memory.team.teams()).toEqual([]);
      expect(records(await exportText(memory.stores))).toEqual([]);
    });
  });
});

describe('openStores', () => {
  it('exposes the team store as the backup team port (what `quizbot export`/`import` use)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-bt-'));
    try {
      const stores = await openStores({ dataDir: dir });
      expect(stores.teams).toBe(stores.team);
      await seed(stores.team);
      const text = await exportText(stores);
      await stores.close();
      const again = await openStores({ dataDir: dir });
      expect(records(await exportText(again))).toEqual(records(text));
      const to = memorySide();
      expect(await importAll(to.stores, text, { now: Date.now() })).toEqual({ users: 0, teams: 2, fsrs: 0 });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validateTeamExport', () => {
  const base = (): TeamExport => ({
    team: { platform: 'terminal', teamId: 'local' },
    timezone: 'UTC',
    schedules: [schedule('C1')],
    rounds: [],
    claims: {},
    asked: [],
    boards: {},
    streaks: {},
    names: {},
  });

  it('accepts a minimal record and returns it in canonical order', () => {
    const t = base();
    t.names = { b: 'B', a: 'A' };
    t.schedules = [schedule('C2'), schedule('C1')];
    const out = validateTeamExport(t);
    expect(Object.keys(out.names)).toEqual(['a', 'b']);
    expect(out.schedules.map((s) => s.channelId)).toEqual(['C1', 'C2']);
  });

  it.each([
    ['duplicate schedules', (t: TeamExport) => t.schedules.push(schedule('C1')), /schedules: duplicate id/],
    [
      'unsorted weekdays',
      (t: TeamExport) => ((t.schedules[0] as ChannelSchedule).weekdays = [3, 1]),
      /weekdays/,
    ],
    [
      'a close at the opening time',
      (t: TeamExport) => ((t.schedules[0] as ChannelSchedule).close = { kind: 'at', time: '09:00' }),
      /close: closes at its opening time/,
    ],
    [
      'a streak with best below count',
      (t: TeamExport) => (t.streaks.u1 = { count: 3, last: '2026-01-01', best: 2 }),
      /best below count/,
    ],
    [
      'a bad platform',
      (t: TeamExport) => ((t.team as { platform: string }).platform = 'irc'),
      /team\.platform/,
    ],
    [
      'a __proto__ id',
      (t: TeamExport) => ((t.schedules[0] as ChannelSchedule).channelId = '__proto__'),
      /schedules\.0\.channelId: reserved id/,
    ],
  ])('refuses %s', (_name, tamper, message) => {
    const t = base();
    tamper(t);
    expect(() => validateTeamExport(t)).toThrow(message);
  });
});
