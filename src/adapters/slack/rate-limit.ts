import { type Logger, webApi } from '@slack/bolt';
import { INLINE_RATE_LIMIT_WAIT_MS, RateLimitedError } from '../../engine/errors.js';

/**
 * The Web API client of the scheduler's posts and results edits. A 429 rejects at once
 * (`rejectRateLimitedCalls`) instead of pausing the client's whole queue for `Retry-After`, and
 * nothing is retried inside the client: {@link withinRateLimit} waits a short Retry-After once,
 * the scheduler retries everything else after the wait or its backoff. So one channel's limit
 * or a slow call never holds a work slot, and no retry of a `chat.postMessage` can land after
 * the scheduler gave up on it.
 */
export function outboundClient(
  token: string,
  clientOptions: webApi.WebClientOptions,
  logger: Logger,
): webApi.WebClient {
  return new webApi.WebClient(token, {
    ...clientOptions,
    logger,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

/** The Web API client's rate-limited error as the engine's {@link RateLimitedError}; anything else unchanged. */
export function asRateLimited(err: unknown): unknown {
  const e = err as { code?: unknown; retryAfter?: unknown };
  if (e?.code !== webApi.ErrorCode.RateLimitedError || typeof e.retryAfter !== 'number') return err;
  return new RateLimitedError(e.retryAfter * 1000, `slack rate limit: retry after ${e.retryAfter} s`, {
    cause: err,
  });
}

/**
 * Runs a Web API call; after a 429 asking for at most {@link INLINE_RATE_LIMIT_WAIT_MS}, waits
 * and calls once more (a rate-limited call did nothing, so repeating it is safe). A longer wait,
 * or a second 429, rejects with {@link RateLimitedError} for the scheduler.
 */
export async function withinRateLimit<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const limited = asRateLimited(err);
    if (!(limited instanceof RateLimitedError) || limited.retryAfterMs > INLINE_RATE_LIMIT_WAIT_MS)
      throw limited;
    await new Promise((r) => setTimeout(r, limited.retryAfterMs));
    return call().catch((again: unknown) => Promise.reject(asRateLimited(again)));
  }
}
