import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger } from '../../engine/api.js';
import type { ChatPort } from '../../engine/ports.js';
import { SlackAdmins } from './admins.js';
import { boltLogger } from './bolt-logger.js';
import { SlackChatPort } from './chat-port.js';
import { type DeliveryLog, MemoryDeliveryLog } from './deliveries.js';
import { registerHome } from './home.js';
import { registerInbound, type SlackEngine } from './inbound.js';

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
const INTERACTIVE_RETRY: webApi.RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 };

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
  /** Bot token `xoxb-...` (`SLACK_BOT_TOKEN`). */
  botToken: string;
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

/**
 * Starts the Slack adapter: Socket Mode when `appToken` is set, else HTTP on `POST /slack/events`.
 * Rejects when the bot token is refused (`auth.test`) or the port / socket cannot be opened.
 */
export async function startSlack(opts: SlackOptions): Promise<SlackHandle> {
  const command = opts.command ?? SLACK_DEFAULTS.command;
  const retryConfig = typeof opts.retry === 'object' ? opts.retry : SLACK_RETRY[opts.retry ?? 'production'];
  const logger = boltLogger(opts.log, opts.logLevel ?? LogLevel.INFO);
  const clientOptions: webApi.WebClientOptions = {
    retryConfig,
    timeout: SLACK_DEFAULTS.timeoutMs,
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
  };
  const socketMode = Boolean(opts.appToken);
  if (!socketMode && !opts.signingSecret) {
    throw new Error(
      'Slack HTTP mode needs a signing secret (SLACK_SIGNING_SECRET), or set SLACK_APP_TOKEN for Socket Mode',
    );
  }

  let receiver: SocketModeReceiver | undefined;
  if (opts.appToken) {
    receiver = new SocketModeReceiver({
      appToken: opts.appToken,
      logger,
      autoReconnectEnabled: opts.autoReconnect ?? true,
      // A copy: the Socket Mode client writes its own defaults into the options it gets.
      installerOptions: { clientOptions: { ...clientOptions } },
    });
  }
  const app = new App({
    token: opts.botToken,
    logger,
    clientOptions,
    convoStore: false,
    deferInitialization: true,
    ...(receiver
      ? { receiver, socketMode: true }
      : { signingSecret: opts.signingSecret as string, processBeforeResponse: false }),
  });
  app.error(async (err) => {
    opts.log.error({ err, component: 'slack' }, 'slack handler error');
  });
  try {
    await app.init();
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
    throw new Error(`Slack refused the bot token (auth.test: ${code}): check SLACK_BOT_TOKEN (xoxb-...)`, {
      cause: err,
    });
  }

  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const p = work.catch((err: unknown) =>
      opts.log.error({ err, component: 'slack' }, 'slack handler failed'),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const interactive = new webApi.WebClient(opts.botToken, {
    ...clientOptions,
    logger,
    retryConfig: opts.retry === undefined || opts.retry === 'production' ? INTERACTIVE_RETRY : retryConfig,
  });
  const deps = {
    engine: opts.engine,
    log: opts.log,
    admins: new SlackAdmins(interactive, { adminUsers: opts.adminUsers ?? [] }),
    deliveries: opts.deliveries ?? new MemoryDeliveryLog(),
    command,
    client: interactive,
    track,
  };
  registerInbound(app, deps);
  registerHome(app, deps);

  let connected = false;
  let stopped = false;
  let server: Server | undefined;
  let port: number | null = null;
  if (receiver) {
    const sm = receiver.client;
    sm.on('connected', () => {
      connected = true;
    });
    for (const s of ['disconnected', 'reconnecting', 'disconnecting']) {
      sm.on(s, () => {
        connected = false;
      });
    }
    await app.start();
    connected = true;
    opts.log.info({ component: 'slack', mode: 'socket' }, 'slack adapter connected (Socket Mode)');
  } else {
    const listen = { port: opts.port ?? SLACK_DEFAULTS.port, ...(opts.host ? { host: opts.host } : {}) };
    server = (await app.start(listen)) as Server;
    port = (server.address() as AddressInfo).port;
    connected = true;
    opts.log.info(
      { component: 'slack', mode: 'http', port },
      'slack adapter listening on POST /slack/events',
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      stopped = true;
      connected = false;
      const drained = Promise.allSettled([...inFlight]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, opts.drainMs ?? SLACK_DEFAULTS.drainMs);
      });
      if (server) {
        const closed = app
          .stop()
          .catch((err: unknown) => opts.log.warn({ err }, 'slack http receiver stop failed'));
        server.closeIdleConnections();
        await Promise.race([drained, timeout]);
        server.closeAllConnections();
        await closed;
      } else if (receiver) {
        await Promise.race([drained, timeout]);
        const sm = receiver.client;
        const gone = new Promise<void>((resolve) => sm.once('disconnected', () => resolve()));
        await app.stop();
        await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())]);
      }
      clearTimeout(timer);
      opts.log.info({ component: 'slack' }, 'slack adapter stopped');
    })();
    return stopping;
  };

  return {
    app,
    chat: new SlackChatPort(app.client),
    mode: receiver ? 'socket' : 'http',
    port,
    ready: () => connected && !stopped,
    stop,
  };
}
