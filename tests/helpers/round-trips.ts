import type { Redis } from 'ioredis';

/** Counts writes to the Redis socket: with no auto-pipelining, one write is one round trip. */
export function countTrips(redis: Redis): { reset(): void; readonly count: number } {
  let count = 0;
  const stream = (redis as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
  const write = stream.write.bind(stream);
  stream.write = (...a: unknown[]) => {
    count++;
    return write(...a);
  };
  return {
    reset: () => {
      count = 0;
    },
    get count() {
      return count;
    },
  };
}
