import { type RateLimitData, RateLimitError, type RESTOptions } from 'discord.js';
import { INLINE_RATE_LIMIT_WAIT_MS, RateLimitedError } from '../../engine/errors.js';

/**
 * discord.js `rest.rejectOnRateLimit`: true for a channel route (the daily post and its results
 * edit) whose wait is longer than {@link INLINE_RATE_LIMIT_WAIT_MS}. Such a wait, a 429 with
 * `Retry-After: 600` say, rejects at once instead of holding a scheduler work slot, and the
 * scheduler puts that channel back for after the wait. Short waits (the 50/s global bucket)
 * stay inline, within the item's timeout.
 */
export function rejectLongChannelWaits(data: RateLimitData): boolean {
  return (
    data.route.startsWith('/channels/') &&
    Math.max(data.retryAfter, data.timeToReset) > INLINE_RATE_LIMIT_WAIT_MS
  );
}

/**
 * The REST options of every Discord client quizbot makes (gateway or HTTP mode): the REST base, and
 * a long rate-limit wait on a channel route rejects at once (see above): the scheduler retries that
 * channel later instead of a work item waiting inline.
 */
export function restOptions(apiUrl: string | undefined): Partial<RESTOptions> {
  return { ...(apiUrl ? { api: apiUrl } : {}), rejectOnRateLimit: rejectLongChannelWaits };
}

/** discord.js's RateLimitError as the engine's {@link RateLimitedError}; anything else unchanged. */
export function asRateLimited(err: unknown): unknown {
  if (!(err instanceof RateLimitError)) return err;
  const wait = Math.max(err.retryAfter, err.timeToReset);
  return new RateLimitedError(
    wait,
    `discord rate limit on ${err.method} ${err.route}: retry after ${wait} ms`,
    {
      cause: err,
    },
  );
}
