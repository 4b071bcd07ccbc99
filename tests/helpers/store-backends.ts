import type { Redis } from 'ioredis';
import { connectCluster, connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { startTestRedis } from './redis.js';
import { clusterUnavailable, startTestCluster } from './redis-cluster.js';

/** A running Redis backend of a test file: a client on it and a key prefix of its own. */
export interface RunningBackend {
  /** A ready client (a Cluster client on the cluster, typed as the stores use it). */
  client: Redis;
  /** Key prefix for this file's stores. */
  prefix: string;
  /** Disconnects and stops what was started. */
  dispose(): Promise<void>;
}

/** A Redis deployment an end-to-end test runs against. */
export interface StoreBackend {
  /** For test titles. */
  name: string;
  /** Why it cannot run here (shown in the skipped title), or null. */
  skip: string | null;
  /** Starts it (call in beforeAll). */
  start(): Promise<RunningBackend>;
}

/** One redis-server, and a local Redis Cluster (3 masters, 3 replicas): the end-to-end tests that list these run on both. */
export const STORE_BACKENDS: StoreBackend[] = [
  {
    name: 'one redis-server',
    skip: null,
    start: async () => {
      const t = await startTestRedis();
      const client = connectRedis(t.url);
      await waitReady(client);
      return {
        client,
        prefix: t.prefix,
        dispose: async () => {
          client.disconnect();
          await t.dispose();
        },
      };
    },
  },
  {
    name: 'a Redis Cluster',
    skip: clusterUnavailable,
    start: async () => {
      const c = await startTestCluster();
      const client = connectCluster(c.seeds, { retryDelayMs: 50 });
      await waitReady(client);
      return {
        client,
        prefix: 'qb',
        dispose: async () => {
          client.disconnect();
          await c.dispose();
        },
      };
    },
  },
];

/** The title suffix of a backend's describe block (with the reason when skipped). */
export function onBackend(b: StoreBackend): string {
  return `on ${b.name}${b.skip ? ` (skipped: ${b.skip})` : ''}`;
}
