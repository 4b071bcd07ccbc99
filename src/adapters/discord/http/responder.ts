import {
  DiscordAPIError,
  type InternalRequest,
  MessageFlags,
  REST,
  type RESTOptions,
  RequestMethod,
  Routes,
} from 'discord.js';

/** An interaction response as Discord reads it from the HTTP response body. */
export interface HttpAnswer {
  /** Callback type: 1 pong, 4 reply, 5 deferred reply, 6 deferred update, 7 update, 8 choices. */
  type: number;
  /** The message or the choices. */
  data?: unknown;
}

/** An interaction received over HTTP whose first answer is still to be sent. */
interface Expected {
  /** Sends `answer` as the HTTP response; resolves once it is written (rejects when too late). */
  respond(answer: HttpAnswer): Promise<void>;
  /** The application the interaction's webhook belongs to. */
  applicationId: string;
}

/** Options of {@link InteractionRest}; defaults in {@link RESPONDER_DEFAULTS}. */
export interface InteractionRestOptions {
  /**
   * How long after an HTTP answer a webhook call (edit, follow-up) that Discord answers with
   * Unknown Webhook is retried: the call can overtake Discord's reading of the HTTP response.
   */
  webhookGraceMs?: number;
  /** Pause between those retries. */
  webhookRetryMs?: number;
}

/** Defaults in one place. */
export const RESPONDER_DEFAULTS = { webhookGraceMs: 2_000, webhookRetryMs: 100 } as const;

const CALLBACK = /^\/interactions\/(\d+)\/([^/]+)\/callback$/;
const WEBHOOK = /^\/webhooks\/\d+\/([^/]+)(\/|$)/;
const UNKNOWN_WEBHOOK = 10015;

/**
 * The REST client of the HTTP-interactions mode. discord.js answers an interaction by POSTing its
 * callback (`interaction.reply()`, `update()`, `deferReply()`...); for an interaction that arrived
 * over HTTP, Discord wants that first answer as the HTTP response instead. This client turns the
 * callback of an {@link expect}ed interaction into the HTTP response, so the adapter's handler and
 * renderers run unchanged; every other call (edits and follow-ups on the interaction webhook,
 * channel posts of the scheduler, command registration) goes to Discord as usual.
 */
export class InteractionRest extends REST {
  private readonly expected = new Map<string, Expected>();
  /** Interaction tokens answered over HTTP, with when, for the webhook retry. */
  private readonly answered = new Map<string, number>();
  private readonly graceMs: number;
  private readonly retryMs: number;

  constructor(rest: Partial<RESTOptions>, opts: InteractionRestOptions = {}) {
    super(rest);
    this.graceMs = opts.webhookGraceMs ?? RESPONDER_DEFAULTS.webhookGraceMs;
    this.retryMs = opts.webhookRetryMs ?? RESPONDER_DEFAULTS.webhookRetryMs;
  }

  /** The next callback of interaction `id` is sent through `respond`, not to Discord; returns the undo. */
  expect(id: string, expected: Expected): () => void {
    this.expected.set(id, expected);
    return () => {
      if (this.expected.get(id) === expected) this.expected.delete(id);
    };
  }

  override async request(options: InternalRequest): Promise<unknown> {
    const callback = options.method === RequestMethod.Post ? CALLBACK.exec(String(options.fullRoute)) : null;
    const expected = callback ? this.expected.get(callback[1] as string) : undefined;
    if (callback && expected) {
      this.expected.delete(callback[1] as string);
      return this.answerOverHttp(expected, callback[2] as string, options);
    }
    return this.withWebhookRetry(options);
  }

  /**
   * Sends a callback as the HTTP response. Files cannot go there (the response is JSON), so a
   * message with files is answered with the matching defer and then set on @original by webhook.
   */
  private async answerOverHttp(
    expected: Expected,
    token: string,
    options: InternalRequest,
  ): Promise<unknown> {
    const body = options.body as HttpAnswer;
    const files = options.files ?? [];
    const deferred = files.length > 0 && (body.type === 4 || body.type === 7);
    const flags = Number((body.data as { flags?: number } | undefined)?.flags ?? 0) & MessageFlags.Ephemeral;
    const answer: HttpAnswer = deferred
      ? body.type === 4
        ? { type: 5, data: { flags } }
        : { type: 6 }
      : body;
    await expected.respond(answer);
    this.remember(token);
    if (!deferred) return undefined;
    return this.withWebhookRetry({
      method: RequestMethod.Patch,
      fullRoute: Routes.webhookMessage(expected.applicationId, token, '@original'),
      body: body.data,
      files,
      auth: false,
    });
  }

  private remember(token: string): void {
    const now = Date.now();
    for (const [t, at] of this.answered) if (now - at > this.graceMs) this.answered.delete(t);
    this.answered.set(token, now);
  }

  /** A webhook call of a token answered over HTTP moments ago is retried while Discord does not know it yet. */
  private async withWebhookRetry(options: InternalRequest): Promise<unknown> {
    const token = WEBHOOK.exec(String(options.fullRoute))?.[1];
    for (;;) {
      try {
        return await super.request(options);
      } catch (e) {
        const at = token ? this.answered.get(token) : undefined;
        const young = at !== undefined && Date.now() - at < this.graceMs;
        if (!(e instanceof DiscordAPIError && e.code === UNKNOWN_WEBHOOK && young)) throw e;
        await new Promise((r) => setTimeout(r, this.retryMs));
      }
    }
  }
}
