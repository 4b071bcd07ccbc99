import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Logger as Pino } from 'pino';
import { recommendedShards } from './adapters/discord/shard-count.js';
import { formatShardIds, shardIdsOf } from './adapters/discord/shards.js';
import type { Bot, BotOptions } from './bot.js';
import type { Config } from './config.js';
import { Metrics } from './http/metrics.js';
import { startHttp } from './http/server.js';
import { createLogger } from './log.js';
import { listenError } from './startup-error.js';

/** The Discord shards one bot process runs. */
export interface ShardPlan {
  /** Shard ids of this process. */
  ids: number[];
  /** Total shard count of the bot (every process must use the same). */
  count: number;
  /** Index of this process among its manager's processes (0 without a manager). */
  cluster: number;
  /** A sharding manager spawned this process (and waits for its ready message). */
  managed?: boolean;
}

/**
 * This process's place in a sharded bot when a sharding manager spawned it (discord-hybrid-sharding
 * passes `SHARD_LIST`, `TOTAL_SHARDS`, `CLUSTER` in the environment of its children), else null.
 */
export function shardChildPlan(env: NodeJS.ProcessEnv = process.env): ShardPlan | null {
  if (env.CLUSTER_MANAGER_MODE !== 'process' || !/^\d+(,\d+)*$/.test(env.SHARD_LIST ?? '')) return null;
  const count = Number(env.TOTAL_SHARDS);
  const cluster = Number(env.CLUSTER);
  if (!Number.isInteger(count) || !Number.isInteger(cluster)) return null;
  return { ids: (env.SHARD_LIST ?? '').split(',').map(Number), count, cluster, managed: true };
}

/** Tells the manager this child's Discord shards are connected (its spawn queue and /readyz wait for it). */
export async function reportReadyToManager(client: unknown): Promise<void> {
  const { ClusterClient } = await import('discord-hybrid-sharding');
  new ClusterClient(client as never).triggerReady();
}

/** Ports of a manager's child: its own `/healthz` port next to the manager's (0 stays 0: any free port). */
export function childHttpPort(basePort: number, cluster: number): number {
  return basePort === 0 ? 0 : basePort + 1 + cluster;
}

/** How long the manager waits for its children to stop after SIGTERM before killing them. */
const CHILD_STOP_EXTRA_MS = 8_000;

/**
 * `quizbot start` with `DISCORD_SHARDS` set. Resolves the shard count (`auto`: Discord's
 * `GET /gateway/bot`, through `DISCORD_API_URL` when set) and this process's shard ids
 * (`DISCORD_SHARD_IDS`, default all). When they fit in one process (`DISCORD_SHARDS_PER_PROCESS`,
 * default all), runs the bot here with those shards; else becomes a discord-hybrid-sharding
 * ClusterManager that forks one `quizbot start` per group of shards, restarts a child that dies,
 * serves `/healthz` and `/readyz` (ready when every child is) on `HTTP_PORT`, and on SIGTERM stops
 * the children gracefully.
 */
export async function runSharded(config: Config, log: Pino, run: RunBot): Promise<void> {
  const token = config.DISCORD_TOKEN;
  if (!token || config.DISCORD_SHARDS === undefined)
    throw new Error('runSharded needs DISCORD_TOKEN and DISCORD_SHARDS');
  const count =
    config.DISCORD_SHARDS === 'auto'
      ? await recommendedShards(token, config.DISCORD_API_URL)
      : config.DISCORD_SHARDS;
  const ids = shardIdsOf(config.DISCORD_SHARD_IDS, count);
  const perProcess = config.DISCORD_SHARDS_PER_PROCESS ?? ids.length;
  if (ids.length <= perProcess) {
    await run(config, { log, shards: { ids, count, cluster: 0 } });
    return;
  }
  await runManager(config, log, { token, count, ids, perProcess });
}

/** {@link runBot}'s signature (passed in, so the manager's code never loads the bot's). */
export type RunBot = (config: Config, opts?: BotOptions) => Promise<unknown>;

async function runManager(
  config: Config,
  log: Pino,
  plan: { token: string; count: number; ids: number[]; perProcess: number },
): Promise<void> {
  const { ClusterManager } = await import('discord-hybrid-sharding');
  const manager = new ClusterManager(join(import.meta.dirname, '..', 'bin', 'quizbot.mjs'), {
    totalShards: plan.count,
    shardList: plan.ids,
    shardsPerClusters: plan.perProcess,
    mode: 'process',
    shardArgs: ['start'],
    token: plan.token,
    respawn: true,
    // One IDENTIFY per 5 s: the next process starts this long per shard after the previous one.
    spawnOptions: { delay: config.DISCORD_SHARD_SPAWN_DELAY_MS, timeout: -1 },
  });
  const manageLog = log.child({ part: 'shard-manager' });
  manager.on('clusterCreate', (cluster) => {
    cluster.on('death', (_c, thread) =>
      manageLog.warn(
        { cluster: cluster.id, exitCode: thread && 'exitCode' in thread ? thread.exitCode : null },
        'shard process exited',
      ),
    );
  });
  manager.on('clusterReady', (cluster) =>
    manageLog.info({ cluster: cluster.id, shards: formatShardIds(cluster.shardList) }, 'shard process ready'),
  );
  const metrics = new Metrics();
  let stopping = false;
  const http = await startHttp({
    port: config.HTTP_PORT,
    metrics,
    checks: {
      shutdown: async () => (stopping ? 'shutting down' : null),
      shards: async () => {
        const clusters = [...manager.clusters.values()];
        const waiting = clusters.filter((c) => !c.ready).map((c) => c.id);
        if (clusters.length === 0) return 'no shard process started yet';
        return waiting.length ? `shard processes not ready: ${waiting.join(', ')}` : null;
      },
    },
  }).catch((err: unknown) => {
    throw listenError('the shard manager', 'HTTP_PORT', config.HTTP_PORT, err);
  });
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    manager.respawn = false;
    manageLog.info({ reason }, 'stopping the shard processes');
    const children = [...manager.clusters.values()].flatMap((c) =>
      c.thread?.process ? [c.thread.process as ChildProcess] : [],
    );
    await Promise.all(
      children.map((child) => stopChild(child, config.SHUTDOWN_DRAIN_MS + CHILD_STOP_EXTRA_MS)),
    );
    await http.close();
    manageLog.info({}, 'stopped');
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => void stop(sig).then(() => process.exit(0)));
  manageLog.info(
    {
      shards: formatShardIds(plan.ids),
      totalShards: plan.count,
      perProcess: plan.perProcess,
      httpPort: http.port,
    },
    'shard manager starting',
  );
  await manager.spawn();
  manageLog.info({ processes: manager.clusters.size }, 'shard processes spawned');
}

/** SIGTERM, then SIGKILL when the child outlives `ms`. */
function stopChild(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The bot: one process; with `DISCORD_SHARDS` a shard process or a sharding manager (src/sharding.ts);
 * spawned by a manager, the shards it was given, stopping when the manager is gone.
 */
export async function startBot(config: Config, runBot: RunBot): Promise<void> {
  const child = shardChildPlan();
  if (child) {
    const childConfig = { ...config, HTTP_PORT: childHttpPort(config.HTTP_PORT, child.cluster) };
    const bot = (await runBot(childConfig, { shards: child })) as Bot;
    process.once('disconnect', () => void bot.shutdown('shard manager gone').then(() => process.exit(0)));
    return;
  }
  if (config.DISCORD_SHARDS !== undefined && config.DISCORD_TOKEN) {
    await runSharded(config, createLogger(config), runBot);
    return;
  }
  await runBot(config);
}
