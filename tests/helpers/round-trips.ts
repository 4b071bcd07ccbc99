import type { Redis } from 'ioredis';

/**
 * Counts writes to the Redis socket (with no auto-pipelining, one write is one round trip) and
 * the commands they carry (EVALSHA of a script counts as one command, whatever it runs inside).
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
  stream.write = (...a: unknown[]) => {
    count++;
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
