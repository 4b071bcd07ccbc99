import type { Redis } from 'ioredis';
import { RateLimitedError } from '../../engine/errors.js';
import type { ChatPort } from '../../engine/ports.js';
import { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';

/** Options of {@link RedisRateGate}. */
export interface RateGateOptions {
  /** Name of the shared rate (one key per name), e.g. `discord-global`. */
  name: string;
  /** Requests a second, all processes together. */
  perSecond: number;
  /** Longest wait for a slot; a longer one throws {@link RateLimitedError} so the caller retries later. Default 10 s. */
  maxWaitMs?: number;
  /** Share of `perSecond` the slots use (default {@link RATE_HEADROOM}). */
  headroom?: number;
}

/**
 * Slots use 90 % of the platform's rate. The slots are evenly spaced on Redis's clock, but each
 * process sends at its own event loop's pace: a loop that lags sends several due slots together,
 * and a window counted at the platform then sees more than the rate. At 100 % a 10,000-channel
 * fan-out by 3 processes drew 2,000–3,300 429s from a strict 500/s limiter (bench section 5b), and
 * Discord counts 429s toward the invalid-request limit that gets a bot's IP banned. At 90 %: 81–122;
 * at 95 %: 46–516, and each 429 sends its channel to a later retry, so the fan-out's tail grew.
 */
export const RATE_HEADROOM = 0.9;

/**
 * One request rate shared by every process on the same Redis: before each request a process
 * reserves the next free slot (`lua/rateSlot-1.lua`, one round trip) and sleeps until it. Slots
 * are evenly spaced below the rate ({@link RATE_HEADROOM}), so a window counted where the requests
 * arrive stays under the rate even when a process sends a little late.
 */
export class RedisRateGate {
  private readonly key: string;
  /** Milliseconds between two slots, all processes together. */
  readonly intervalMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly redis: Redis,
    opts: RateGateOptions,
    keys = new Keys(),
  ) {
    this.key = keys.rateSlot(opts.name);
    this.intervalMs = 1000 / (opts.perSecond * (opts.headroom ?? RATE_HEADROOM));
    this.maxWaitMs = opts.maxWaitMs ?? 10_000;
  }

  /** Resolves when this process may send one request; rejects with RateLimitedError when the queue is too long, or on `signal`. */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const scripts = this.redis as ScriptedRedis;
    const wait = Number(await scripts.rateSlot(this.key, this.intervalMs, this.maxWaitMs));
    if (wait < 0)
      throw new RateLimitedError(
        this.maxWaitMs,
        `shared rate limit: no free slot within ${this.maxWaitMs} ms`,
      );
    if (wait > 0) await sleep(wait, signal);
  }
}

/** `chat` with every post and update taking a slot of `gate` first (the abort signal ends the wait too). */
export function rateGatedChat(chat: ChatPort, gate: RedisRateGate): ChatPort {
  return {
    post: async (channelId, view, opts) => {
      await gate.acquire(opts.signal);
      return chat.post(channelId, view, opts);
    },
    update: async (ref, view, opts) => {
      await gate.acquire(opts.signal);
      return chat.update(ref, view, opts);
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}
