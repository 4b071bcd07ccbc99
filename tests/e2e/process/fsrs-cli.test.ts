import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/engine/api.js';
import type { TeamRef } from '../../../src/engine/ports.js';
import { loadOptimizer } from '../../../src/fsrs/optimizer.js';
import { appendTeamReview, MemoryFsrsStore } from '../../../src/store/memory/fsrs-store.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { RedisFsrsStore } from '../../../src/store/redis/fsrs-store.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { simulateTeam } from '../../helpers/fsrs-sim.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const optimizer = await loadOptimizer(silentLogger);
const team: TeamRef = { platform: 'discord', teamId: 'g1' };
const SIM = simulateTeam({ seed: 3, users: 12, cards: 40, days: 180 });

function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), 'fsrs', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startTestRedis();
  redis = connectRedis(server.url);
  await waitReady(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.dispose();
});

describe.skipIf(!optimizer)(
  'quizbot fsrs fit / reset, spawned (skipped when the native optimizer cannot load)',
  () => {
    it('redis: respects another process lease, dry run stores nothing, fit adopts, reset drops', async (ctx) => {
      // The CLI uses the default key prefix, so it needs a server of its own.
      if (!server.owned) ctx.skip(true, 'needs its own redis-server (TEST_REDIS_URL is shared)');
      const keys = new Keys();
      await redis.lpush(keys.teamReviewLog(team), ...SIM.map((r) => r.line));
      await redis.sadd(keys.fsrsTeams(team), keys.teamMember(team));
      const env = { REDIS_URL: server.url };
      const store = new RedisFsrsStore(redis, keys);

      await redis.set(keys.fsrsLease(), 'another-process', 'PX', 60_000);
      const busy = await cli(['fit'], env);
      expect(busy.out).toContain('another process is fitting');
      expect(busy.code).toBe(1);
      await redis.del(keys.fsrsLease());

      const dry = await cli(['fit', '--team', 'discord:g1', '--dry-run'], env);
      expect(dry.code).toBe(0);
      expect(dry.out).toMatch(/discord:g1 team \(\d+ reviews\): adopted \(dry run: would adopt\)/);
      expect(dry.out).toMatch(/before: log loss 0\.\d{4}, RMSE\(bins\) 0\.\d{4}\n {2}after: {2}log loss/);
      expect(await store.params(team)).toEqual({ team: null, decks: {} });

      const fit = await cli(['fit'], env);
      expect(fit.code).toBe(0);
      expect(fit.out).toMatch(/discord:g1 team \(\d+ reviews\): adopted as version 1/);
      expect((await store.params(team)).team?.version).toBe(1);

      const reset = await cli(['reset', '--team', 'discord:g1'], env);
      expect(reset.out).toContain('1 fitted parameter set removed');
      expect(await store.params(team)).toEqual({ team: null, decks: {} });

      const bad = await cli(['reset', '--team', 'g1'], env);
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('--team must be <platform>:<id>');
    });

    it('embedded store: fit adopts and is kept in the data file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qb-fsrs-'));
      try {
        const doc = new PersistedDoc<Record<string, unknown>>(join(dir, 'quizbot.json'), () => ({}));
        for (const r of SIM) appendTeamReview(doc, team, r.line, r.at);
        await doc.changed();
        const fit = await cli(['fit', '--team', 'discord:g1'], { DATA_DIR: dir });
        expect(fit.err).toBe('');
        expect(fit.out).toMatch(/adopted as version 1/);
        const reread = new PersistedDoc<Record<string, unknown>>(join(dir, 'quizbot.json'), () => ({}));
        expect((await new MemoryFsrsStore(reread).params(team)).team?.version).toBe(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
