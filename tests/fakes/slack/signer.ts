import { createHmac, randomUUID } from 'node:crypto';

/**
 * Signs a request body exactly as Slack does: `v0=` + hex HMAC-SHA256 of `v0:<ts>:<raw body>`
 * with the signing secret, timestamp in unix seconds.
 */
export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Options of one signed delivery. */
export interface SendOptions {
  /** Unix seconds to sign with; default now. */
  timestamp?: number;
  /** Sets `X-Slack-Retry-Num` (and a retry reason), as Slack does on a re-send. */
  retryNum?: number;
  /** Signs with this secret instead of the right one. */
  secret?: string;
}

/** What the app answered. */
export interface SendResult {
  /** HTTP status. */
  status: number;
  /** Response body text. */
  body: string;
  /** Milliseconds until the answer arrived. */
  ms: number;
}

/** Form fields of a slash command as Slack sends them. */
export interface SlashCommand {
  command?: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id: string;
  team_domain?: string;
  response_url: string;
  trigger_id?: string;
  api_app_id?: string;
  /** Enterprise Grid org of the workspace. */
  enterprise_id?: string;
  /** The app is installed org-wide. */
  is_enterprise_install?: boolean;
}

/** The complete form of a slash command (defaults filled in as Slack would). */
export function slashCommandFields(c: SlashCommand): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: c.team_id,
    team_domain: c.team_domain ?? 'fake',
    channel_id: c.channel_id ?? 'C0GENERAL',
    channel_name: c.channel_name ?? 'general',
    user_id: c.user_id,
    user_name: c.user_name ?? c.user_id.toLowerCase(),
    command: c.command ?? '/quiz',
    text: c.text,
    api_app_id: c.api_app_id ?? 'A0APP',
    is_enterprise_install: String(c.is_enterprise_install ?? false),
    ...(c.enterprise_id ? { enterprise_id: c.enterprise_id } : {}),
    response_url: c.response_url,
    trigger_id: c.trigger_id ?? `${Date.now()}.${randomUUID().slice(0, 8)}`,
  };
}

/** A button press (`block_actions`) as Slack sends it. */
export interface ButtonPress {
  user_id: string;
  user_name?: string;
  team_id: string;
  /** The action id (and value) of the pressed button. */
  action_id: string;
  value?: string;
  response_url: string;
  /** Channel of the message the button sits on. */
  channel_id?: string;
  /** ts of that message. */
  message_ts?: string;
  /** True when the button sits on an ephemeral message. */
  ephemeral?: boolean;
  trigger_id?: string;
}

/** The `block_actions` payload object of a button press. */
export function blockActionsPayload(p: ButtonPress): Record<string, unknown> {
  const channel = p.channel_id ?? 'C0GENERAL';
  const ts = p.message_ts ?? '1700000000.000001';
  return {
    type: 'block_actions',
    user: {
      id: p.user_id,
      username: p.user_name ?? p.user_id.toLowerCase(),
      name: p.user_name ?? p.user_id.toLowerCase(),
      team_id: p.team_id,
    },
    api_app_id: 'A0APP',
    token: 'deprecated-verification-token',
    container: p.ephemeral
      ? { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: true }
      : { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
    trigger_id: p.trigger_id ?? `${Date.now()}.${randomUUID().slice(0, 8)}`,
    team: { id: p.team_id, domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: 'general' },
    ...(p.ephemeral ? {} : { message: { type: 'message', ts, text: 'message', blocks: [] } }),
    response_url: p.response_url,
    actions: [
      {
        type: 'button',
        action_id: p.action_id,
        block_id: 'b0',
        text: { type: 'plain_text', text: 'button', emoji: true },
        value: p.value ?? p.action_id,
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
}

/** An Events API callback (`event_callback`) as Slack sends it. */
export function eventCallback(
  teamId: string,
  event: Record<string, unknown>,
  eventId = `Ev${randomUUID().slice(0, 10)}`,
) {
  return {
    token: 'deprecated-verification-token',
    team_id: teamId,
    api_app_id: 'A0APP',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
}

/**
 * Plays Slack's side towards an app in HTTP mode: form-encodes or JSON-encodes a body, signs it
 * with the signing secret exactly as Slack does, and posts it to `POST /slack/events`.
 */
export class SlackSender {
  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  /** Sends a raw body with a content type; signs it unless told otherwise. */
  async raw(body: string, contentType: string, opts: SendOptions = {}): Promise<SendResult> {
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': slackSignature(opts.secret ?? this.secret, ts, body),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const t0 = performance.now();
    const res = await fetch(this.url, { method: 'POST', headers, body });
    const text = await res.text();
    return { status: res.status, body: text, ms: performance.now() - t0 };
  }

  /** Sends form fields (slash commands). */
  form(fields: Record<string, string>, opts?: SendOptions): Promise<SendResult> {
    return this.raw(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', opts);
  }

  /** Sends a slash command. */
  command(c: SlashCommand, opts?: SendOptions): Promise<SendResult> {
    return this.form(slashCommandFields(c), opts);
  }

  /** Sends an interactive payload (form field `payload` holding JSON). */
  interactive(payload: Record<string, unknown>, opts?: SendOptions): Promise<SendResult> {
    return this.form({ payload: JSON.stringify(payload) }, opts);
  }

  /** Sends an Events API body (JSON). */
  event(body: Record<string, unknown>, opts?: SendOptions): Promise<SendResult> {
    return this.raw(JSON.stringify(body), 'application/json', opts);
  }
}
