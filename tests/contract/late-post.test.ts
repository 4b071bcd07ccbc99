import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { closeAwards, KEEP_MS, openRound } from '../helpers/round-fixture.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

// Review of issue 11, C2: a slow post that lands after its round closed is recorded ('late') but
// never re-lists the round as open, and its results edit is re-armed; a round left open by older
// versions leaves the index on its next close.

const TEAM: TeamRef = { platform: 'discord', teamId: 'g-late' };
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

const stores: [string, () => TeamStore][] = [
  ['Redis', () => new RedisTeamStore(redis, new Keys(`${server.prefix}late${++n}`))],
  [
    'embedded',
    () =>
      new MemoryTeamStore(
        new PersistedDoc<object>(join(mkdtempSync(join(tmpdir(), 'late-post-')), 'd.json'), () => ({}), 0),
      ),
  ],
];

describe.each(stores)('%s: a post recorded after its round closed (review C2)', (_name, make) => {
  it('is recorded as late: not re-listed open, and the next close reveals it', async () => {
    const store = make();
    const c = await store.claimRound(TEAM, R, {
      owner: 'p',
      now: T0,
      leaseMs: 600_000,
      maxAttempts: 3,
      keepMs: KEEP,
    });
    if (c.status !== 'claimed') throw new Error('claim');
    expect((await store.closeRound(TEAM, R.roundId, awards(R.closesAt))).status).toBe('closed');
    await store.noteReveal(TEAM, R.roundId, true);
    const message = { channelId: 'C1', messageId: 'late' };
    const rec = await store.recordPost(TEAM, R, {
      generation: c.generation,
      message,
      resetAsked: false,
      keepMs: KEEP,
    });
    expect(rec).toBe('late');
    expect(await store.openRounds(TEAM)).toEqual([]);
    const again = await store.closeRound(TEAM, R.roundId, awards(R.closesAt + 10));
    expect(again.status).toBe('already');
    if (again.status === 'unknown') throw new Error('unknown');
    expect(again.round.message).toEqual(message);
    expect(again.round.revealed).toBe(false);
    // Posted once: never claimed again.
    const claim = await store.claimRound(TEAM, R, {
      owner: 'q',
      now: T0 + 1,
      leaseMs: 600_000,
      maxAttempts: 3,
      keepMs: KEEP,
    });
    expect(claim.status).toBe('posted');
  });
});

describe('Redis: the already path of a close', () => {
  it('takes a round an older version re-listed out of the open index', async () => {
    const keys = new Keys(`${server.prefix}late${++n}`);
    const store = new RedisTeamStore(redis, keys);
    const c = await store.claimRound(TEAM, R, {
      owner: 'p',
      now: T0,
      leaseMs: 600_000,
      maxAttempts: 3,
      keepMs: KEEP,
    });
    if (c.status !== 'claimed') throw new Error('claim');
    await store.closeRound(TEAM, R.roundId, awards(R.closesAt));
    await redis.zadd(keys.teamOpenRounds(TEAM), R.closesAt, R.roundId);
    expect((await store.closeRound(TEAM, R.roundId, awards(R.closesAt + 10))).status).toBe('already');
    expect(await store.openRounds(TEAM)).toEqual([]);
  });

  it('a round left closing by an interrupted close is never claimed and posted again', async () => {
    const keys = new Keys(`${server.prefix}late${++n}`);
    const store = new RedisTeamStore(redis, keys);
    const c = await store.claimRound(TEAM, R, {
      owner: 'p',
      now: T0,
      leaseMs: 1_000,
      maxAttempts: 3,
      keepMs: KEEP,
    });
    if (c.status !== 'claimed') throw new Error('claim');
    await redis.hset(keys.teamRound(TEAM, R.roundId), 'status', 'closing', 'cur', '0');
    await redis.del(keys.teamClaim(TEAM, R.roundId));
    const again = await store.claimRound(TEAM, R, {
      owner: 'q',
      now: T0 + 5_000,
      leaseMs: 1_000,
      maxAttempts: 3,
      keepMs: KEEP,
    });
    expect(again.status).toBe('posted');
  });
});
