import type { webApi } from '@slack/bolt';
import type { ChatPort, MessageRef } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import { withinRateLimit } from './rate-limit.js';
import { renderView } from './render.js';

/**
 * The outbound side for the scheduler: daily questions posted with `chat.postMessage` and edited
 * at close with `chat.update`, through a client that neither queues behind a 429 nor retries
 * (see rate-limit.ts): a short Retry-After is waited once, a long one rejects with the engine's
 * RateLimitedError and the scheduler retries the channel after it, so a daily post is delayed,
 * not lost, and never holds a work slot; other failures reject.
 */
export class SlackChatPort implements ChatPort {
  constructor(private readonly client: webApi.WebClient) {}

  async post(channelId: string, view: View): Promise<MessageRef> {
    const msg = renderView(view);
    const res = await withinRateLimit(() =>
      this.client.chat.postMessage({ channel: channelId, text: msg.text, blocks: msg.blocks }),
    );
    if (!res.ts) throw new Error(`chat.postMessage to ${channelId} returned no ts`);
    return { channelId: res.channel ?? channelId, messageId: res.ts };
  }

  async update(ref: MessageRef, view: View): Promise<void> {
    const msg = renderView(view);
    await withinRateLimit(() =>
      this.client.chat.update({
        channel: ref.channelId,
        ts: ref.messageId,
        text: msg.text,
        blocks: msg.blocks,
      }),
    );
  }
}
