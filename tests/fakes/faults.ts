import type { ServerResponse } from 'node:http';

/**
 * Transport faults the local fakes can play on matching requests, the ways a real platform call
 * goes wrong between a bot and Discord or Slack. Shared by both fakes, so a fault test reads the
 * same on either platform.
 *
 * - `drop`: the platform does the work (the message is created), then the connection is cut
 *   before any response: the client sees a socket error and cannot know the post landed.
 * - `late`: the platform does the work, and answers only after `ms` (past the client's timeout,
 *   the client gives up while the message exists).
 * - `stall`: nothing happens for `ms`, then the request is handled normally (a slow platform).
 * - `hang`: the request is never answered and nothing is done; the socket stays open until the
 *   client gives up or the fake closes.
 */
export type FaultKind = 'drop' | 'late' | 'stall' | 'hang';

/** One planned fault. */
export interface Fault {
  /** What goes wrong. */
  kind: FaultKind;
  /** Delay of `late` and `stall`, ms. */
  ms?: number;
}

/** A fault for the requests a rule matches. */
export interface FaultRule<Req> extends Fault {
  /** Which requests get it. */
  match: (req: Req) => boolean;
  /** How many matching requests get it; default 1 (`Infinity` for all). */
  times?: number;
}

/** The faults planned on one fake, taken in the order they were added. */
export class FaultPlan<Req> {
  private readonly rules: (FaultRule<Req> & { left: number })[] = [];

  /** Plans a fault. */
  add(rule: FaultRule<Req>): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  /** The fault for this request (counting it down), or undefined. */
  take(req: Req): Fault | undefined {
    const rule = this.rules.find((r) => r.left > 0 && r.match(req));
    if (!rule) return undefined;
    rule.left--;
    return rule.ms === undefined ? { kind: rule.kind } : { kind: rule.kind, ms: rule.ms };
  }

  /** Forgets every planned fault. */
  clear(): void {
    this.rules.length = 0;
  }
}

/** Waits `ms` (the fake's own timer: faults play out in real time against real clients). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Plays the part of a fault that comes after the work was done: `drop` cuts the connection,
 * `late` waits before `respond` runs; anything else responds at once.
 */
export async function respondWith(
  fault: Fault | undefined,
  res: ServerResponse,
  respond: () => void,
): Promise<void> {
  if (fault?.kind === 'drop') {
    res.socket?.destroy();
    return;
  }
  if (fault?.kind === 'late') await pause(fault.ms ?? 0);
  if (res.socket?.destroyed || res.writableEnded) return;
  respond();
}
