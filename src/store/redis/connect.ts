import { Cluster, Redis } from 'ioredis';
import { QuizError } from '../../engine/errors.js';
import { CoalescingConnector } from './coalesce.js';
import { defineScripts } from './scripts.js';

/** Options for {@link connectRedis}. */
export interface RedisOptions {
  /** Connect lazily (first command) instead of at once. */
  lazy?: boolean;
}

/**
 * One ioredis client for the whole process, with every Lua script defined.
 * Commands fail fast while Redis is away (no offline queue, one retry), so users get an
 * error message at once instead of a click that hangs past the platform's 3 seconds.
 */
export function connectRedis(url: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: opts.lazy ?? false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    // Commands sent in one turn of the event loop leave in one write (coalesce.ts).
    Connector: CoalescingConnector,
  });
  // Connection errors are reported per command (store_unavailable) and by /readyz.
  redis.on('error', () => {});
  defineScripts(redis);
  return redis;
}

/** Seed nodes and credentials of a Redis Cluster (config.ts parses REDIS_CLUSTER_NODES). */
export interface ClusterSeeds {
  /** Nodes to learn the cluster's layout from; any one reachable master or replica will do. */
  nodes: { host: string; port: number }[];
  /** AUTH password of every node, if any. */
  password?: string | undefined;
  /** ACL user, if any. */
  username?: string | undefined;
  /** TLS to every node (`rediss://` seeds). */
  tls?: boolean | undefined;
}

/** Options of {@link connectCluster}. */
export interface ClusterConnectOptions {
  /** Delay before a command retried after MOVED/failover/CLUSTERDOWN (ms; tests pass less). */
  retryDelayMs?: number;
}

/**
 * One ioredis `Cluster` client, typed as the `Redis` the stores are written against: both
 * implement the same commands, pipelines, MULTI and `defineCommand` (ioredis routes each by its
 * key's slot). What only a cluster has (`nodes()`) is reached through `clusterOf` (batch.ts).
 * Reads go to masters (`scaleReads: 'master'`): a grade reads the state it then compares against,
 * so a replica's lag would only produce conflicts. Commands fail fast while the cluster has no
 * master for their slot (no offline queue), as on one server; during a failover ioredis follows
 * MOVED and retries CLUSTERDOWN a few times before giving up.
 */
export function connectCluster(seeds: ClusterSeeds, opts: ClusterConnectOptions = {}): Redis {
  const delay = opts.retryDelayMs ?? 200;
  const cluster = new Cluster(seeds.nodes, {
    scaleReads: 'master',
    enableOfflineQueue: false,
    retryDelayOnFailover: delay,
    retryDelayOnClusterDown: delay,
    retryDelayOnTryAgain: delay,
    maxRedirections: 16,
    slotsRefreshTimeout: 2_000,
    clusterRetryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    redisOptions: {
      Connector: CoalescingConnector,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 1,
      ...(seeds.password ? { password: seeds.password } : {}),
      ...(seeds.username ? { username: seeds.username } : {}),
      ...(seeds.tls ? { tls: {} } : {}),
    },
  });
  cluster.on('error', () => {});
  defineScripts(cluster as unknown as Redis);
  return cluster as unknown as Redis;
}

/**
 * Redis refused our credentials (wrong password, unknown user, or a password is needed).
 * ioredis keeps reconnecting after these, so waiting longer would never help.
 */
export class RedisAuthError extends QuizError {
  constructor(
    readonly reason: 'wrong_password' | 'needs_password',
    cause: unknown,
  ) {
    super('store_unavailable', `Redis authentication failed: ${(cause as Error).message}`, { cause });
  }
}

/** The auth failure an ioredis error stands for, if it is one. */
export function authFailure(err: unknown): RedisAuthError | null {
  const msg = (err as Error | undefined)?.message ?? '';
  if (/^(WRONGPASS|ERR invalid password|ERR AUTH <password> called without any password)/.test(msg))
    return new RedisAuthError('wrong_password', err);
  if (/^NOAUTH\b/.test(msg)) return new RedisAuthError('needs_password', err);
  // A cluster reports a node's refusal wrapped in its own error (the last node error is the cause).
  const last = (err as { lastNodeError?: unknown } | undefined)?.lastNodeError;
  if (last) return authFailure(last);
  return null;
}

/**
 * Resolves once the client is connected and ready; rejects with store_unavailable after `ms`, or at
 * once with a {@link RedisAuthError} when Redis refuses the credentials.
 */
export async function waitReady(redis: Redis, ms = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    const timer = setTimeout(() => {
      done();
      reject(new QuizError('store_unavailable', `Redis did not become ready within ${ms} ms`));
    }, ms);
    const onReady = () => {
      done();
      resolve();
    };
    const onError = (err: unknown) => {
      const auth = authFailure(err);
      if (!auth) return;
      done();
      reject(auth);
    };
    redis.once('ready', onReady);
    redis.on('error', onError);
  });
}

/** Runs a Redis operation; infrastructure failures become QuizError('store_unavailable'). */
export async function guard<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof QuizError) throw err;
    throw new QuizError('store_unavailable', `redis ${what} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
