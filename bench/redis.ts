import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { freePort } from '../tests/helpers/redis.js';

/** The bench's own redis-server (never the machine's 6379: the bench flushes and reconfigures it). */
export interface BenchRedis {
  /** redis:// URL. */
  url: string;
  /** Port on 127.0.0.1. */
  port: number;
  /** `redis-server --version` plus the persistence settings used. */
  describe: string;
  /** Whether AOF is on (as in deploy/: appendonly yes, appendfsync everysec). */
  aof: boolean;
  /** Stops the server and removes its folder (idempotent). */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Last resort: a crash or process.exit must not leave a redis-server behind.
process.once('exit', () => {
  for (const p of live) if (p.exitCode === null) p.kill('SIGKILL');
});

async function waitForPort(port: number, ms: number, proc: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts a private redis-server on a free port. With `aof`, persistence is as deployed
 * (docker-compose.yml, deploy/k8s: `appendonly yes`, `appendfsync everysec`), except that automatic
 * AOF rewrites are off so a background fork cannot land inside a timed run.
 */
export async function startBenchRedis(opts: { aof: boolean }): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'qb-bench-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    dir,
    '--loglevel',
    'warning',
  ];
  args.push(
    '--appendonly',
    opts.aof ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--auto-aof-rewrite-percentage',
    '0',
    // As deployed: due queues of decks up to 512 cards stay compact listpacks, like the cards hashes.
    '--zset-max-listpack-entries',
    '512',
  );
  const proc = spawn('redis-server', args, { stdio: 'ignore' });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  try {
    await waitForPort(port, 10_000, proc);
  } catch (err) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let version = 'redis-server';
  try {
    version =
      execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim().split(' sha=')[0] ?? version;
  } catch {
    // The version is only for the report.
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    aof: opts.aof,
    describe: `${version}; ${opts.aof ? 'appendonly yes, appendfsync everysec (as deployed), auto AOF rewrite off' : 'no persistence (--no-aof)'}; zset-max-listpack-entries 512 (as deployed)`,
    stop() {
      stopped ??= (async () => {
        if (proc.exitCode === null) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
            proc.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            proc.kill('SIGTERM');
          });
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** One field of INFO (a number), e.g. `used_memory`. */
export async function infoNumber(redis: Redis, section: string, field: string): Promise<number> {
  const text = await redis.info(section);
  const m = new RegExp(`^${field}:(\\S+)`, 'm').exec(text);
  if (!m?.[1]) throw new Error(`INFO ${section} has no ${field}`);
  return Number(m[1]);
}
