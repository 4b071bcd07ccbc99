import type { webApi } from '@slack/bolt';
import type { CallOptions, ChatPort, MessageRef, PostOptions } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import { type PictureDeps, sharePicture } from './picture.js';
import { withinRateLimit } from './rate-limit.js';
import { renderView } from './render.js';

/** The message metadata `event_type` of a daily question; its `event_payload` holds `round_id`. */
export const ROUND_EVENT_TYPE = 'quizbot_round';

/** Tunables of {@link SlackChatPort}'s lookup. */
export const SLACK_LOOKUP_DEFAULTS = {
  /** How far before the claim a lookup starts, for clocks that disagree (ours and Slack's ts). */
  slackMs: 10 * 60_000,
  /** Messages per history page (Slack recommends at most 200) and pages at most. */
  page: 200,
  pages: 5,
};

/**
 * The outbound side for the scheduler: daily questions posted with `chat.postMessage` and edited
 * at close with `chat.update`, through a client that neither queues behind a 429 nor retries
 * (see rate-limit.ts): a short Retry-After is waited once, a long one rejects with the engine's
 * RateLimitedError and the scheduler retries the channel after it; a call the engine gave up on is
 * never sent again by the client. The engine stops waiting at its signal; the WebClient cannot
 * abort a call in flight, its own timeout ends it.
 *
 * Exactly once on Slack: every question carries message metadata (`quizbot_round`, with the
 * round id); a retry first looks the round up in `conversations.history` since the claim
 * (`include_all_metadata`), so a post that landed although its response was lost is found, not
 * posted again. Needs the `channels:history` (and `groups:history`) scope.
 */
export class SlackChatPort implements ChatPort {
  /** Our bot's id (`auth.test` `bot_id`), asked once, at the first lookup. */
  private botId: Promise<string> | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly o = SLACK_LOOKUP_DEFAULTS,
    /** Charts of edited messages (a closed round's picks) go up as files in the message's thread. */
    private readonly pictures?: Omit<PictureDeps, 'client'>,
  ) {}

  async post(channelId: string, view: View, opts: PostOptions): Promise<MessageRef> {
    if (opts.retry) {
      const ts = await this.find(channelId, opts);
      if (ts) return { channelId, messageId: ts };
    }
    const msg = renderView(view);
    const res = await withinRateLimit(() =>
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

  /** The engine's signal is not passed on: the WebClient cannot abort a call, its timeout ends it. */
  async update(ref: MessageRef, view: View, _opts: CallOptions): Promise<void> {
    const msg = renderView(view);
    await withinRateLimit(() =>
      this.client.chat.update({
        channel: ref.channelId,
        ts: ref.messageId,
        text: msg.text,
        blocks: msg.blocks,
      }),
    );
    if (view.chart && this.pictures) await sharePicture({ ...this.pictures, client: this.client }, view, ref);
  }

  /** Our bot's id; a failed ask is asked again next time. */
  private self(): Promise<string> {
    this.botId ??= withinRateLimit(() => this.client.auth.test()).then((r) => {
      if (!r.bot_id) throw new Error('auth.test returned no bot_id');
      return r.bot_id;
    });
    this.botId.catch(() => {
      this.botId = undefined;
    });
    return this.botId;
  }

  /**
   * The ts of this round's message posted since the claim by our bot, or null. Only our bot's
   * messages count: any app can post metadata naming the round.
   */
  private async find(channelId: string, opts: PostOptions): Promise<string | null> {
    const botId = await this.self();
    const oldest = (Math.max(0, opts.since - this.o.slackMs) / 1000).toFixed(6);
    let cursor: string | undefined;
    for (let page = 0; page < this.o.pages; page++) {
      opts.signal.throwIfAborted();
      const res = await withinRateLimit(() =>
        this.client.conversations.history({
          channel: channelId,
          oldest,
          inclusive: true,
          include_all_metadata: true,
          limit: this.o.page,
          ...(cursor ? { cursor } : {}),
        }),
      );
      const hit = (res.messages ?? []).find((m) => {
        const payload = m.metadata?.event_payload as Record<string, unknown> | undefined;
        return (
          m.bot_id === botId && m.metadata?.event_type === ROUND_EVENT_TYPE && payload?.round_id === opts.key
        );
      });
      if (hit?.ts) return hit.ts;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!res.has_more || !cursor) return null;
    }
    return null;
  }
}
