import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/engine/api.js';
import type { TeamRef } from '../../../src/engine/ports.js';
import { loadOptimizer } from '../../../src/fsrs/optimizer.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { RedisFsrsStore } from '../../../src/store/redis/fsrs-store.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { simulateTeam } from '../../helpers/fsrs-sim.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const optimizer = await loadOptimizer(silentLogger);
const team: TeamRef = { platform: 'discord', teamId: 'g2' };
const SIM = simulateTeam({ seed: 5, users: 12, cards: 40, days: 180 });

interface Exit {
  code: number | null;
  out: string;
  err: string;
}

/** Starts `quizbot fsrs fit`; resolves at its exit with what it printed. */
function spawnFit(env: Record<string, string>): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), 'fsrs', 'fit'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const done = new Promise<Exit>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  return { child, done };
}

/** Clients held by CLIENT PAUSE WRITE count as blocked (Redis >= 7). */
async function blockedClients(redis: Redis): Promise<number> {
  const m = /blocked_clients:(\d+)/.exec(await redis.info('clients'));
  return Number(m?.[1] ?? 0);
}

/** Resolves once `n` clients wait at the pause, or rejects when a process exits first. */
async function untilBlocked(redis: Redis, n: number, exits: Promise<Exit>[]): Promise<void> {
  let exited: Exit | undefined;
  for (const e of exits) void e.then((x) => (exited ??= x));
  const deadline = Date.now() + 20_000;
  while ((await blockedClients(redis)) < n) {
    if (exited) throw new Error(`a fit exited before the barrier: ${JSON.stringify(exited)}`);
    if (Date.now() > deadline) throw new Error(`fewer than ${n} clients reached the barrier in 20 s`);
    await new Promise((r) => setImmediate(r));
  }
}

let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startTestRedis();
  redis = connectRedis(server.url);
  await waitReady(redis);
});
afterAll(async () => {
  await redis?.client('UNPAUSE').catch(() => {});
  redis?.disconnect();
  await server?.dispose();
});

describe.skipIf(!optimizer)(
  'two quizbot fsrs fit processes at once (skipped when the native optimizer cannot load)',
  () => {
    it('exactly one fits the team; the other finds the lease held', async (ctx) => {
      // The CLI uses the default key prefix, so it needs a server of its own.
      if (!server.owned) ctx.skip(true, 'needs its own redis-server (TEST_REDIS_URL is shared)');
      const keys = new Keys();
      await redis.lpush(keys.teamReviewLog(team), ...SIM.map((r) => r.line));
      await redis.sadd(keys.fsrsTeams(team), keys.teamMember(team));
      const store = new RedisFsrsStore(redis, keys);
      const env = { REDIS_URL: server.url, FSRS_FIT_MIN_REVIEWS: '100' };

      // The barrier: with writes paused, each process stops at its first write, the lease
      // script; both are released in the same instant once both wait there.
      await redis.client('PAUSE', 60_000, 'WRITE');
      const runs = [spawnFit(env), spawnFit(env)];
      try {
        await untilBlocked(
          redis,
          2,
          runs.map((r) => r.done),
        );
      } finally {
        await redis.client('UNPAUSE');
      }
      const [a, b] = await Promise.all(runs.map((r) => r.done));
      const results = [a, b].sort((x, y) => (x?.code ?? 9) - (y?.code ?? 9)) as Exit[];
      const [winner, loser] = results as [Exit, Exit];

      expect(winner.code, winner.err).toBe(0);
      expect(winner.out).toMatch(/discord:g2 team \(\d+ reviews\): adopted as version 1/);
      expect(loser.code, loser.err).toBe(1);
      expect(loser.out).toContain('another process is fitting');
      expect(loser.out).not.toMatch(/adopted|rejected|failed/);

      // The store saw one fit: version 1 (a second fit would have made version 2), one attempt.
      const params = await store.params(team);
      expect(params.team?.version).toBe(1);
      expect(Object.keys(await store.attempts(team))).toHaveLength(1);
      expect(await redis.exists(keys.fsrsLease())).toBe(0);
    });
  },
);
