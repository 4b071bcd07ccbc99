import type { Clock, TeamRef, TeamStore } from '../ports.js';

/** A platform call given up because it took longer than its timeout. */
export class OutboundTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`platform call gave no answer within ${ms} ms`);
    this.name = 'OutboundTimeoutError';
  }
}

/** A post given up because another process took its claim over (a newer generation). */
export class ClaimLostError extends Error {
  constructor(readonly roundId: string) {
    super(`claim of ${roundId} taken over by another process`);
    this.name = 'ClaimLostError';
  }
}

/** Resolves or rejects with `work`, or rejects with the signal's reason as soon as it fires. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Runs one outbound platform call with a timeout: the call gets a signal that fires after `ms`, or
 * when `outer` fires (the caller gave up), and the caller stops waiting then even if the adapter does not.
 */
export async function withTimeout<T>(
  ms: number,
  call: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new OutboundTimeoutError(ms)), ms);
  const signal = outer ? AbortSignal.any([ac.signal, outer]) : ac.signal;
  try {
    return await untilAborted(call(signal), signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The claim a post runs under, and how it is kept alive. */
export interface HeldClaim {
  /** The team store holding the claim. */
  store: TeamStore;
  /** The round's team. */
  team: TeamRef;
  /** The round. */
  roundId: string;
  /** The claim's generation: the fencing token of every write. */
  generation: number;
  /** Time source of lease ends. */
  clock: Clock;
  /** Length of a lease, ms. */
  leaseMs: number;
  /** How often the lease is renewed while the call runs, ms (shorter than the lease). */
  renewEveryMs: number;
  /** Timeout of the call, ms (shorter than the lease). */
  timeoutMs: number;
  /** Told about renewals that failed (the store was unreachable): the lease may lapse. */
  onRenewError?: (err: unknown) => void;
  /** The caller's signal (its work item was given up): aborts the call too. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs a post under a held claim: with a timeout shorter than the lease, and renewing the lease
 * while the call is in flight, so a slow but live post is never taken over. When a renewal finds
 * the claim taken over (a newer generation), the call is aborted at once: the new holder posts
 * the same round, idempotently.
 */
export async function underClaim<T>(c: HeldClaim, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new OutboundTimeoutError(c.timeoutMs)), c.timeoutMs);
  const signal = c.signal ? AbortSignal.any([ac.signal, c.signal]) : ac.signal;
  let renewing: Promise<void> = Promise.resolve();
  const renew = setInterval(() => {
    renewing = renewing.then(async () => {
      if (signal.aborted) return;
      try {
        const now = c.clock.now();
        const out = await c.store.renewClaim(c.team, c.roundId, c.generation, now, now + c.leaseMs);
        if (out === 'lost') ac.abort(new ClaimLostError(c.roundId));
      } catch (err) {
        c.onRenewError?.(err);
      }
    });
  }, c.renewEveryMs);
  try {
    return await untilAborted(call(signal), signal);
  } finally {
    clearTimeout(timer);
    clearInterval(renew);
    await renewing;
  }
}
