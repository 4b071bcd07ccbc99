import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** How long a served chart lives by default: Slack fetches an image block's URL within seconds. */
export const CHART_TTL_MS = 60 * 60 * 1000;

/** A chart id: 128 random bits, base64url (22 characters); anything else is refused before a lookup. */
export const CHART_ID = /^[A-Za-z0-9_-]{22}$/;

/** A stored chart and how long it has left. */
export interface StoredChart {
  png: Buffer;
  /** Milliseconds until it expires (> 0). */
  remainingMs: number;
}

/**
 * Short-lived PNGs served at `${PUBLIC_URL}/charts/<id>.png` for Slack image blocks. Redis when the
 * bot runs on Redis, so whichever replica serves the URL finds the picture another one rendered.
 */
export interface ChartStore {
  /** Keeps `png` for `ttlMs` under a new unguessable id, which it returns. */
  put(png: Buffer, ttlMs: number): Promise<string>;
  /** The chart, or null when the id is unknown or expired. */
  get(id: string): Promise<StoredChart | null>;
}

/** A new chart id (128 bits). */
export function newChartId(): string {
  return randomBytes(16).toString('base64url');
}

/** Redis keys `<prefix>:chart:<id>`, binary values that expire by themselves (PX). */
export class RedisChartStore implements ChartStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'qb',
  ) {}

  private key(id: string): string {
    return `${this.prefix}:chart:${id}`;
  }

  async put(png: Buffer, ttlMs: number): Promise<string> {
    const id = newChartId();
    await this.redis.set(this.key(id), png, 'PX', Math.max(1, Math.round(ttlMs)));
    return id;
  }

  async get(id: string): Promise<StoredChart | null> {
    if (!CHART_ID.test(id)) return null;
    const [png, ttl] = await Promise.all([this.redis.getBuffer(this.key(id)), this.redis.pttl(this.key(id))]);
    return png && ttl > 0 ? { png, remainingMs: ttl } : null;
  }
}

/**
 * One process (the embedded store): charts in memory, dropped when they expire (checked on every
 * put and get) and bounded in number, oldest first.
 */
export class MemoryChartStore implements ChartStore {
  private readonly charts = new Map<string, { png: Buffer; until: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = 500,
  ) {}

  async put(png: Buffer, ttlMs: number): Promise<string> {
    this.sweep();
    while (this.charts.size >= this.max) {
      const oldest = this.charts.keys().next().value as string;
      this.charts.delete(oldest);
    }
    const id = newChartId();
    this.charts.set(id, { png, until: this.now() + ttlMs });
    return id;
  }

  async get(id: string): Promise<StoredChart | null> {
    if (!CHART_ID.test(id)) return null;
    this.sweep();
    const c = this.charts.get(id);
    return c ? { png: c.png, remainingMs: c.until - this.now() } : null;
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, c] of this.charts) if (c.until <= t) this.charts.delete(id);
  }
}

/** The URL of a chart under `publicUrl` (which may have a path prefix). */
export function chartUrl(publicUrl: string, id: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return new URL(`charts/${id}.png`, base).toString();
}
