import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { QuizError } from '../engine/errors.js';
import type {
  FsrsStore,
  InstallRecords,
  ReviewStore,
  TeamEraser,
  TeamStore,
  UserDataPort,
} from '../engine/ports.js';
import { StartupError } from '../startup-error.js';
import type { BackupTeamStore } from './backup.js';
import type { FsrsBackupPort } from './fsrs-export.js';
import { MemoryUserData } from './memory/forget.js';
import { MemoryFsrsStore } from './memory/fsrs-store.js';
import { MemoryInstallRecords } from './memory/installs.js';
import { PersistedDoc } from './memory/persist.js';
import { MemoryReviewStore } from './memory/review-store.js';
import { MemoryTeamEraser } from './memory/team-eraser.js';
import { MemoryTeamStore } from './memory/team-store.js';
import { clusterOf } from './redis/batch.js';
import { clusterHealth, watchCluster } from './redis/cluster-health.js';
import {
  type ClusterSeeds,
  connectCluster,
  connectRedis,
  RedisAuthError,
  waitReady,
} from './redis/connect.js';
import { RedisUserData } from './redis/forget.js';
import { RedisFsrsStore } from './redis/fsrs-store.js';
import { RedisInstallRecords } from './redis/installs.js';
import { Keys } from './redis/keys.js';
import { migrateIndexes } from './redis/migrate.js';
import { migrateCardStates } from './redis/migrate-states.js';
import { RedisReviewStore } from './redis/review-store.js';
import { RedisTeamEraser } from './redis/team-eraser.js';
import { RedisTeamStore } from './redis/team-store.js';
import { waitFor } from './redis/wait.js';

/** The stores of one process, Redis or embedded, behind the same ports. */
export interface Stores {
  /** Which backend (`redis` also for a Redis Cluster). */
  kind: 'redis' | 'embedded';
  /** Where it lives, for logs (no credentials). */
  where: string;
  /** Study data. */
  review: ReviewStore;
  /** Competition data: schedules, rounds, leaderboards, streaks. */
  team: TeamStore;
  /** Teams' review logs, fitted FSRS parameters and the fit lease. */
  fsrs: FsrsStore & FsrsBackupPort;
  /** Deleting a whole team's data, now or when its grace period ends. */
  eraser: TeamEraser;
  /** Slack installations (OAuth distribution), sealed by the Slack adapter. */
  installs: InstallRecords;
  /** Deleting one user's data on request (`/forget-me`, `quizbot forget`). */
  userData: UserDataPort;
  /** The same team store as a backup source and target (`exportAll` / `importAll`). */
  teams: BackupTeamStore;
  /** The Redis client when kind is redis. */
  redis?: Redis;
  /**
   * Readies the store for these decks' cards when decks load: Redis learns (assigning new ones)
   * each card's short key, so no read or grade of a loaded card needs a round trip for it.
   */
  prepareDecks(decks: readonly { id: string; cards: readonly { id: string }[] }[]): Promise<void>;
  /** Resolves when the backend answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Saves what is pending and disconnects. */
  close(): Promise<void>;
}

/** Options of {@link openStores}. */
export interface OpenStoresOptions {
  /** Redis URL (one server); unset, and no cluster: the embedded store. */
  redisUrl?: string | undefined;
  /** Redis Cluster seed nodes (`REDIS_CLUSTER_NODES`); wins over `redisUrl` (config.ts refuses both). */
  cluster?: ClusterSeeds | undefined;
  /** Replicas an answer or grade waits for (`REDIS_WAIT_REPLICAS`, default 0), and for how long (ms). */
  waitReplicas?: number | undefined;
  /** Longest WAIT in ms (default 500). */
  waitTimeoutMs?: number | undefined;
  /** Where cluster node failures, short WAITs and the index migration are logged. */
  log?: StoreLog | undefined;
  /** Folder of the embedded store's file. */
  dataDir: string;
  /** Redis key prefix (tests). */
  prefix?: string;
  /** How long to wait for Redis at start (default 10 s). */
  readyTimeoutMs?: number;
}

/** The logger the stores report to (a pino logger fits). */
export interface StoreLog {
  /** Something degraded but the bot keeps serving. */
  warn(obj: object, msg: string): void;
  /** Something worth knowing happened. */
  info(obj: object, msg: string): void;
}

/** File of the embedded store inside the data folder. */
export const EMBEDDED_FILE = 'quizbot.json';

function safeUrl(url: string): string {
  const u = new URL(url);
  u.password = u.password ? '***' : '';
  return u.toString();
}

/** Why Redis is not usable, in one line that says what to fix (`setting`: where the password goes). */
function unreadyMessage(where: string, err: unknown, cluster: boolean): string {
  if (err instanceof RedisAuthError) {
    const put = cluster ? 'REDIS_PASSWORD' : 'REDIS_URL (redis://:password@host:port)';
    return err.reason === 'needs_password'
      ? `Redis authentication failed at ${where}: the server needs a password; put it in ${put}`
      : `Redis authentication failed at ${where}: the password (or user) in ${cluster ? 'REDIS_PASSWORD' : 'REDIS_URL'} is wrong`;
  }
  return cluster
    ? `cannot reach the Redis Cluster at ${where}: are the seed nodes in REDIS_CLUSTER_NODES up, and is the cluster formed (redis-cli --cluster create)?`
    : `cannot reach Redis at ${where}: is it running?`;
}

/**
 * Connects to the one server or the cluster and waits until it answers; otherwise a
 * {@link StartupError} (`redis_auth` or `redis_unreachable`) saying what to fix.
 */
async function connectStore(
  o: OpenStoresOptions,
  url: string | undefined,
): Promise<{ redis: Redis; where: string }> {
  const seeds = o.cluster;
  const where = seeds
    ? `cluster ${seeds.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`
    : safeUrl(url as string);
  const redis = seeds ? connectCluster(seeds) : connectRedis(url as string);
  try {
    await waitReady(redis, o.readyTimeoutMs ?? 10_000);
  } catch (err) {
    redis.disconnect();
    const code = err instanceof RedisAuthError ? 'redis_auth' : 'redis_unreachable';
    throw new StartupError(code, unreadyMessage(where, err, seeds !== undefined), { cause: err });
  }
  return { redis, where };
}

/**
 * Opens Redis when a URL is given (waiting until it is ready, so the first click does not fail),
 * else the embedded store persisted under `dataDir`.
 */
export async function openStores(o: OpenStoresOptions): Promise<Stores> {
  if (o.redisUrl || o.cluster) {
    const { redis, where } = await connectStore(o, o.redisUrl);
    const keys = new Keys(o.prefix);
    const log = o.log;
    const cluster = clusterOf(redis);
    if (cluster && log) watchCluster(cluster, log);
    const moved = await migrateIndexes(redis, keys).catch((err: unknown) => {
      redis.disconnect();
      throw new QuizError(
        'store_unavailable',
        `moving the global indexes into buckets failed: ${(err as Error).message}`,
        { cause: err },
      );
    });
    if (moved > 0) log?.info({ moved }, 'global Redis indexes moved into hash-tagged buckets');
    const wait = waitFor(o.waitReplicas ?? 0, {
      ...(o.waitTimeoutMs ? { timeoutMs: o.waitTimeoutMs } : {}),
      onShort: (what, reached, node) =>
        log?.warn(
          { what, reached, wanted: o.waitReplicas, ...(node ? { node } : {}) },
          'write acknowledged before enough replicas had it (REDIS_WAIT_REPLICAS); WAIT on this node paused for 5 s',
        ),
    });
    const review = new RedisReviewStore(redis, keys, wait);
    const states = await migrateCardStates(redis, keys, review.cardKeys).catch((err: unknown) => {
      redis.disconnect();
      throw new QuizError(
        'store_unavailable',
        `moving card states to card keys failed (it resumes where it stopped at the next start): ${(err as Error).message}`,
        { cause: err },
      );
    });
    if (states.decks > 0) log?.info({ ...states }, 'card states moved to the card-key layout');
    const team = new RedisTeamStore(redis, keys, wait);
    return {
      kind: 'redis',
      where,
      review,
      fsrs: new RedisFsrsStore(redis, keys),
      eraser: new RedisTeamEraser(redis, keys),
      installs: new RedisInstallRecords(redis, keys),
      userData: new RedisUserData(redis, keys),
      team,
      teams: team,
      redis,
      prepareDecks: (decks) => review.prepareDecks(decks),
      ping: async () => {
        if (cluster) await clusterHealth(cluster);
        else await redis.ping();
      },
      close: async () => {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  const file = join(o.dataDir, EMBEDDED_FILE);
  const doc = new PersistedDoc<Record<string, unknown>>(file, () => ({}));
  const team = new MemoryTeamStore(doc);
  return {
    kind: 'embedded',
    where: file,
    review: new MemoryReviewStore(doc),
    fsrs: new MemoryFsrsStore(doc),
    eraser: new MemoryTeamEraser(doc),
    installs: new MemoryInstallRecords(doc),
    userData: new MemoryUserData(doc),
    team,
    teams: team,
    prepareDecks: async () => {},
    ping: async () => {},
    close: async () => {
      doc.flush();
    },
  };
}
