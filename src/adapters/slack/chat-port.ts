import { webApi } from '@slack/bolt';
import type { CallOptions, ChatPort, MessageRef, PostOptions } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import { renderView } from './render.js';

/** The message metadata `event_type` of a daily question; its `event_payload` holds `round_id`. */
export const ROUND_EVENT_TYPE = 'quizbot_round';

/** Tunables of {@link SlackChatPort}. */
export const SLACK_CHAT_DEFAULTS = {
  /** A 429 asking to wait at most this long is waited out here; a longer one fails the call. */
  maxRateLimitWaitMs: 5_000,
  /** How far before the claim a lookup starts, for clocks that disagree (ours and Slack's ts). */
  lookupSlackMs: 10 * 60_000,
  /** Messages per history page (Slack recommends at most 200) and pages at most. */
  lookupPage: 200,
  lookupPages: 5,
};

/** Waits `ms`, or rejects when the signal fires first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Slack's `Retry-After` of a rate-limited call, ms, or null for any other error. */
function retryAfterMs(err: unknown): number | null {
  const e = err as { code?: string; retryAfter?: number };
  return e?.code === webApi.ErrorCode.RateLimitedError && typeof e.retryAfter === 'number'
    ? e.retryAfter * 1000
    : null;
}

/**
 * The outbound side for the scheduler: daily questions posted with `chat.postMessage` and edited
 * at close with `chat.update`. Give it a WebClient of its own that never retries by itself
 * (`retries: 0`, `rejectRateLimitedCalls`, a `timeout` shorter than the claim lease): a call the
 * engine gave up on must never be sent again later by the client. Short 429s are waited out here;
 * longer ones fail, and the scheduler retries later.
 *
 * Exactly once on Slack: every question carries message metadata (`quizbot_round`, with the
 * round id); a retry first looks the round up in `conversations.history` since the claim
 * (`include_all_metadata`), so a post that landed although its response was lost is found, not
 * posted again. Needs the `channels:history` (and `groups:history`) scope.
 */
export class SlackChatPort implements ChatPort {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly o = SLACK_CHAT_DEFAULTS,
  ) {}

  async post(channelId: string, view: View, opts: PostOptions): Promise<MessageRef> {
    if (opts.retry) {
      const ts = await this.find(channelId, opts);
      if (ts) return { channelId, messageId: ts };
    }
    const msg = renderView(view);
    const res = await this.call(opts.signal, () =>
      this.client.chat.postMessage({
        channel: channelId,
        text: msg.text,
        blocks: msg.blocks,
        metadata: { event_type: ROUND_EVENT_TYPE, event_payload: { round_id: opts.key } },
      }),
    );
    if (!res.ts) throw new Error(`chat.postMessage to ${channelId} returned no ts`);
    return { channelId: res.channel ?? channelId, messageId: res.ts };
  }

  async update(ref: MessageRef, view: View, opts: CallOptions): Promise<void> {
    const msg = renderView(view);
    await this.call(opts.signal, () =>
      this.client.chat.update({
        channel: ref.channelId,
        ts: ref.messageId,
        text: msg.text,
        blocks: msg.blocks,
      }),
    );
  }

  /** The ts of this round's message posted since the claim, or null. */
  private async find(channelId: string, opts: PostOptions): Promise<string | null> {
    const oldest = (Math.max(0, opts.since - this.o.lookupSlackMs) / 1000).toFixed(6);
    let cursor: string | undefined;
    for (let page = 0; page < this.o.lookupPages; page++) {
      const res = await this.call(opts.signal, () =>
        this.client.conversations.history({
          channel: channelId,
          oldest,
          inclusive: true,
          include_all_metadata: true,
          limit: this.o.lookupPage,
          ...(cursor ? { cursor } : {}),
        }),
      );
      const hit = (res.messages ?? []).find((m) => {
        const payload = m.metadata?.event_payload as Record<string, unknown> | undefined;
        return m.metadata?.event_type === ROUND_EVENT_TYPE && payload?.round_id === opts.key;
      });
      if (hit?.ts) return hit.ts;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!res.has_more || !cursor) return null;
    }
    return null;
  }

  /**
   * Runs a call, waiting out short rate limits (abortably). A call in flight cannot be aborted in
   * the WebClient: the client's own timeout ends it, and the engine stops waiting at its signal.
   */
  private async call<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      signal.throwIfAborted();
      try {
        return await fn();
      } catch (err) {
        const wait = retryAfterMs(err);
        if (wait === null || wait > this.o.maxRateLimitWaitMs) throw err;
        await sleep(wait, signal);
      }
    }
  }
}
