import { createHash } from 'node:crypto';

/**
 * Remembers which Slack deliveries were already taken, so a re-sent request (`X-Slack-Retry-Num`,
 * or a Socket Mode envelope with `retry_attempt`) is acknowledged but not handled twice.
 */
export interface DeliveryLog {
  /** True the first time `key` is seen within the retention window; false for every repeat. */
  first(key: string): Promise<boolean>;
}

/** Defaults of {@link MemoryDeliveryLog}. */
export const DELIVERY_DEFAULTS = {
  /** Slack re-sends within minutes; keep keys a little longer. */
  ttlMs: 10 * 60_000,
  /** Bound on memory: the oldest keys go first. */
  maxKeys: 20_000,
} as const;

/**
 * An in-process {@link DeliveryLog}: it sees the re-sends that reach this replica only. Replicas do
 * not share one (none is backed by Redis); a re-send that reaches another replica is made harmless
 * by the engine instead (a daily answer keeps its request id, so it is answered alike).
 */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number = DELIVERY_DEFAULTS.ttlMs,
    private readonly maxKeys: number = DELIVERY_DEFAULTS.maxKeys,
    private readonly now: () => number = Date.now,
  ) {}

  async first(key: string): Promise<boolean> {
    const t = this.now();
    // Map keeps insertion order, so expired and surplus keys sit at the front.
    for (const [k, at] of this.seen) {
      if (t - at < this.ttlMs && this.seen.size < this.maxKeys) break;
      this.seen.delete(k);
    }
    if (this.seen.has(key)) return false;
    this.seen.set(key, t);
    return true;
  }
}

interface DeliveryBody {
  type?: string;
  event_id?: string;
  trigger_id?: string;
  command?: string;
  actions?: Array<{ action_id?: string; action_ts?: string }>;
}

/**
 * The identity of one delivery, the same on every re-send of it: the event id for events, the
 * trigger id (unique per invocation) for commands and actions, else a hash of the body.
 */
export function deliveryKey(body: unknown): string {
  const b = (body ?? {}) as DeliveryBody;
  if (b.event_id) return `e:${b.event_id}`;
  if (b.trigger_id) {
    const a = b.actions?.[0];
    return `t:${b.trigger_id}:${a?.action_id ?? b.command ?? b.type ?? ''}:${a?.action_ts ?? ''}`;
  }
  return `h:${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}`;
}
