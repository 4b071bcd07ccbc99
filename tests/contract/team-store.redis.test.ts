import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyRound, TeamStore } from '../../src/engine/ports.js';
import { connectRedis } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { scripted } from '../../src/store/redis/scripts.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { encodeAnswer, parseAnswer, ROUND_READ_FIELDS } from '../../src/store/team-codec.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';
import { teamStoreContract } from './team-store.contract.js';

let server: TestRedis;
let redis: Redis;
let n = 0;

/** Connections of other "replicas": concurrent contract calls go through separate sockets. */
let replicas: Redis[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
  replicas = await Promise.all([1, 2, 3].map(() => readyClient(server)));
});

afterAll(async () => {
  if (redis) await cleanupPrefix(redis, server);
  redis?.disconnect();
  for (const r of replicas) r.disconnect();
  await server?.dispose();
});

const prefixOf = new WeakMap<TeamStore, string>();
// Every test gets its own key prefix on the one real redis-server; replica i reads and writes the
// same keys through connection i.
teamStoreContract(
  'RedisTeamStore',
  async () => {
    const prefix = `${server.prefix}c${++n}`;
    const store = new RedisTeamStore(redis, new Keys(prefix));
    prefixOf.set(store, prefix);
    return store;
  },
  (store, i) =>
    new RedisTeamStore(replicas[(i - 1) % replicas.length] as Redis, new Keys(prefixOf.get(store) ?? '')),
);

/** An open round of channel C1 on 2024-03-29, opened at `now`, closing a minute later. */
function openRoundAt(now: number): DailyRound {
  return {
    roundId: 'C1-20240329',
    channelId: 'C1',
    date: '2024-03-29',
    deckId: 'k8s',
    cardId: 'c1',
    form: 0,
    order: [0, 1, 2, 3],
    correct: 0,
    opensAt: now,
    closesAt: now + 60_000,
    prevDate: null,
    status: 'open',
    message: null,
    revealed: false,
  };
}

describe('RedisTeamStore specifics', () => {
  const team = { platform: 'discord', teamId: 'g{1}:x' } as const;

  it('keeps all of a team in one cluster slot (hash tag) and ids safely encoded', () => {
    const k = new Keys('qb');
    const keys = [
      k.teamSchedules(team),
      k.teamRound(team, 'C1-20240329'),
      k.teamAnswers(team, 'C1-20240329'),
      k.teamClaim(team, 'C1-20240329'),
      k.teamAsked(team, 'C:1', 'k8s'),
      k.teamBoard(team, 'w:2024-W13'),
      k.teamStreaks(team),
      k.teamNames(team),
      k.teamOpenRounds(team),
      k.teamMeta(team),
    ];
    for (const key of keys) expect(key.startsWith('qb:{t:discord:g%7B1%7D%3Ax}:')).toBe(true);
    expect(k.teamBoard(team, 'all')).toBe('qb:{t:discord:g%7B1%7D%3Ax}:lb:all');
    expect(k.parseTeamMember(k.teamMember(team))).toEqual(team);
  });

  it('reads back the round fields the answer script lists, in the order the codec parses them', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../src/store/redis/lua');
    const lua = readFileSync(join(dir, 'dailyAnswer-3.lua'), 'utf8');
    const listed = /local function round\(\)\s*return redis\.call\('HMGET', KEYS\[1\], ([^)]*)\)/.exec(
      lua,
    )?.[1];
    expect(listed?.split(',').map((f) => f.trim().replace(/^'|'$/g, ''))).toEqual([...ROUND_READ_FIELDS]);
  });

  it('defines every team script from src/store/redis/lua', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../src/store/redis/lua');
    const mine = readdirSync(dir).filter((f) => /^(daily|lb|due)[A-Za-z]*-\d+\.lua$/.test(f));
    expect(mine.sort()).toEqual([
      'dailyAnswer-3.lua',
      'dailyClaim-3.lua',
      'dailyClose-10.lua',
      'dailyFailed-2.lua',
      'dailyPostNow-1.lua',
      'dailyPosted-4.lua',
      'dailyRenew-1.lua',
      'dailyReveal-1.lua',
      'dueLease-1.lua',
      'lbRead-2.lua',
    ]);
    for (const f of mine)
      expect(typeof (redis as unknown as Record<string, unknown>)[f.split('-')[0] as string]).toBe(
        'function',
      );
  });

  it('dailyClaim refuses bad arguments without writing', async () => {
    const k = new Keys(`${server.prefix}bad`);
    const scripts = scripted(redis);
    await expect(
      scripts.dailyClaim(
        k.teamClaim(team, 'r'),
        k.teamRound(team, 'r'),
        k.teamAnswers(team, 'r'),
        'a|b',
        1,
        1,
        1,
        1,
        1,
        'id',
        'r',
      ),
    ).rejects.toThrow(/bad arguments/);
    expect(await redis.exists(k.teamClaim(team, 'r'))).toBe(0);
  });

  it('dailyRenew, dailyPosted and dailyFailed refuse bad arguments without writing', async () => {
    const k = new Keys(`${server.prefix}badclaim`);
    const [claim, round] = [k.teamClaim(team, 'r'), k.teamRound(team, 'r')];
    const held = 'run|p1|1|5000#9000';
    await redis.set(claim, held);
    await redis.hset(round, 'closes', '2000', 'card', 'c1', 'status', 'open');
    const s = scripted(redis);
    const asked = k.teamAsked(team, 'ch', 'd');
    const open = k.teamOpenRounds(team);
    const calls: [string, () => Promise<unknown>][] = [
      ['renew: no now', () => s.dailyRenew(claim, 1, '', 6000)],
      [
        'posted: resetAsked not 0/1',
        () => s.dailyPosted(claim, round, asked, open, 1, 'r', 'ch', 'm1', 'yes', 1000),
      ],
      ['posted: no message id', () => s.dailyPosted(claim, round, asked, open, 1, 'r', 'ch', '', '0', 1000)],
      ['failed: final not 0/1', () => s.dailyFailed(claim, round, 1, 'true', 1000)],
      ['failed: rateLimited not 0/1', () => s.dailyFailed(claim, round, 1, '0', 1000, 'yes')],
    ];
    for (const [what, call] of calls) await expect(call(), what).rejects.toThrow(/bad arguments/);
    expect(await redis.get(claim)).toBe(held);
    expect(await redis.hgetall(round)).toEqual({ closes: '2000', card: 'c1', status: 'open' });
    expect(await redis.exists(asked, open)).toBe(0);
  });

  it('rounds and answers expire (keep time) and the answer hash follows the round TTL', async () => {
    const k = new Keys(`${server.prefix}ttl`);
    const store = new RedisTeamStore(redis, k);
    const now = Date.now();
    const round = openRoundAt(now);
    await store.claimRound(team, round, { owner: 'a', now, leaseMs: 1_000, maxAttempts: 3, keepMs: 60_000 });
    await store.answer(team, round.roundId, 'u1', 0, now + 1, null);
    const rt = await redis.pttl(k.teamRound(team, round.roundId));
    const at = await redis.pttl(k.teamAnswers(team, round.roundId));
    expect(rt).toBeGreaterThan(60_000);
    expect(rt).toBeLessThanOrEqual(120_000);
    expect(at).toBeGreaterThan(60_000);
    expect(await redis.pttl(k.teamClaim(team, round.roundId))).toBeGreaterThan(0);
  });

  it('stores the request id with the answer and still reads answers stored without one', async () => {
    const k = new Keys(`${server.prefix}req`);
    const store = new RedisTeamStore(redis, k);
    const now = Date.now();
    const round = openRoundAt(now);
    await store.claimRound(team, round, { owner: 'a', now, leaseMs: 1_000, maxAttempts: 3, keepMs: 60_000 });
    const ans = k.teamAnswers(team, round.roundId);
    await store.answer(team, round.roundId, 'u1', 0, now + 1, null, '1712.34:x');
    expect(await redis.hget(ans, 'u1')).toBe(`0:${now + 1}:1712.34:x`);
    // An answer as older versions stored it (`<choice>:<ms>`): it is the first answer, whatever the request.
    await redis.hset(ans, 'u2', `0:${now + 2}`);
    expect(await store.answer(team, round.roundId, 'u2', 1, now + 3, null, 'ix-2')).toMatchObject({
      status: 'already',
      choice: 0,
    });
    expect(await redis.hget(ans, 'u2')).toBe(`0:${now + 2}`);
    const closed = await store.closeRound(team, round.roundId, {
      now: now + 60_000,
      boards: ['w:2024-W13', 'm:2024-03', 'all'],
      points: 10,
      bonus: [5, 3, 1],
      fastest: 3,
      keepMs: 60_000,
    });
    if (closed.status === 'unknown') throw new Error('unknown');
    // Both formats count as right answers when closing.
    expect(closed.result).toMatchObject({ answered: 2, right: 2 });
    expect(closed.result.fastest.map((f) => [f.userId, f.at])).toEqual([
      ['u1', now + 1],
      ['u2', now + 2],
    ]);
  });

  it('encodes answers compatibly: `<choice>:<ms>[:<requestId>]`', () => {
    expect(encodeAnswer({ choice: 2, at: 5 })).toBe('2:5');
    expect(encodeAnswer({ choice: 2, at: 5, requestId: 'a:b' })).toBe('2:5:a:b');
    expect(parseAnswer('2:5')).toEqual({ choice: 2, at: 5 });
    expect(parseAnswer('2:5:a:b')).toEqual({ choice: 2, at: 5, requestId: 'a:b' });
    expect(parseAnswer('x:5')).toBeNull();
  });

  it('a Redis outage surfaces as store_unavailable', async () => {
    const dead = connectRedis('redis://127.0.0.1:1', { lazy: true });
    const store = new RedisTeamStore(dead, new Keys('x'));
    await expect(store.getSchedule(team, 'C1')).rejects.toMatchObject({ code: 'store_unavailable' });
    dead.disconnect();
  });
});
