import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterSeeds } from '../../src/store/redis/connect.js';
import { freePort } from './redis.js';

const run = promisify(execFile);

/** Why the cluster tests cannot run here, or null when redis-server and redis-cli are both installed. */
export const clusterUnavailable: string | null = (() => {
  for (const bin of ['redis-server', 'redis-cli']) {
    const r = spawnSync(bin, ['--version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) return `${bin} is not installed: the Redis Cluster tests are skipped`;
  }
  return null;
})();

/** One node of a {@link TestCluster}. */
export interface ClusterNode {
  /** Client port on 127.0.0.1. */
  port: number;
  /** Its process, while it runs. */
  proc: ChildProcess | undefined;
}

/** A local Redis Cluster of 3 masters with 1 replica each, private to one test file. */
export interface TestCluster {
  /** Seed nodes for `connectCluster` / REDIS_CLUSTER_NODES. */
  seeds: ClusterSeeds;
  /** `127.0.0.1:p1,127.0.0.1:p2,...`: the REDIS_CLUSTER_NODES value. */
  nodesEnv: string;
  /** The six nodes. */
  nodes: ClusterNode[];
  /** Ports of the nodes that are masters now (asked from a live node). */
  masters(): Promise<number[]>;
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs one node (a crashed master or replica). */
  kill(port: number): Promise<void>;
  /** Resolves when every live node reports `cluster_state:ok` (e.g. after a failover). */
  waitOk(ms?: number): Promise<void>;
  /** Stops every node and removes their folders. */
  dispose(): Promise<void>;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
  });
  return stdout;
}

/** Polls `check` every 50 ms until it returns true or `ms` pass (then throws `what`). */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`test cluster: ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  /** `cluster-node-timeout` in ms: how long until a dead master is failed over (default 5,000: no spurious failover on a loaded machine). */
  nodeTimeoutMs?: number;
}

/**
 * Starts six `redis-server --cluster-enabled yes` on free ports (client port and bus port each
 * picked free, so nothing assumes port + 10000 is free) and joins them with `redis-cli --cluster
 * create --cluster-replicas 1`: 3 masters, 3 replicas. Call in `beforeAll`; dispose in `afterAll`.
 */
/**
 * One cluster node on free client and bus ports, listening. A node that exits before it listens
 * (a port taken between the pick and its bind) is started again on other ports, up to 3 times.
 */
async function startNode(root: string, nodeTimeoutMs: number): Promise<ClusterNode> {
  let why = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [port, bus] = [await freePort(), await freePort()];
    const dir = join(root, String(port));
    mkdirSync(dir, { recursive: true });
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--cluster-port',
        String(bus),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => {
      out = (out + b.toString()).slice(-2_000);
    });
    const exited = new Promise<'exited'>((resolve) => proc.once('exit', () => resolve('exited')));
    const up = until(() => listening(port), 10_000, `port ${port} listening`).then(
      () => 'up' as const,
      () => 'silent' as const,
    );
    const outcome = await Promise.race([up, exited]);
    if (outcome === 'up' && proc.exitCode === null) {
      proc.stdout?.removeAllListeners('data');
      proc.stdout?.resume();
      return { port, proc };
    }
    proc.kill('SIGKILL');
    why = `redis-server on ${port} (bus ${bus}) ${outcome === 'silent' ? 'did not listen within 10 s' : 'exited before listening'}: ${out.split('\n').slice(-3).join(' / ')}`;
  }
  throw new Error(`test cluster: ${why}`);
}

export async function startTestCluster(o: TestClusterOptions = {}): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), 'qb-cluster-'));
  const nodes: ClusterNode[] = [];
  const started = await Promise.allSettled(
    Array.from({ length: 6 }, () => startNode(root, o.nodeTimeoutMs ?? 5_000)),
  );
  for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
  const dispose = async () => {
    await Promise.all(
      nodes.map(async (n) => {
        const p = n.proc;
        n.proc = undefined;
        if (!p || p.exitCode !== null) return;
        await new Promise<void>((resolve) => {
          p.once('exit', () => resolve());
          p.kill('SIGKILL');
        });
      }),
    );
    rmSync(root, { recursive: true, force: true });
  };
  const live = () => nodes.filter((n) => n.proc && n.proc.exitCode === null);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await dispose();
    throw (failed as PromiseRejectedResult).reason;
  }
  try {
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
  } catch (err) {
    await dispose();
    throw err;
  }
  const waitOk = (ms = 20_000) =>
    until(
      async () => {
        const infos = await Promise.all(live().map((n) => cli(n.port, 'cluster', 'info')));
        return infos.every((i) => /cluster_state:ok/.test(i));
      },
      ms,
      'cluster_state:ok on every live node',
    );
  const masters = async () => {
    const out = await cli((live()[0] as ClusterNode).port, 'cluster', 'nodes');
    return out
      .split('\n')
      .filter((l) => /\bmaster\b/.test(l) && !/\bfail\b/.test(l))
      .map((l) => Number(/:(\d+)@/.exec(l)?.[1]));
  };
  try {
    await waitOk();
    // Every replica attached and in sync, so WAIT can be met and a failover has a replica to promote.
    await until(async () => (await masters()).length === 3, 20_000, '3 masters');
    await until(
      async () => {
        const infos = await Promise.all(live().map((n) => cli(n.port, 'info', 'replication')));
        const replicas = infos.filter((i) => /role:slave/.test(i));
        return replicas.length === 3 && replicas.every((i) => /master_link_status:up/.test(i));
      },
      20_000,
      '3 replicas in sync',
    );
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    seeds: { nodes: nodes.slice(0, 3).map((n) => ({ host: '127.0.0.1', port: n.port })) },
    nodesEnv: nodes
      .slice(0, 3)
      .map((n) => `127.0.0.1:${n.port}`)
      .join(','),
    nodes,
    masters,
    masterOf: async (key) => {
      const slot = (await cli((live()[0] as ClusterNode).port, 'cluster', 'keyslot', key)).trim();
      const out = await cli((live()[0] as ClusterNode).port, 'cluster', 'nodes');
      for (const l of out.split('\n')) {
        if (!/\bmaster\b/.test(l) || /\bfail\b/.test(l)) continue;
        for (const r of l.split(' ').slice(8)) {
          const [a, b = a] = r.split('-').map(Number) as [number, number?];
          if (Number(slot) >= a && Number(slot) <= (b as number)) return Number(/:(\d+)@/.exec(l)?.[1]);
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    kill: async (port) => {
      const n = nodes.find((x) => x.port === port);
      const p = n?.proc;
      if (!n || !p || p.exitCode !== null) return;
      n.proc = undefined;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
    waitOk,
    dispose,
  };
}
