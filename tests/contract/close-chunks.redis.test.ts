import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloseAwards, DailyRound, TeamRef } from '../../src/engine/ports.js';
import { closeRoundChunked } from '../../src/store/redis/close.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

// Issue 11, item 3, on a real redis-server: a close is planned before its first write, applied in
// chunks that each check before they write, and resumed (never repeated) after a failure.

const TEAM: TeamRef = { platform: 'discord', teamId: 'g-chunks' };
const T0 = Date.parse('2024-03-29T08:00:00Z');
const KEEP = 14 * 86_400_000;
const N = 9_000;

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

const awards = (now: number): CloseAwards => ({
  now,
  boards: ['w:2024-W13', 'm:2024-03', 'all'],
  points: 10,
  bonus: [5, 3, 1],
  fastest: 3,
  keepMs: KEEP,
});

/** A posted round with N answers (user i right unless i % 4 === 0; answer times i ms apart). */
async function setup(): Promise<{ store: RedisTeamStore; keys: Keys; r: DailyRound }> {
  const keys = new Keys(`${server.prefix}k${++n}`);
  const store = new RedisTeamStore(redis, keys);
  const r: DailyRound = {
    roundId: 'C1-20240329',
    channelId: 'C1',
    date: '2024-03-29',
    deckId: 'k8s',
    cardId: 'c1',
    form: 0,
    order: [0, 1, 2, 3],
    correct: 1,
    opensAt: T0,
    closesAt: T0 + 3_600_000,
    prevDate: null,
    status: 'open',
    message: null,
    revealed: false,
  };
  const c = await store.claimRound(TEAM, r, {
    owner: 'p',
    now: T0,
    leaseMs: 60_000,
    maxAttempts: 3,
    keepMs: KEEP,
  });
  if (c.status !== 'claimed') throw new Error('claim');
  const rec = await store.recordPost(TEAM, r, {
    generation: c.generation,
    message: { channelId: 'C1', messageId: 'm' },
    resetAsked: false,
    keepMs: KEEP,
  });
  if (rec !== 'ok') throw new Error('record');
  for (let from = 0; from < N; from += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, N - from) }, (_, j) => {
        const i = from + j;
        return store.answer(TEAM, r.roundId, `u${i}`, i % 4 === 0 ? 0 : 1, T0 + 10 + i, null);
      }),
    );
  }
  return { store, keys, r };
}

const right = N - Math.ceil(N / 4);
const expectedTotal = 10 * right + 9;

async function allTime(keys: Keys): Promise<{ sum: number; card: number }> {
  const flat = await redis.zrange(keys.teamBoard(TEAM, 'all'), '0', '-1', 'WITHSCORES');
  let sum = 0;
  for (let i = 1; i < flat.length; i += 2) sum += Number(flat[i]);
  return { sum, card: flat.length / 2 };
}

describe('closing in chunks on a real Redis', () => {
  it('calls the script once per chunk, never on more users than a chunk', async () => {
    const { keys, r } = await setup();
    const starts: number[] = [];
    const out = await closeRoundChunked(redis, keys, TEAM, r.roundId, awards(r.closesAt), {
      chunk: 1_000,
      beforeChunk: (s) => starts.push(s),
    });
    expect(out.status).toBe('closed');
    expect(starts).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000]);
    expect(await allTime(keys)).toEqual({ sum: expectedTotal, card: right });
  });

  it('a close that fails before its first write writes nothing; the retry awards once', async () => {
    const { store, keys, r } = await setup();
    // The month board is not a sorted set: the script finds it out before writing anything.
    await redis.set(keys.teamBoard(TEAM, 'm:2024-03'), 'not a board');
    await expect(store.closeRound(TEAM, r.roundId, awards(r.closesAt))).rejects.toThrow(/holds a string/);
    expect(await redis.exists(keys.teamBoard(TEAM, 'all'), keys.teamBoard(TEAM, 'w:2024-W13'))).toBe(0);
    expect(await redis.hlen(keys.teamStreaks(TEAM))).toBe(0);
    expect((await store.getRound(TEAM, r.roundId))?.status).toBe('open');
    expect(await store.openRounds(TEAM)).toEqual([{ roundId: r.roundId, closesAt: r.closesAt }]);

    await redis.del(keys.teamBoard(TEAM, 'm:2024-03'));
    const out = await store.closeRound(TEAM, r.roundId, awards(r.closesAt + 120_000));
    expect(out.status).toBe('closed');
    expect(await allTime(keys)).toEqual({ sum: expectedTotal, card: right });
  });

  it('a close that dies between chunks is finished by the next close, each point once', async () => {
    const { store, keys, r } = await setup();
    const crash = closeRoundChunked(redis, keys, TEAM, r.roundId, awards(r.closesAt), {
      chunk: 1_000,
      beforeChunk: (s) => {
        if (s === 4_000) throw new Error('process died');
      },
    });
    await expect(crash).rejects.toThrow('process died');
    // Half-way: no answer gets in any more, and the round is not closed yet.
    expect(await store.answer(TEAM, r.roundId, 'late', 1, T0 + 20, null)).toEqual({ status: 'closed' });
    expect(await redis.hget(keys.teamRound(TEAM, r.roundId), 'status')).toBe('closing');

    // Another replica (default chunk size, so different cuts would be wrong) finishes it.
    const out = await closeRoundChunked(redis, keys, TEAM, r.roundId, awards(r.closesAt + 120_000), {
      chunk: 1_000,
    });
    expect(out.status).toBe('closed');
    if (out.status === 'closed') expect(out.result).toMatchObject({ answered: N, right });
    expect(await allTime(keys)).toEqual({ sum: expectedTotal, card: right });
    expect(await store.closeRound(TEAM, r.roundId, awards(r.closesAt + 240_000))).toMatchObject({
      status: 'already',
    });
    expect(await allTime(keys)).toEqual({ sum: expectedTotal, card: right });
  });

  it('a close whose signal aborts between chunks writes no further chunk; the next close finishes it (review C4)', async () => {
    const { store, keys, r } = await setup();
    const ac = new AbortController();
    const cut = closeRoundChunked(
      redis,
      keys,
      TEAM,
      r.roundId,
      { ...awards(r.closesAt), signal: ac.signal },
      {
        chunk: 1_000,
        beforeChunk: (s) => {
          if (s === 3_000) ac.abort(new Error('item given up'));
        },
      },
    );
    await expect(cut).rejects.toThrow('item given up');
    expect(await redis.hget(keys.teamRound(TEAM, r.roundId), 'cur')).toBe('3000');
    const firstChunks = await allTime(keys);
    expect(firstChunks.sum).toBeLessThan(expectedTotal);
    const out = await store.closeRound(TEAM, r.roundId, awards(r.closesAt + 120_000));
    expect(out.status).toBe('closed');
    expect(await allTime(keys)).toEqual({ sum: expectedTotal, card: right });
  });

  it('a round whose answers change while it is planned is planned again (nothing stale applied)', async () => {
    const { keys, r } = await setup();
    let once = false;
    const out = await closeRoundChunked(redis, keys, TEAM, r.roundId, awards(T0 + 100_000), {
      chunk: 1_000,
      beforeChunk: () => {
        if (once) return;
        once = true;
        // An answer lands between the plan and the first write (an early close).
        void redis.hset(keys.teamAnswers(TEAM, r.roundId), 'extra', `1:${T0 + 1}`);
      },
    });
    expect(out.status).toBe('closed');
    if (out.status === 'closed') {
      expect(out.result.answered).toBe(N + 1);
      expect(out.result.fastest[0]?.userId).toBe('extra');
    }
    expect(await allTime(keys)).toEqual({ sum: expectedTotal + 10, card: right + 1 });
  });
});
