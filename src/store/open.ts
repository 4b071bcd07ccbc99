import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { QuizError } from '../engine/errors.js';
import type { FsrsStore, ReviewStore, TeamStore, UserDataPort } from '../engine/ports.js';
import type { BackupTeamStore } from './backup.js';
import { MemoryUserData } from './memory/forget.js';
import { MemoryFsrsStore } from './memory/fsrs-store.js';
import { PersistedDoc } from './memory/persist.js';
import { MemoryReviewStore } from './memory/review-store.js';
import { MemoryTeamStore } from './memory/team-store.js';
import { connectRedis, RedisAuthError, waitReady } from './redis/connect.js';
import { RedisUserData } from './redis/forget.js';
import { RedisFsrsStore } from './redis/fsrs-store.js';
import { Keys } from './redis/keys.js';
import { RedisReviewStore } from './redis/review-store.js';
import { RedisTeamStore } from './redis/team-store.js';

/** The stores of one process, Redis or embedded, behind the same ports. */
export interface Stores {
  /** Which backend. */
  kind: 'redis' | 'embedded';
  /** Where it lives, for logs (no credentials). */
  where: string;
  /** Study data. */
  review: ReviewStore;
  /** Competition data: schedules, rounds, leaderboards, streaks. */
  team: TeamStore;
  /** Teams' review logs, fitted FSRS parameters and the fit lease. */
  fsrs: FsrsStore;
  /** Deleting one user's data on request (`/forget-me`, `quizbot forget`). */
  userData: UserDataPort;
  /** The same team store as a backup source and target (`exportAll` / `importAll`). */
  teams: BackupTeamStore;
  /** The Redis client when kind is redis. */
  redis?: Redis;
  /** Resolves when the backend answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Saves what is pending and disconnects. */
  close(): Promise<void>;
}

/** Options of {@link openStores}. */
export interface OpenStoresOptions {
  /** Redis URL; unset: the embedded store. */
  redisUrl?: string | undefined;
  /** Folder of the embedded store's file. */
  dataDir: string;
  /** Redis key prefix (tests). */
  prefix?: string;
  /** How long to wait for Redis at start (default 10 s). */
  readyTimeoutMs?: number;
}

/** File of the embedded store inside the data folder. */
export const EMBEDDED_FILE = 'quizbot.json';

function safeUrl(url: string): string {
  const u = new URL(url);
  u.password = u.password ? '***' : '';
  return u.toString();
}

/** Why Redis is not usable, in one line that says what to fix. */
function unreadyMessage(url: string, err: unknown): string {
  const where = safeUrl(url);
  if (err instanceof RedisAuthError) {
    return err.reason === 'needs_password'
      ? `Redis authentication failed at ${where}: the server needs a password; put it in REDIS_URL (redis://:password@host:port)`
      : `Redis authentication failed at ${where}: the password (or user) in REDIS_URL is wrong`;
  }
  return `cannot reach Redis at ${where}: is it running?`;
}

/**
 * Opens Redis when a URL is given (waiting until it is ready, so the first click does not fail),
 * else the embedded store persisted under `dataDir`.
 */
export async function openStores(o: OpenStoresOptions): Promise<Stores> {
  if (o.redisUrl) {
    const redis = connectRedis(o.redisUrl);
    try {
      await waitReady(redis, o.readyTimeoutMs ?? 10_000);
    } catch (err) {
      redis.disconnect();
      throw new QuizError('store_unavailable', unreadyMessage(o.redisUrl, err), { cause: err });
    }
    const keys = new Keys(o.prefix);
    const team = new RedisTeamStore(redis, keys);
    return {
      kind: 'redis',
      where: safeUrl(o.redisUrl),
      review: new RedisReviewStore(redis, keys),
      fsrs: new RedisFsrsStore(redis, keys),
      userData: new RedisUserData(redis, keys),
      team,
      teams: team,
      redis,
      ping: async () => {
        await redis.ping();
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
    userData: new MemoryUserData(doc),
    team,
    teams: team,
    ping: async () => {},
    close: async () => {
      doc.flush();
    },
  };
}
