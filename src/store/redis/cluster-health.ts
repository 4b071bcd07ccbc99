import type { Cluster, Redis } from 'ioredis';
import type { StoreLog } from '../open.js';

/** How long one node may take to answer the health check (ms): under /readyz's 1 s per check. */
const NODE_CHECK_MS = 700;

/** `host:port` of a cluster node's connection. */
export function nodeName(node: Redis): string {
  return `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
}

/** Rejects after `ms` with `what` in the message. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Readiness of a cluster: every master the client knows answers `CLUSTER INFO` with
 * `cluster_state:ok` (every slot served). Rejects naming each failing node, so `/readyz` and the
 * log say which one; after a failover the promoted replica serves the slots and the dead master
 * drops out of the client's view at its next slot refresh, so readiness comes back by itself.
 */
export async function clusterHealth(cluster: Cluster): Promise<void> {
  const masters = cluster.nodes('master');
  if (masters.length === 0) throw new Error('Redis Cluster: no master reachable');
  const checks = await Promise.allSettled(
    masters.map((n) => within(n.cluster('INFO') as Promise<string>, NODE_CHECK_MS, `node ${nodeName(n)}`)),
  );
  const failing = checks.flatMap((c, i) => {
    const name = nodeName(masters[i] as Redis);
    if (c.status === 'rejected') return [`node ${name}: ${(c.reason as Error).message}`];
    const state = /cluster_state:(\w+)/.exec(c.value)?.[1] ?? 'unknown';
    return state === 'ok' ? [] : [`node ${name}: cluster_state:${state}`];
  });
  if (failing.length > 0) throw new Error(`Redis Cluster unhealthy: ${failing.join('; ')}`);
}

/** Logs which node failed, left or joined, as the client sees it (ioredis Cluster events). */
export function watchCluster(cluster: Cluster, log: StoreLog): void {
  const last = new Map<string, string>();
  cluster.on('node error', (err: Error, node: string) => {
    // A dead node errors on every reconnect attempt: log each distinct error of a node once.
    if (last.get(node) === err.message) return;
    last.set(node, err.message);
    log.warn({ node, err: err.message }, `Redis Cluster node ${node} failed`);
  });
  cluster.on('-node', (redis: Redis) =>
    log.warn({ node: nodeName(redis) }, `Redis Cluster node ${nodeName(redis)} left the client's view`),
  );
  cluster.on('+node', (redis: Redis) => {
    last.delete(nodeName(redis));
    log.info({ node: nodeName(redis) }, `Redis Cluster node ${nodeName(redis)} joined the client's view`);
  });
}
