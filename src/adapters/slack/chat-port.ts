import type { webApi } from '@slack/bolt';
import type { ChatPort, MessageRef } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import { renderView } from './render.js';

/**
 * The outbound side for the scheduler: daily questions posted with `chat.postMessage` and edited
 * at close with `chat.update`. Rate limits (429) are waited out and retried by the Web API client
 * (its `retryConfig`), so a daily post is delayed, not lost; other failures reject.
 */
export class SlackChatPort implements ChatPort {
  constructor(private readonly client: webApi.WebClient) {}

  async post(channelId: string, view: View): Promise<MessageRef> {
    const msg = renderView(view);
    const res = await this.client.chat.postMessage({
      channel: channelId,
      text: msg.text,
      blocks: msg.blocks,
    });
    if (!res.ts) throw new Error(`chat.postMessage to ${channelId} returned no ts`);
    return { channelId: res.channel ?? channelId, messageId: res.ts };
  }

  async update(ref: MessageRef, view: View): Promise<void> {
    const msg = renderView(view);
    await this.client.chat.update({
      channel: ref.channelId,
      ts: ref.messageId,
      text: msg.text,
      blocks: msg.blocks,
    });
  }
}
