import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** One command's outcome, as an ioredis pipeline returns it. */
export type Reply = [Error | null, unknown];

/** The ioredis Cluster behind a client, when the store runs on a cluster (see connect.ts). */
export function clusterOf(redis: Redis): Cluster | null {
  return redis.isCluster ? (redis as unknown as Cluster) : null;
}

/**
 * Commands on keys of several slots in as few round trips as the deployment allows: on one Redis
 * server one pipeline (one round trip, as a plain pipeline); on a cluster one pipeline per slot,
 * all sent at once, so no pipeline spans two slots and their round trips overlap. Replies come
 * back in the order the commands were added. Atomicity is per script or MULTI, never per batch.
 */
export class SlotBatch<P extends ChainableCommander = ChainableCommander> {
  private readonly pipes = new Map<number, P>();
  private readonly order: [P, number][] = [];

  constructor(private readonly redis: Redis) {}

  /** Queues the commands `add` puts on the pipeline of `key`'s slot; they must all be in that slot. */
  on(key: string, add: (p: P) => unknown): this {
    const slot = this.redis.isCluster ? calculateSlot(key) : 0;
    let p = this.pipes.get(slot);
    if (!p) {
      p = this.redis.pipeline() as P;
      this.pipes.set(slot, p);
    }
    const before = p.length;
    add(p);
    for (let i = before; i < p.length; i++) this.order.push([p, i]);
    return this;
  }

  /** How many commands are queued. */
  get length(): number {
    return this.order.length;
  }

  /** Sends every pipeline; each command's [error, reply], in the order added. */
  async execRaw(): Promise<Reply[]> {
    const pipes = [...this.pipes.values()];
    const results = await Promise.all(pipes.map((p) => p.exec()));
    const byPipe = new Map<P, Reply[]>();
    pipes.forEach((p, i) => {
      const r = results[i];
      if (!r) throw new Error('pipeline discarded');
      byPipe.set(p, r);
    });
    return this.order.map(([p, i]) => byPipe.get(p)?.[i] ?? [new Error('missing reply'), null]);
  }

  /** Sends every pipeline; the replies in the order added. Throws the first command error. */
  async exec(): Promise<unknown[]> {
    return (await this.execRaw()).map(([err, v]) => {
      if (err) throw err;
      return v;
    });
  }
}

/**
 * SCAN MATCH over the whole keyspace: the one server, or every master of a cluster in turn (a
 * SCAN covers one node only). Keys are yielded per SCAN page; a key may be yielded twice.
 */
export async function* scanKeys(redis: Redis, match: string, count = 1_000): AsyncIterable<string[]> {
  const nodes = clusterOf(redis)?.nodes('master') ?? [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (found.length > 0) yield found;
    } while (cursor !== '0');
  }
}
