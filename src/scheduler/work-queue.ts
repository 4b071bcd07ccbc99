import PQueue from 'p-queue';

/** Why a work item's signal was aborted. */
export class WorkAborted extends Error {
  override readonly name = 'WorkAborted';
  constructor(
    /** `timeout`: the item ran past its time; `shutdown`: the queue was closed. */
    readonly reason: 'timeout' | 'shutdown',
    readonly key: string,
    ms: number,
  ) {
    super(reason === 'timeout' ? `${key} ran past ${ms} ms` : `${key} stopped by shutdown after ${ms} ms`);
  }
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Items running at once. */
  concurrency: number;
  /** How long one item may run before its signal aborts and its slot is freed, ms. */
  timeoutMs: number;
  /** Called with what an item threw, or with a {@link WorkAborted} when it was given up. */
  onError: (error: unknown, key: string) => void;
}

/** Resolves or rejects with `work`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The scheduler's work items (open a channel's round, close a round), run with bounded
 * concurrency on p-queue. Each item gets an AbortSignal that aborts after `timeoutMs`; the slot
 * is freed at that moment even if the item ignores the signal, so a hung socket or a long
 * rate-limit wait holds one slot for at most `timeoutMs` and never the others. A key is queued
 * or running at most once, so a tick that finds an entry still in hand does not add it again.
 */
export class WorkQueue {
  private readonly q: PQueue;
  private readonly inHand = new Map<string, AbortController>();
  private readonly running = new Set<string>();
  private closed = false;

  constructor(private readonly o: WorkQueueOptions) {
    this.q = new PQueue({ concurrency: Math.max(1, o.concurrency) });
  }

  /** Items queued or running. */
  get size(): number {
    return this.inHand.size;
  }

  /** Items waiting for a slot. */
  get waiting(): number {
    return this.q.size;
  }

  /** Whether `key` is queued or running. */
  has(key: string): boolean {
    return this.inHand.has(key);
  }

  /**
   * Queues `fn` under `key`; resolves when it finished, failed or was given up (never rejects).
   * Returns null, doing nothing, when the key is already in hand or the queue is closed.
   */
  add(key: string, fn: (signal: AbortSignal) => Promise<void>): Promise<void> | null {
    if (this.closed || this.inHand.has(key)) return null;
    const ctl = new AbortController();
    this.inHand.set(key, ctl);
    const run = async () => {
      // Closed while waiting: dropped before starting, so nothing of it ran and its due entry
      // (never leased) is picked up again by the next tick of any instance.
      if (this.closed) {
        this.inHand.delete(key);
        return;
      }
      this.running.add(key);
      const timer = setTimeout(
        () => ctl.abort(new WorkAborted('timeout', key, this.o.timeoutMs)),
        this.o.timeoutMs,
      );
      try {
        await untilAborted(fn(ctl.signal), ctl.signal);
      } catch (error) {
        this.o.onError(error, key);
      } finally {
        clearTimeout(timer);
        this.running.delete(key);
        this.inHand.delete(key);
      }
    };
    return this.q.add(run).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Resolves once fewer than `limit` items wait for a slot (running ones not counted). */
  async room(limit: number): Promise<void> {
    if (this.q.size >= limit) await this.q.onSizeLessThan(limit);
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    if (this.inHand.size > 0) await this.q.onIdle();
  }

  /**
   * Takes no more work, drops the items still waiting, and waits for the running ones until
   * `deadline` (epoch ms); then aborts those still running, which frees their slots at once.
   * True when everything finished in time.
   */
  async close(deadline: number): Promise<boolean> {
    this.closed = true;
    const ms = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.idle().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    if (!done) {
      for (const key of this.running) this.inHand.get(key)?.abort(new WorkAborted('shutdown', key, ms));
      await this.idle();
    }
    return done;
  }
}
