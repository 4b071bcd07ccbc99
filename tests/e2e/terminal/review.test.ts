import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unpackCard } from '../../../src/engine/cardstate.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];

function run(args: string[], input: string, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-term-'));
  dirs.push(dataDir);
  return new Promise<{ code: number | null; out: string; err: string; dataDir: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, HTTP_PORT: '0', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err, dataDir }));
    child.stdin.end(input);
  });
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('terminal review (spawned, piped stdin)', () => {
  it('npm start without tokens shows the first Kubernetes card, grades, and stores the schedule', async () => {
    // Enter reveals, 3 = Good; twice, then q.
    const r = await run(['start'], '\n3\n\n4\nq\n');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('starting the terminal review');
    expect(r.out).toContain('Virtual machines pros');
    expect(r.out).toMatch(/\[1\] Again · 1m\s+\[2\] Hard · 6m\s+\[3\] Good · 10m\s+\[4\] Easy · \d+d/);
    expect(r.out).toContain('Good — next review in 10m');
    expect(r.out).toMatch(/Easy — next review in \d+d/);
    expect(r.out).toContain('Reviewed today: 2');
    const doc = JSON.parse(readFileSync(join(r.dataDir, 'quizbot.json'), 'utf8'));
    const users = Object.values(doc.review.users) as {
      decks: Record<string, { cards: Record<string, string> }>;
    }[];
    expect(users).toHaveLength(1);
    const cards = users[0]?.decks.kubernetes?.cards ?? {};
    expect(Object.keys(cards)).toHaveLength(2);
    const states = Object.values(cards).map((s) => unpackCard(s));
    expect(states.map((s) => s.reps)).toEqual([1, 1]);
  });

  it('keeps progress across runs and explains unknown keys', async () => {
    const first = await run(['review', '--deck', 'kubernetes'], '\nx\n1\n');
    expect(first.code).toBe(0);
    expect(first.out).toContain('Press 1-4 (q quits).');
    expect(first.out).toContain('Again — next review in 1m');
  });

  it('reports an unknown deck clearly', async () => {
    const r = await run(['review', '--deck', 'nope'], '');
    expect(r.out).toContain('There is no deck with that name');
  });

  it('lists every configuration problem at once, without a stack trace', async () => {
    const r = await run(['start'], '', { HTTP_PORT: 'x', LOG_LEVEL: 'loud' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('2 configuration problems');
    expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'terminal review against Redis (skipped with TEST_REDIS_URL: keys of the real prefix are not ours to write)',
  () => {
    let redis: TestRedis;
    afterAll(async () => redis?.dispose());

    it('stores the schedule in Redis when REDIS_URL is set', async () => {
      redis = await startTestRedis();
      const r = await run(['review'], '\n3\nq\n', { REDIS_URL: redis.url });
      expect(r.code).toBe(0);
      const { Redis } = await import('ioredis');
      const c = new Redis(redis.url);
      try {
        // By the deck's card key (assigned when decks load), not by the card id.
        const cardKey = await c.hget('qb:{k:kubernetes}:ids', 'vm-pros');
        expect(cardKey).toMatch(/^\d+$/);
        const keys = await c.keys('qb:{u:terminal:*}:states:kubernetes');
        expect(keys).toHaveLength(1);
        const states = await c.hgetall(keys[0] as string);
        expect(Object.keys(states)).toEqual([cardKey]);
        const due = (await c.call(
          'ZRANGE',
          (keys[0] as string).replace(':states:', ':queue:'),
          '0',
          '-1',
        )) as string[];
        expect(due[0]).toBe(cardKey);
      } finally {
        c.disconnect();
      }
    });
  },
);
