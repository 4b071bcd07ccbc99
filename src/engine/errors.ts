/**
 * Stable error and outcome codes. Adapters render user-facing text from the code
 * (see {@link errorText}), never from an exception's `message`.
 */
export type QuizErrorCode =
  | 'bad_action'
  | 'stale_action'
  | 'not_owner'
  | 'unknown_deck'
  | 'unknown_card'
  | 'not_admin'
  | 'bad_argument'
  | 'already_answered'
  | 'round_closed'
  | 'unknown_round'
  | 'store_unavailable'
  | 'save_failed'
  | 'deck_invalid'
  | 'shutting_down'
  | 'internal';

/** The one error base: a stable code, a developer message, and the cause. */
export class QuizError extends Error {
  override readonly name = 'QuizError';
  constructor(
    readonly code: QuizErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TEXT: Record<QuizErrorCode, string> = {
  bad_action: 'That button is not one of mine (or it is damaged). Start again with the command.',
  stale_action: 'That button is out of date. Start again with the command.',
  not_owner: 'That button belongs to someone else’s review. Start your own with the review command.',
  unknown_deck: 'There is no deck with that name. List the decks with the decks command.',
  unknown_card: 'That card is no longer in its deck. Start again with the review command.',
  not_admin: 'Only team admins can do that.',
  bad_argument: 'That command has an invalid argument.',
  already_answered: 'You already answered today’s question: only the first answer counts.',
  round_closed: 'This question is closed: answers are no longer accepted.',
  unknown_round: 'This question is no longer known to me.',
  // Not "nothing was saved": a connection lost after a write reached Redis leaves it saved.
  store_unavailable:
    'I cannot reach my database right now. If you were saving something, I cannot confirm it was saved: please try again in a minute (a repeat never counts twice).',
  save_failed:
    'I could not save that to disk (it may be full or read-only). I keep it and try again; if this goes on, tell whoever runs me.',
  deck_invalid: 'That deck is invalid.',
  shutting_down: 'quizbot is restarting right now, and nothing was changed. Please try again in a moment.',
  internal: 'Something went wrong on my side, and nothing was saved. Please try again.',
};

/** Codes that are failures of the bot (logged, counted, shown as errors), not refusals of the request. */
export function isFailure(code: QuizErrorCode | undefined): boolean {
  return code === 'store_unavailable' || code === 'save_failed' || code === 'internal';
}

/** User-facing text for a code. */
export function errorText(code: QuizErrorCode): string {
  return TEXT[code];
}

/** The code of any thrown value: QuizError keeps its own, everything else is `internal`. */
export function codeOf(err: unknown): QuizErrorCode {
  return err instanceof QuizError ? err.code : 'internal';
}

/**
 * A platform refused a call for now (HTTP 429) and said when to try again. Nothing was created,
 * so the work is safe to repeat; the scheduler puts it back for after `retryAfterMs` instead of
 * waiting inline, so one rate-limited channel never holds a work slot.
 */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    /** How long the platform asked to wait, ms. */
    readonly retryAfterMs: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The longest rate-limit wait a chat adapter may do inline, within a scheduler work item (the
 * 50/s global bucket, a one-second 429). A longer wait rejects with {@link RateLimitedError}
 * at once, so one channel's limit never holds a work slot.
 */
export const INLINE_RATE_LIMIT_WAIT_MS = 2_000;

/** The wait a rate-limit error asks for, ms; 0 for any other error. */
export function retryAfterOf(err: unknown): number {
  return err instanceof RateLimitedError ? err.retryAfterMs : 0;
}
