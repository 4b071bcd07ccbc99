import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** One command's outcome, as an ioredis pipeline returns it. */
export type Reply = [Error | null, unknown];

/** The ioredis Cluster behind a client, when the store runs on a cluster (see connect.ts). */
export function clusterOf(redis: Redis): Cluster | null {
  return redis.isCluster ? (redis as unknown as Cluster) : null;
}

/**
 * Whether a command's error means the cluster node did not run it: the slot moved (MOVED, ASK),
 * is being moved (TRYAGAIN), or has no master yet (CLUSTERDOWN, mid-failover). Running it again
 * elsewhere, or later, cannot run it twice.
 */
export function isNotRun(err: Error | null | undefined): boolean {
  return Boolean(err && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/.test(err.message));
}

/** How often a slot's pipeline is sent again when its node did not run it (see {@link SlotBatch}). */
const NOT_RUN_RETRIES = 3;

/** One slot's commands: the pipeline, and how to build it again. */
interface SlotWork<P> {
  pipe: P;
  adds: ((p: P) => unknown)[];
  /** Positions of commands that touch no key (WAIT): they run on whichever node gets the pipeline. */
  keyless: Set<number>;
}

/**
 * Commands on keys of several slots in as few round trips as the deployment allows: on one Redis
 * server one pipeline (one round trip, as a plain pipeline); on a cluster one pipeline per slot,
 * all sent at once, so no pipeline spans two slots and their round trips overlap. Replies come
 * back in the order the commands were added. Atomicity is per script or MULTI, never per batch.
 *
 * On a cluster, a slot's pipeline whose every keyed command came back "not run" (MOVED, ASK,
 * TRYAGAIN, CLUSTERDOWN: a failover or resharding under way) is sent again, up to 3 times, after
 * the client re-learns the slot table. ioredis retries a cluster pipeline itself only when every
 * command failed alike or succeeded read-only; a WAIT that ran beside a moved write is neither, so
 * without this a waited write in a failover failed although nothing had run. ASK is not followed
 * with ASKING here (a slot being migrated by hand): those tries fail and the error stands.
 */
export class SlotBatch<P extends ChainableCommander = ChainableCommander> {
  private readonly slots = new Map<number, SlotWork<P>>();
  private readonly order: [SlotWork<P>, number][] = [];

  constructor(private readonly redis: Redis) {}

  /** Queues the commands `add` puts on the pipeline of `key`'s slot; they must all be in that slot. */
  on(key: string, add: (p: P) => unknown): this {
    const slot = this.redis.isCluster ? calculateSlot(key) : 0;
    let w = this.slots.get(slot);
    if (!w) {
      w = { pipe: this.redis.pipeline() as P, adds: [], keyless: new Set() };
      this.slots.set(slot, w);
    }
    const before = w.pipe.length;
    add(w.pipe);
    w.adds.push(add);
    for (let i = before; i < w.pipe.length; i++) this.order.push([w, i]);
    return this;
  }

  /** Queues `WAIT replicas timeoutMs` on `key`'s pipeline, after the commands already there. */
  wait(key: string, replicas: number, timeoutMs: number): this {
    this.on(key, (p) => p.wait(replicas, timeoutMs));
    const [w, i] = this.order.at(-1) as [SlotWork<P>, number];
    w.keyless.add(i);
    return this;
  }

  /** How many commands are queued. */
  get length(): number {
    return this.order.length;
  }

  /** Sends every pipeline; each command's [error, reply], in the order added. */
  async execRaw(): Promise<Reply[]> {
    const works = [...this.slots.values()];
    const results = await Promise.all(works.map((w) => this.send(w)));
    const byWork = new Map<SlotWork<P>, Reply[]>();
    works.forEach((w, i) => {
      byWork.set(w, results[i] as Reply[]);
    });
    return this.order.map(([w, i]) => byWork.get(w)?.[i] ?? [new Error('missing reply'), null]);
  }

  /** Sends every pipeline; the replies in the order added. Throws the first command error. */
  async exec(): Promise<unknown[]> {
    return (await this.execRaw()).map(([err, v]) => {
      if (err) throw err;
      return v;
    });
  }

  /** One slot's pipeline, sent again while its node did not run it (cluster only). */
  private async send(w: SlotWork<P>): Promise<Reply[]> {
    const cluster = clusterOf(this.redis);
    let replies = await w.pipe.exec();
    for (let n = 0; cluster && replies && n < NOT_RUN_RETRIES && notRun(replies, w.keyless); n++) {
      await relearnSlots(cluster);
      const pipe = this.redis.pipeline() as P;
      for (const add of w.adds) add(pipe);
      replies = await pipe.exec();
    }
    if (!replies) throw new Error('pipeline discarded');
    return replies;
  }
}

/** Whether no keyed command of a pipeline ran: each came back not run (WAIT runs anywhere). */
function notRun(replies: Reply[], keyless: Set<number>): boolean {
  return (
    replies.some(([err]) => isNotRun(err)) && replies.every(([err], i) => keyless.has(i) || isNotRun(err))
  );
}

/** Re-learns the slot table, then waits the client's failover delay before the next try. */
async function relearnSlots(cluster: Cluster): Promise<void> {
  await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
  const delay = cluster.options.retryDelayOnFailover ?? 100;
  await new Promise((r) => setTimeout(r, delay));
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
