import { type APIMessage, type REST, Routes } from 'discord.js';
import type { Logger } from '../../engine/api.js';
import type { ChatPort, MessageRef } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import { asRateLimited } from './rate-limit.js';
import { newReport, renderView } from './render.js';

/**
 * The outbound side for the scheduler: posts a daily question to a channel as an embed with
 * buttons, and edits it at close. Goes through the client's REST manager: a short rate-limit
 * wait is done inline, a long one (a 429 with a long retry_after) rejects with the engine's
 * RateLimitedError so the scheduler retries the channel after the wait; other failures (missing
 * access, unknown channel) reject with discord.js's DiscordAPIError.
 */
export class DiscordChatPort implements ChatPort {
  constructor(
    private readonly rest: REST,
    private readonly log: Logger,
  ) {}

  private body(view: View, where: object) {
    const report = newReport();
    const msg = renderView(view, report);
    if (report.droppedButtons.length || report.droppedFields)
      this.log.warn({ ...where, ...report }, 'view cut to fit Discord');
    // Deck text is user content: never let it ping @everyone, roles or users.
    return { ...msg, allowed_mentions: { parse: [] } };
  }

  /** Posts a public view to a channel; resolves once Discord has stored it. */
  async post(channelId: string, view: View): Promise<MessageRef> {
    const msg = (await this.rest
      .post(Routes.channelMessages(channelId), { body: this.body(view, { channelId }) })
      .catch((err: unknown) => Promise.reject(asRateLimited(err)))) as APIMessage;
    return { channelId, messageId: msg.id };
  }

  /** Replaces a posted message with a new view (buttons the view lacks are removed). */
  async update(ref: MessageRef, view: View): Promise<void> {
    await this.rest
      .patch(Routes.channelMessage(ref.channelId, ref.messageId), { body: this.body(view, { ...ref }) })
      .catch((err: unknown) => Promise.reject(asRateLimited(err)));
  }
}
