import type { ChainableCommander, Redis } from 'ioredis';

/**
 * `REDIS_WAIT_REPLICAS`: how many replicas must hold an answer or a grade before the bot
 * acknowledges it. Redis replicates asynchronously, so a master that dies right after a write can
 * take an acknowledged write with it; WAIT (sent in the same pipeline, on the same connection as
 * the write, so it adds no round trip) closes that window as long as the shard has a replica.
 */
export interface WaitPolicy {
  /** Replicas to wait for; 0 sends no WAIT. */
  replicas: number;
  /** Longest wait (ms) before the write is acknowledged anyway. */
  timeoutMs: number;
  /** Whether the next write waits (false without replicas to wait for, and while paused after a short WAIT). */
  active(): boolean;
  /**
   * Called with WAIT's reply (replicas reached) after each waited write. Fewer than `replicas`
   * (the shard lost its replica, e.g. right after a failover) is reported, not failed: the write
   * is on the master, and refusing every click until a replica is back would stop the bot.
   */
  check(what: 'grade' | 'answer', reached: unknown): void;
}

/** No WAIT (the default): writes are acknowledged when the master has them. */
export const noWait: WaitPolicy = { replicas: 0, timeoutMs: 0, active: () => false, check: () => {} };

/** Defaults of {@link waitFor}: the longest WAIT, and how long WAIT pauses after a short one (ms). */
export const WAIT_DEFAULTS = { timeoutMs: 500, pauseMs: 5_000 } as const;

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Longest WAIT in ms (default {@link WAIT_DEFAULTS}). */
  timeoutMs?: number;
  /** How long WAIT pauses after a short one (ms, default {@link WAIT_DEFAULTS}). */
  pauseMs?: number;
  /** Hears of each write fewer replicas confirmed in time. */
  onShort?: (what: 'grade' | 'answer', reached: number) => void;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * A policy waiting for `replicas`. WAIT blocks the connection it is sent on, and the client has
 * one connection per node: a WAIT that cannot be met (no replica, right after a failover) would
 * hold every command to that node for its whole timeout. So after a short WAIT the policy pauses
 * for `pauseMs` (writes acknowledged by the master alone meanwhile, each pause reported), then
 * tries again.
 */
export function waitFor(replicas: number, o: WaitOptions = {}): WaitPolicy {
  if (replicas <= 0) return noWait;
  const now = o.now ?? Date.now;
  const pauseMs = o.pauseMs ?? WAIT_DEFAULTS.pauseMs;
  let pausedUntil = 0;
  return {
    replicas,
    timeoutMs: o.timeoutMs ?? WAIT_DEFAULTS.timeoutMs,
    active: () => now() >= pausedUntil,
    check: (what, reached) => {
      const n = Number(reached);
      if (n >= replicas) return;
      pausedUntil = now() + pauseMs;
      o.onShort?.(what, Number.isFinite(n) ? n : 0);
    },
  };
}

/**
 * Sends the write `add` queues on a pipeline, then WAIT (one round trip, the same connection, so on
 * a cluster the same node); returns the write's reply after `wait.check` has seen WAIT's.
 */
export async function writeThenWait(
  redis: Redis,
  wait: WaitPolicy,
  what: 'grade' | 'answer',
  add: (p: ChainableCommander) => unknown,
): Promise<unknown> {
  const p = redis.pipeline();
  add(p);
  const res = await p.wait(wait.replicas, wait.timeoutMs).exec();
  if (!res) throw new Error('pipeline discarded');
  const [[err, reply] = [null, null], [waitErr, reached] = [null, 0]] = res;
  if (err) throw err;
  if (waitErr) throw waitErr;
  wait.check(what, reached);
  return reply;
}
