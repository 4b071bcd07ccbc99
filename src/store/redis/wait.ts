import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander, Redis } from 'ioredis';
import { clusterOf, SlotBatch } from './batch.js';

/** What a waited write was. */
type What = 'grade' | 'answer';

/**
 * `REDIS_WAIT_REPLICAS`: how many replicas must hold an answer or a grade before the bot
 * acknowledges it. Redis replicates asynchronously, so a master that dies right after a write can
 * take an acknowledged write with it; WAIT (sent in the same pipeline, on the same connection as
 * the write, so it adds no round trip) closes that window as long as the shard has a replica.
 * When it has none (right after a failover, until the old master returns as a replica) the write
 * is acknowledged by the master alone and reported: refusing every click until a replica is back
 * would stop the bot.
 */
export interface WaitPolicy {
  /** Replicas to wait for; 0 sends no WAIT. */
  replicas: number;
  /** Longest wait (ms) before the write is acknowledged anyway. */
  timeoutMs: number;
  /**
   * The node to WAIT on for a write to the master `node` whose slot lists `listed` nodes (master
   * and replicas, as the client last learned them; Infinity when unknown), or null to send no WAIT:
   * policy off, the node paused after a short WAIT, or too few replicas listed (reported once a pause).
   */
  target(node: string, listed: number, what: What): string | null;
  /**
   * Called with WAIT's reply (replicas reached) after each waited write. Fewer than `replicas`
   * pauses WAIT on that node and is reported, not failed: the write is on the master.
   */
  check(what: What, reached: unknown, node: string): void;
}

/** No WAIT (the default): writes are acknowledged when the master has them. */
export const noWait: WaitPolicy = { replicas: 0, timeoutMs: 0, target: () => null, check: () => {} };

/** Defaults of {@link waitFor}: the longest WAIT, and how long WAIT pauses after a short one (ms). */
export const WAIT_DEFAULTS = { timeoutMs: 500, pauseMs: 5_000 } as const;

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Longest WAIT in ms (default {@link WAIT_DEFAULTS}). */
  timeoutMs?: number;
  /** How long WAIT pauses on a node after a short one (ms, default {@link WAIT_DEFAULTS}). */
  pauseMs?: number;
  /** Hears of each write fewer replicas confirmed in time (`node`: the master, '' on one server). */
  onShort?: (what: What, reached: number, node: string) => void;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * A policy waiting for `replicas`. WAIT blocks the connection it is sent on, and the client has
 * one connection per node: a WAIT that cannot be met would hold every command to that node for
 * its whole timeout. So after a short WAIT the policy pauses that node (only that one: the other
 * masters' replicas are fine) for `pauseMs`, writes there acknowledged by the master alone
 * meanwhile and each pause reported, then tries again. A node the cluster lists without enough
 * replicas is paused before any WAIT is sent to it.
 */
export function waitFor(replicas: number, o: WaitOptions = {}): WaitPolicy {
  if (replicas <= 0) return noWait;
  const now = o.now ?? Date.now;
  const pauseMs = o.pauseMs ?? WAIT_DEFAULTS.pauseMs;
  const pausedUntil = new Map<string, number>();
  const check = (what: What, reached: unknown, node: string) => {
    const n = Number(reached);
    if (n >= replicas) return;
    pausedUntil.set(node, now() + pauseMs);
    o.onShort?.(what, Number.isFinite(n) ? n : 0, node);
  };
  return {
    replicas,
    timeoutMs: o.timeoutMs ?? WAIT_DEFAULTS.timeoutMs,
    target: (node, listed, what) => {
      if (now() < (pausedUntil.get(node) ?? 0)) return null;
      if (listed >= 1 + replicas) return node;
      check(what, listed - 1, node);
      return null;
    },
    check,
  };
}

/**
 * Where a waited write to `key` goes: the master node of its slot (as `host:port`, '' on one
 * server) and how many nodes the client's slot table lists for the slot.
 */
export function slotNodes(redis: Redis, key: string): { node: string; listed: number } {
  const cluster = clusterOf(redis);
  if (!cluster) return { node: '', listed: Number.POSITIVE_INFINITY };
  const nodes = cluster.slots[calculateSlot(key)] ?? [];
  return { node: nodes[0] ?? '', listed: nodes.length };
}

/** The node to WAIT on for a write to `key`, or null (see {@link WaitPolicy.target}). */
export function waitTarget(redis: Redis, wait: WaitPolicy, key: string, what: What): string | null {
  if (wait === noWait) return null;
  const { node, listed } = slotNodes(redis, key);
  return wait.target(node, listed, what);
}

/**
 * Sends the write `add` queues for `key`'s slot, then WAIT (one round trip, the same connection,
 * so on a cluster the same node; retried like any batch when the node did not run it, see
 * batch.ts); returns the write's reply after `wait.check` has seen WAIT's.
 */
export async function writeThenWait(
  redis: Redis,
  wait: WaitPolicy,
  what: What,
  key: string,
  node: string,
  add: (p: ChainableCommander) => unknown,
): Promise<unknown> {
  const batch = new SlotBatch(redis).on(key, add).wait(key, wait.replicas, wait.timeoutMs);
  const [reply, reached] = await batch.exec();
  wait.check(what, reached, node);
  return reply;
}
