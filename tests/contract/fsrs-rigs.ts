import type { Redis } from 'ioredis';
import type { FsrsStore, ReviewStore, TeamRef } from '../../src/engine/ports.js';
import { appendTeamReview, MemoryFsrsStore } from '../../src/store/memory/fsrs-store.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { RedisFsrsStore } from '../../src/store/redis/fsrs-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

/** The stores an FSRS test needs, twice where a second process would have its own. */
export interface FsrsRig {
  /** Study data (the grade path writes the team log). */
  review: ReviewStore;
  /** The team FSRS data. */
  fsrs: FsrsStore;
  /** A second instance on the same data (Redis: its own connection, as another process). */
  fsrs2: FsrsStore;
  /** Writes review log lines (oldest first) as the grade path would have. */
  seed(team: TeamRef, lines: { at: number; line: string }[]): Promise<void>;
}

/** A rig on the embedded store (in memory, no file). */
export function memoryRig(): FsrsRig {
  const doc = new PersistedDoc<Record<string, unknown>>(null, () => ({}));
  return {
    review: new MemoryReviewStore(doc),
    fsrs: new MemoryFsrsStore(doc),
    fsrs2: new MemoryFsrsStore(doc),
    seed: async (team, lines) => {
      for (const l of lines) appendTeamReview(doc, team, l.line, l.at);
    },
  };
}

/** A redis-server for a test file and rigs on fresh key prefixes of it. */
export class RedisRigs {
  private server: TestRedis | undefined;
  private conns: Redis[] = [];
  private n = 0;

  async start(): Promise<void> {
    this.server = await startTestRedis();
  }

  private async connect(): Promise<Redis> {
    const c = connectRedis((this.server as TestRedis).url);
    await waitReady(c);
    this.conns.push(c);
    return c;
  }

  async rig(): Promise<FsrsRig> {
    const keys = new Keys(`${(this.server as TestRedis).prefix}f${++this.n}`);
    const [a, b] = [await this.connect(), await this.connect()];
    return {
      review: new RedisReviewStore(a, keys),
      fsrs: new RedisFsrsStore(a, keys),
      fsrs2: new RedisFsrsStore(b, keys),
      seed: async (team, lines) => {
        const key = keys.teamReviewLog(team);
        for (let i = 0; i < lines.length; i += 5_000)
          await a.lpush(key, ...lines.slice(i, i + 5_000).map((l) => l.line));
        await a.sadd(keys.fsrsTeams(team), keys.teamMember(team));
      },
    };
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.disconnect();
    await this.server?.dispose();
  }
}
