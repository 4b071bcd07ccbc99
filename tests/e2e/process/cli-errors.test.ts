import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
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

/**
 * A store that cannot be opened, with the exit status it gives (src/startup-error.ts): an embedded
 * file that is not JSON (not a start-up error: 1), and a Redis nobody listens on (3).
 */
const broken: Array<[string, number, () => Promise<Record<string, string>>]> = [
  [
    'a damaged embedded store file',
    1,
    async () => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(damaged, { recursive: true });
      writeFileSync(join(damaged, 'quizbot.json'), '{"review": {"users": ');
      return { DATA_DIR: damaged };
    },
  ],
  [
    'an unreachable Redis',
    3,
    async () => ({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, DATA_DIR: dir }),
  ],
];

describe('CLI commands on a store error: one clear line, the exit status of the error, no stack trace', () => {
  writeFileSync(backup, '');
  const commands: Array<[string, string[]]> = [
    ['start (terminal review)', ['start']],
    ['review', ['review']],
    ['export', ['export']],
    ['import', ['import', backup]],
  ];
  for (const [what, status, env] of broken) {
    it.concurrent.each(commands)(
      `%s with ${what}: exit ${status}`,
      async (_name, args) => {
        const r = await cli(args, await env());
        expect(r.code, r.stderr).toBe(status);
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

/** Exit statuses of start-up failures (src/startup-error.ts), each with the one line that says why. */
describe('quizbot start: the exit status says which start-up step failed', () => {
  it('exits 2 on a configuration problem, naming it', async () => {
    const r = await cli(['start'], { DATA_DIR: dir, HTTP_PORT: 'not-a-port' });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toEqual([
      'quizbot cannot start: 1 configuration problem:',
      expect.stringMatching(/^ {2}- HTTP_PORT\b/),
    ]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 3 when Redis is unreachable (a free port with nothing listening)', async () => {
    const port = await freePort();
    const r = await cli(['start'], { REDIS_URL: `redis://127.0.0.1:${port}`, DATA_DIR: dir });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toBe(`quizbot start: cannot reach Redis at redis://127.0.0.1:${port}: is it running?\n`);
  }, 60_000);

  it('exits 5 when HTTP_PORT is in use, naming the port and the setting', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      // A platform token makes it the bot (not the terminal review); the HTTP server listens before any login.
      const r = await cli(['start'], { DISCORD_TOKEN: 'not-used', DATA_DIR: dir, HTTP_PORT: String(port) });
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toBe(
        `quizbot could not start: the health and metrics server cannot listen on port ${port} (HTTP_PORT): the port is in use\n`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('prints the stack trace only with LOG_LEVEL=debug', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '0.0.0.0', resolve));
    try {
      const r = await cli(['start'], {
        DISCORD_TOKEN: 'not-used',
        DATA_DIR: dir,
        HTTP_PORT: String(port),
        LOG_LEVEL: 'debug',
      });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/^StartupError: the health and metrics server cannot listen/m);
      expect(r.stderr).toMatch(/^\s+at /m);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'quizbot start against a Redis that wants a password (skipped: TEST_REDIS_URL given, needs its own server)',
  () => {
    let redis: Awaited<ReturnType<typeof startTestRedis>> | undefined;
    beforeAll(async () => {
      redis = await startTestRedis({ args: ['--requirepass', 'right-password'] });
    });
    afterAll(() => redis?.dispose());

    it('exits 3 on a wrong password, without printing it', async () => {
      const u = new URL(redis?.url ?? '');
      u.password = 'wrong-password';
      const r = await cli(['start'], { REDIS_URL: u.toString(), DATA_DIR: dir });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^quizbot start: Redis authentication failed at .*REDIS_URL/);
      expect(r.stderr).not.toContain('wrong-password');
    });
  },
);
