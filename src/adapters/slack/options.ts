import type { App, LogLevel } from '@slack/bolt';
import { webApi } from '@slack/bolt';
import type { ChartRenderer } from '../../charts/render.js';
import type { Logger } from '../../engine/api.js';
import type { ChatPort } from '../../engine/ports.js';
import type { DeliveryLog } from './deliveries.js';
import type { SlackEngine } from './inbound.js';
import type { SlackOAuthOptions } from './oauth.js';
import type { ChartLinks } from './picture.js';

/** Web API retry policies: production waits out outages; tests retry quickly. */
export const SLACK_RETRY = {
  /** Slack's default: 10 retries over about 30 minutes (429s wait their Retry-After). */
  production: webApi.retryPolicies.tenRetriesInAboutThirtyMinutes,
  /** A few quick retries (a 429 still waits its Retry-After). */
  test: { retries: 3, factor: 1, minTimeout: 10, maxTimeout: 50, randomize: false },
} satisfies Record<string, webApi.RetryOptions>;

/**
 * Retries of calls a user is waiting on (users.info for admin rights, the chat.postEphemeral
 * fallback): a few seconds at most, so the user gets an answer rather than a long silence.
 */
export const INTERACTIVE_RETRY: webApi.RetryOptions = {
  retries: 2,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 2_000,
};

/** Defaults of {@link startSlack}, in one place. */
export const SLACK_DEFAULTS = {
  /** HTTP mode port (`SLACK_PORT`). */
  port: 3000,
  /** The slash command. */
  command: '/quiz',
  /** Web API request timeout. */
  timeoutMs: 15_000,
  /** How long `stop()` waits for handlers that already acked. */
  drainMs: 5_000,
} as const;

/** Options of {@link startSlack}. */
export interface SlackOptions {
  /** Bot token `xoxb-...` (`SLACK_BOT_TOKEN`): one workspace. Unset with `oauth`. */
  botToken?: string | undefined;
  /** OAuth distribution (`SLACK_CLIENT_ID` ...): any workspace installs the app; tokens per installation. */
  oauth?: SlackOAuthOptions | undefined;
  /** Signing secret (`SLACK_SIGNING_SECRET`): HTTP mode. */
  signingSecret?: string | undefined;
  /** App-level token `xapp-...` (`SLACK_APP_TOKEN`): Socket Mode instead of HTTP. */
  appToken?: string | undefined;
  /** Web API base (`SLACK_API_URL`), default Slack's `https://slack.com/api/`. */
  apiUrl?: string | undefined;
  /** HTTP mode port (`SLACK_PORT`); 0 picks a free one. Default 3000. */
  port?: number | undefined;
  /** HTTP mode bind address; default all interfaces. */
  host?: string | undefined;
  /** The quiz engine. */
  engine: SlackEngine;
  /** quizbot's logger (Bolt's and the Web API client's logs go there too). */
  log: Logger;
  /** User ids that are admins whatever Slack says (`SLACK_ADMIN_USERS`). */
  adminUsers?: readonly string[] | undefined;
  /** Renders views' charts as pictures, uploaded after the text (files:write, im:write); without it text only. */
  charts?: ChartRenderer | undefined;
  /**
   * With PUBLIC_URL: charts go out as image blocks pointing at `${PUBLIC_URL}/charts/<id>.png`
   * (served by the dashboard) instead of uploaded files.
   */
  chartLinks?: ChartLinks | undefined;
  /** Web API retry policy: `production` (default), `test`, or explicit options. */
  retry?: keyof typeof SLACK_RETRY | webApi.RetryOptions | undefined;
  /** The slash command, default `/quiz`. */
  command?: string | undefined;
  /** Deliveries already taken; default in-process (pass a shared one for several replicas). */
  deliveries?: DeliveryLog | undefined;
  /** Bolt's log level; default info. */
  logLevel?: LogLevel | undefined;
  /** Socket Mode: whether to reconnect when the socket drops (default true). */
  autoReconnect?: boolean | undefined;
  /** How long `stop()` waits for in-flight handlers. */
  drainMs?: number | undefined;
}

/** A running Slack adapter. */
export interface SlackHandle {
  /** The Bolt app. */
  app: App;
  /** Outbound side for the scheduler. */
  chat: ChatPort;
  /** `http` or `socket`. */
  mode: 'http' | 'socket';
  /** The HTTP port listened on (HTTP mode), else null. */
  port: number | null;
  /** True while requests can arrive: listening (HTTP) or connected (Socket Mode). */
  ready(): boolean;
  /** Stops taking requests, waits for handlers in flight, closes connections. Idempotent. */
  stop(): Promise<void>;
}
