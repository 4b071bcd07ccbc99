import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCard, packCard } from '../../../src/engine/cardstate.js';
import { exportAll } from '../../../src/store/backup.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../../src/store/memory/review-store.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { freePort, startTestRedis } from '../../helpers/redis.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Runs `bin/quizbot.mjs ...args` with only PATH and `env`; resolves with its exit code and output. */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'qb-cli-errors-'));
const damaged = join(dir, 'damaged');
const backup = join(dir, 'backup.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store that cannot be opened: an embedded file that is not JSON, and a Redis nobody listens on. */
const broken: Array<[string, () => Promise<Record<string, string>>]> = [
  [
    'a damaged embedded store file',
    async () => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(damaged, { recursive: true });
      writeFileSync(join(damaged, 'quizbot.json'), '{"review": {"users": ');
      return { DATA_DIR: damaged };
    },
  ],
  [
    'an unreachable Redis',
    async () => ({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, DATA_DIR: dir }),
  ],
];

describe('CLI commands on a store error: one clear line, a non-zero exit, no stack trace', () => {
  writeFileSync(backup, '');
  const commands: Array<[string, string[]]> = [
    ['start (terminal review)', ['start']],
    ['review', ['review']],
    ['export', ['export']],
    ['import', ['import', backup]],
  ];
  for (const [what, env] of broken) {
    it.concurrent.each(commands)(
      `%s with ${what}`,
      async (_name, args) => {
        const r = await cli(args, await env());
        expect(r.code).not.toBe(0);
        expect(r.code).not.toBeNull();
        const lines = r.stderr.trim().split('\n');
        expect(lines, r.stderr).toHaveLength(1);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        expect(r.stderr).toMatch(/Redis|embedded store/);
        // An unreachable Redis is given up after the store's 10 s readiness wait, plus the start of
        // a tsx process on a loaded machine: a generous limit, not a timing claim.
      },
      60_000,
    );
  }
});

/**
 * A store that opens but fails half-way: the export index key of the default prefix holds a string,
 * so Redis answers WRONGTYPE to the export's scan and to the import's index write.
 */
describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'CLI commands on a store that fails half-way (skipped: TEST_REDIS_URL given, needs its own server)',
  () => {
    let redisUrl = '';
    let stop = async () => {};
    beforeAll(async () => {
      const redis = await startTestRedis();
      redisUrl = redis.url;
      stop = () => redis.dispose();
      const client = connectRedis(redis.url);
      await waitReady(client);
      await client.set('qb:users', 'not a set');
      client.disconnect();
      const review = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
      await review.importUser({
        user: { platform: 'discord', userId: '1' },
        decks: { kubernetes: { chroot: packCard(newCard(Date.UTC(2026, 0, 1))) } },
      });
      let text = '';
      await exportAll({ review }, (l) => (text += l), new Date());
      writeFileSync(join(dir, 'one-user.jsonl'), text);
    });
    afterAll(() => stop());

    it.concurrent.each([
      ['export', ['export']],
      ['import', ['import', join(dir, 'one-user.jsonl')]],
    ])('%s', async (_name, args) => {
      const r = await cli(args, { REDIS_URL: redisUrl, DATA_DIR: dir });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stderr).toMatch(/WRONGTYPE/);
    });
  },
);
