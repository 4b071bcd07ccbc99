import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { closeRoundChunked } from '../../src/store/redis/close.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import type { TeamExport } from '../../src/store/team-export.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { closeAwards, KEEP_MS, openRound } from '../helpers/round-fixture.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

// Review of issue 11, C1: a backup taken while a close is between chunks (round `closing`, cursor
// `cur`) must restore that state, so the resumed close never awards the applied chunks again.

const TEAM: TeamRef = { platform: 'discord', teamId: 'g-rev' };
const T0 = Date.now() - 60_000;
const KEEP = KEEP_MS;
const R: DailyRound = openRound(T0);
const awards = closeAwards;

let server: TestRedis;
let redis: Redis;
let n = 0;
beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
});
afterAll(async () => {
  if (redis) await cleanupPrefix(redis, server);
  redis?.disconnect();
  await server?.dispose();
});

function mk() {
  const keys = new Keys(`${server.prefix}k${++n}`);
  return { keys, store: new RedisTeamStore(redis, keys) };
}
function mem(): MemoryTeamStore {
  const dir = mkdtempSync(join(tmpdir(), 'close-backup-'));
  return new MemoryTeamStore(new PersistedDoc<object>(join(dir, 'd.json'), () => ({}), 0));
}
const sum = (t: TeamExport) => Object.values(t.boards.all ?? {}).reduce((s, p) => s + p, 0);
async function exportOf(store: RedisTeamStore | MemoryTeamStore): Promise<TeamExport> {
  const out: TeamExport[] = [];
  for await (const t of store.exportTeams(R.closesAt)) out.push(t);
  if (out.length !== 1 || !out[0]) throw new Error('one team expected');
  return JSON.parse(JSON.stringify(out[0])) as TeamExport;
}

/** Posts R with 10 answers (one wrong) into `store`. */
async function posted(store: TeamStore): Promise<void> {
  const c = await store.claimRound(TEAM, R, {
    owner: 'p',
    now: T0,
    leaseMs: 60_000,
    maxAttempts: 3,
    keepMs: KEEP,
  });
  if (c.status !== 'claimed') throw new Error('claim');
  const message = { channelId: 'C1', messageId: 'm' };
  await store.recordPost(TEAM, R, { generation: c.generation, message, resetAsked: false, keepMs: KEEP });
  for (let i = 0; i < 10; i++)
    await store.answer(TEAM, R.roundId, `u${i}`, i === 5 ? 0 : 1, T0 + 10 + i, null);
}

/** An export of a round whose close stopped after its first chunk (4 of 10 answerers applied). */
async function interrupted(): Promise<{ exp: TeamExport; full: number; partial: number }> {
  const a = mk();
  await posted(a.store);
  const crash = (s: number) => {
    if (s === 4) throw new Error('crash');
  };
  await expect(
    closeRoundChunked(redis, a.keys, TEAM, R.roundId, awards(R.closesAt), { chunk: 4, beforeChunk: crash }),
  ).rejects.toThrow('crash');
  const exp = await exportOf(a.store);
  const b = mk();
  await posted(b.store);
  await b.store.closeRound(TEAM, R.roundId, awards(R.closesAt));
  return { exp, full: sum(await exportOf(b.store)), partial: sum(exp) };
}

describe('a backup taken during a chunked close (review C1)', () => {
  it('exports the round as closing with its cursor', async () => {
    const { exp, full, partial } = await interrupted();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(full);
    const r = exp.rounds.find((x) => x.roundId === R.roundId);
    expect(r?.status).toBe('closing');
    expect(r?.closeCursor).toBe(4);
  });

  it('Redis: imported into a fresh store, the resumed close awards each point once', async () => {
    const { exp, full } = await interrupted();
    const c = mk();
    await c.store.importTeam(exp, R.closesAt);
    expect(await c.store.answer(TEAM, R.roundId, 'late', 1, T0 + 100, null)).toMatchObject({
      status: 'closed',
    });
    expect((await c.store.closeRound(TEAM, R.roundId, awards(R.closesAt + 1000))).status).toBe('closed');
    expect(sum(await exportOf(c.store))).toBe(full);
  });

  it('embedded store: imported, the close awards only what the Redis close had not applied', async () => {
    const { exp, full } = await interrupted();
    const m = mem();
    await m.importTeam(exp, R.closesAt);
    expect(await m.answer(TEAM, R.roundId, 'late', 1, T0 + 100, null)).toMatchObject({ status: 'closed' });
    expect((await m.closeRound(TEAM, R.roundId, awards(R.closesAt + 1000))).status).toBe('closed');
    const after = await exportOf(m);
    expect(sum(after)).toBe(full);
    // And the embedded store's own export of a closed round round-trips into Redis unchanged.
    const c = mk();
    await c.store.importTeam(after, R.closesAt);
    expect(sum(await exportOf(c.store))).toBe(full);
  });
});
