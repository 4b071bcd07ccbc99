import { createHash } from 'node:crypto';
import { type APIMessage, DiscordAPIError, type REST, Routes, SnowflakeUtil } from 'discord.js';
import { pictureOf } from '../../charts/picture.js';
import type { ChartRenderer } from '../../charts/render.js';
import { decodeAction } from '../../engine/actions.js';
import type { Logger } from '../../engine/api.js';
import type { CallOptions, ChatPort, MessageRef, PostOptions } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import { asRateLimited } from './rate-limit.js';
import { newReport, renderView } from './render.js';

/**
 * How far before the claim a lookup for an earlier attempt's message starts, for clocks that
 * disagree (ours and Discord's snowflakes).
 */
const LOOKUP_SLACK_MS = 10 * 60_000;

/** Messages read per lookup page (Discord's maximum) and pages at most. */
const LOOKUP_PAGE = 100;
const LOOKUP_PAGES = 5;

/**
 * Discord's nonce for a post key (a round id): at most 25 characters, as Create Message
 * requires, and the same for every attempt of the round in every process.
 */
export function nonceFor(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 25);
}

/** The round id of an answer button's custom id, or null for any other id. */
function answerRound(customId: string): string | null {
  try {
    const a = decodeAction(customId);
    return a.kind === 'answer' ? a.roundId : null;
  } catch {
    return null; // Another version's or another bot's id: not ours.
  }
}

/**
 * Whether a message is this bot's post of this key: written by our bot user (anyone can copy a
 * round's button ids, and a nonce is unique per author only), with its nonce or an answer button
 * of the round.
 */
function isPostOf(m: APIMessage, selfId: string, key: string, nonce: string): boolean {
  if (m.author.id !== selfId) return false;
  if (m.nonce === nonce) return true;
  return (m.components ?? []).some((row) =>
    ('components' in row ? row.components : []).some((c) => {
      const id = 'custom_id' in c ? c.custom_id : undefined;
      return id !== undefined && answerRound(id) === key;
    }),
  );
}

/**
 * The outbound side for the scheduler: posts a daily question to a channel as an embed with
 * buttons, and edits it at close. Goes through the client's REST manager: a short rate-limit
 * wait is done inline, a long one (a 429 with a long retry_after) rejects with the engine's
 * RateLimitedError so the scheduler retries the channel after the wait; other failures (missing
 * access, unknown channel) reject with discord.js's DiscordAPIError. The engine's abort signal
 * ends a call (also a queued one: discord.js checks it before every attempt).
 *
 * Exactly once on Discord itself: every post carries a nonce derived from the round id with
 * `enforce_nonce`, so Discord returns the first message to a repeated post within its window ("the
 * past few minutes"); a retry first looks for the round's message since the claim, for a retry
 * that comes after that window (needs Read Message History; without it, the nonce alone).
 */
export class DiscordChatPort implements ChatPort {
  constructor(
    private readonly rest: REST,
    private readonly log: Logger,
    /** Our bot user's id: only its messages are taken for an earlier attempt's post. */
    private readonly selfId: string,
    /** Renders a view's chart (a closed round's picks) as an attachment; without it text only. */
    private readonly charts?: ChartRenderer,
  ) {}

  private body(view: View, where: object) {
    const report = newReport();
    const msg = renderView(view, report);
    if (report.droppedButtons.length || report.droppedFields)
      this.log.warn({ ...where, ...report }, 'view cut to fit Discord');
    // Deck text is user content: never let it ping @everyone, roles or users.
    return { ...msg, allowed_mentions: { parse: [] } };
  }

  /** Posts a public view to a channel, once per key; resolves once Discord has stored it. */
  async post(channelId: string, view: View, opts: PostOptions): Promise<MessageRef> {
    const nonce = nonceFor(opts.key);
    if (opts.retry) {
      const found = await this.find(channelId, opts, nonce);
      if (found) return found;
    }
    const msg = (await this.rest
      .post(Routes.channelMessages(channelId), {
        body: { ...this.body(view, { channelId }), nonce, enforce_nonce: true },
        signal: opts.signal,
      })
      .catch((err: unknown) => Promise.reject(asRateLimited(err)))) as APIMessage;
    return { channelId, messageId: msg.id };
  }

  /** The bot's message of this key posted since the claim, or null (also when history is not readable). */
  private async find(channelId: string, opts: PostOptions, nonce: string): Promise<MessageRef | null> {
    let after = SnowflakeUtil.generate({ timestamp: Math.max(0, opts.since - LOOKUP_SLACK_MS) }).toString();
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      let batch: APIMessage[];
      try {
        const query = new URLSearchParams({ after, limit: String(LOOKUP_PAGE) });
        batch = (await this.rest.get(Routes.channelMessages(channelId), {
          query,
          signal: opts.signal,
        })) as APIMessage[];
      } catch (err) {
        if (!(err instanceof DiscordAPIError) || (err.status !== 403 && err.status !== 404))
          throw asRateLimited(err);
        this.log.warn(
          { channelId, err },
          'cannot read channel history: retrying the post with its nonce alone',
        );
        return null;
      }
      const hit = batch.find((m) => isPostOf(m, this.selfId, opts.key, nonce));
      if (hit) return { channelId, messageId: hit.id };
      if (batch.length < LOOKUP_PAGE) return null;
      // Newest first: the next page starts after the newest message of this one.
      after = batch.reduce((max, m) => (BigInt(m.id) > BigInt(max) ? m.id : max), after);
    }
    return null;
  }

  /**
   * Replaces a posted message with a new view (buttons the view lacks are removed). A view's chart
   * goes up as the message's one attachment, shown in the embed; a chart that fails to render
   * leaves the text edit alone.
   */
  async update(ref: MessageRef, view: View, opts: CallOptions): Promise<void> {
    const body = this.body(view, { ...ref });
    const image = await pictureOf(view, this.charts, this.log, { ...ref });
    const [first, ...rest] = body.embeds;
    const withImage = image
      ? {
          ...body,
          embeds: [{ ...first, image: { url: `attachment://${image.fileName}` } }, ...rest],
          attachments: [{ id: 0, filename: image.fileName, description: image.alt.slice(0, 1024) }],
        }
      : body;
    const files = image ? [{ name: image.fileName, data: image.png, contentType: 'image/png' }] : undefined;
    await this.rest
      .patch(Routes.channelMessage(ref.channelId, ref.messageId), {
        body: withImage,
        ...(files ? { files } : {}),
        signal: opts.signal,
      })
      .catch((err: unknown) => Promise.reject(asRateLimited(err)));
  }
}
