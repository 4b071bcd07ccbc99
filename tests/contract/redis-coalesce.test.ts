import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { connectRedis } from '../../src/store/redis/connect.js';
import { useTestRedis } from '../helpers/use-redis.js';

// The client's socket (ioredis keeps it as `stream`; the connector of coalesce.ts made it).
const socketOf = (redis: Redis) => (redis as unknown as { stream: Socket }).stream;

/** Counts the writes the socket hands to the operating system (Writable's `_write` / `_writev`). */
function countWrites(socket: Socket): { writes: () => number; restore: () => void } {
  const one = vi.spyOn(socket as unknown as { _write: () => void }, '_write');
  const many = vi.spyOn(socket as unknown as { _writev: () => void }, '_writev');
  return {
    writes: () => one.mock.calls.length + many.mock.calls.length,
    restore: () => {
      one.mockRestore();
      many.mockRestore();
    },
  };
}

describe('Redis client write coalescing (store/redis/coalesce.ts)', () => {
  const used = useTestRedis();
  const key = (name: string) => `${used.server.prefix}coalesce:${name}`;

  it('sends the commands of one turn of the event loop in one write, replies in order', async () => {
    const { redis } = used;
    const spy = countWrites(socketOf(redis));
    try {
      const replies = await Promise.all(Array.from({ length: 500 }, () => redis.incr(key('n'))));
      expect(replies).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      expect(spy.writes()).toBe(1);
    } finally {
      spy.restore();
    }
  });

  it('sends the commands that replies resume in the same turn together', async () => {
    const { redis } = used;
    await redis.set(key('chain'), '0');
    const spy = countWrites(socketOf(redis));
    try {
      // 50 chains of 3 commands, each waiting for its previous reply, as 50 clicks in flight do.
      const chain = async () => {
        for (let i = 0; i < 3; i++) await redis.incr(key('chain'));
      };
      await Promise.all(Array.from({ length: 50 }, chain));
      expect(await redis.get(key('chain'))).toBe('150');
      // Without coalescing every command is a write of its own (150); the replies of a step come
      // back in few reads, so the next step leaves in as few writes.
      expect(spy.writes()).toBeLessThan(50);
    } finally {
      spy.restore();
    }
  });

  it('sends a lone command at once, from any phase of the event loop', async () => {
    const { redis } = used;
    const socket = socketOf(redis);
    // Written inside an immediate, it has left the socket's buffer before the next immediate runs
    // (one queued before it was written), not a loop turn later.
    const [buffered, echoed] = await new Promise<[number, Promise<string>]>((resolve) =>
      setImmediate(() => {
        let echo: Promise<string> | undefined;
        setImmediate(() => resolve([socket.writableLength, echo as Promise<string>]));
        echo = redis.echo('immediate');
      }),
    );
    expect(buffered).toBe(0);
    expect(await echoed).toBe('immediate');
    const fromTimer = new Promise<string>((resolve, reject) =>
      setTimeout(() => redis.echo('timer').then(resolve, reject), 1),
    );
    expect(await fromTimer).toBe('timer');
    expect(await redis.ping()).toBe('PONG');
  });

  it('coalesces again on the new socket after a reconnect, and loses no command', async () => {
    const redis = connectRedis(used.server.url);
    try {
      if (redis.status !== 'ready') await once(redis, 'ready');
      const first = socketOf(redis);
      const id = await redis.client('ID');
      const reconnected = once(redis, 'ready');
      await used.redis.client('KILL', 'ID', String(id));
      await reconnected;
      const second = socketOf(redis);
      expect(second).not.toBe(first);
      const spy = countWrites(second);
      try {
        const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => redis.echo(String(i))));
        expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
        expect(spy.writes()).toBe(1);
      } finally {
        spy.restore();
      }
    } finally {
      redis.disconnect();
    }
  });
});
