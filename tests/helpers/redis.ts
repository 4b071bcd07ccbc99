import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The first port the kernel hands out to outgoing connections (Linux; 32768 elsewhere). */
const EPHEMERAL_FROM = (() => {
  try {
    const lo = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(lo) && lo > 0 ? lo : 32_768;
  } catch {
    return 32_768;
  }
})();
/** Ports this process handed out: never twice. */
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, for a server a test starts. Picked below the kernel's ephemeral
 * range: a port from the OS (`listen(0)`) lies in that range, and between the pick and the
 * server's bind any outgoing connection of the busy machine could take it (a cluster node whose
 * bus port went that way never started). Falls back to the OS's pick when the range leaves no room.
 */
export async function freePort(): Promise<number> {
  const lo = 10_000;
  const hi = EPHEMERAL_FROM - 1;
  for (let i = 0; hi - lo > 1_000 && i < 50; i++) {
    const port = lo + Math.floor(Math.random() * (hi - lo));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  return osPort();
}

async function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port the OS picks (in its ephemeral range). */
async function osPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A redis-server for one test file. */
export interface TestRedis {
  /** redis:// URL to connect to. */
  url: string;
  /** Key prefix this test may use (unique when sharing a TEST_REDIS_URL). */
  prefix: string;
  /** True when this harness started the server (so it may stop, restart and flush it). */
  owned: boolean;
  /** Stops the server (owned only). */
  stop(): Promise<void>;
  /** Starts it again on the same port (owned only). */
  start(): Promise<void>;
  /** Stops the server for good and removes its folder. */
  dispose(): Promise<void>;
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Options of {@link startTestRedis}. */
export interface TestRedisOptions {
  /**
   * Extra redis-server arguments, after the defaults so they win (e.g. `['--appendonly', 'yes']`,
   * `['--requirepass', 'pw']`). A test that needs them needs its own server: with TEST_REDIS_URL
   * it gets `owned: false` and must skip visibly.
   */
  args?: string[];
}

/**
 * Starts a private redis-server on a free port (or uses TEST_REDIS_URL with a unique
 * key prefix, never flushing it).
 */
export async function startTestRedis(opts: TestRedisOptions = {}): Promise<TestRedis> {
  const prefix = `qbt${Math.random().toString(36).slice(2, 8)}`;
  const given = process.env.TEST_REDIS_URL;
  if (given) {
    return {
      url: given,
      prefix,
      owned: false,
      stop: async () => {},
      start: async () => {},
      dispose: async () => {},
    };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'qb-redis-'));
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...(opts.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    prefix: 'qb',
    owned: true,
    start,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
