import type { Redis } from 'ioredis';
import type { Progress } from './progress.js';

/** What every section gets from bench/index.ts. */
export interface BenchContext {
  /** URL of the bench's own redis-server. */
  url: string;
  /** A plain client for setup and inspection (FLUSHALL, INFO, CONFIG): the bench owns the server. */
  admin: Redis;
  /** Reduced sizes and durations. */
  quick: boolean;
  /** Repeated runs per measurement (medians are reported). */
  runs: number;
  /** Whether the server runs with AOF (as deployed). */
  aof: boolean;
  /** The progress line. */
  progress: Progress;
}
