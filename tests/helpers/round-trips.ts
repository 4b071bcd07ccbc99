import type { Redis } from 'ioredis';

/**
 * Counts round trips to Redis: the writes to its socket in one tick of the event loop are one (a
 * pipeline is one write; commands sent at once, nothing awaited between them, are one write each
 * but wait for their replies together), and the commands they carry (EVALSHA of a script counts as
 * one command, whatever it runs inside).
 */
export function countTrips(redis: Redis): {
  reset(): void;
  readonly count: number;
  readonly commands: string[];
} {
  let count = 0;
  let commands: string[] = [];
  const stream = (redis as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
  const write = stream.write.bind(stream);
  let inTick = false;
  stream.write = (...a: unknown[]) => {
    if (!inTick) {
      inTick = true;
      count++;
      process.nextTick(() => {
        inTick = false;
      });
    }
    return write(...a);
  };
  const client = redis as unknown as { sendCommand: (c: { name: string }, s?: unknown) => unknown };
  const send = client.sendCommand.bind(redis);
  client.sendCommand = (c, s) => {
    commands.push(c.name);
    return send(c, s);
  };
  return {
    reset: () => {
      count = 0;
      commands = [];
    },
    get count() {
      return count;
    },
    get commands() {
      return commands;
    },
  };
}
