import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import { listenError, StartupError } from '../../startup-error.js';
import { SlackAdmins } from './admins.js';
import { boltLogger } from './bolt-logger.js';
import { SLACK_LOOKUP_DEFAULTS, SlackChatPort } from './chat-port.js';
import { MemoryDeliveryLog } from './deliveries.js';
import { registerHome } from './home.js';
import { type InboundDeps, registerInbound } from './inbound.js';
import { oauthAppOptions, registerUninstall, SlackTeamChatPorts } from './oauth.js';
import {
  INTERACTIVE_RETRY,
  SLACK_DEFAULTS,
  SLACK_RETRY,
  type SlackHandle,
  type SlackOptions,
} from './options.js';
import { outboundClient } from './rate-limit.js';

export type { SlackHandle, SlackOptions } from './options.js';

/** What the steps of {@link startSlack} share. */
interface Setup {
  opts: SlackOptions;
  logger: ReturnType<typeof boltLogger>;
  retryConfig: webApi.RetryOptions;
  clientOptions: webApi.WebClientOptions;
}

/** Whether requests can arrive; flipped by the socket events, the listen and `stop()`. */
interface Connection {
  connected: boolean;
  stopped: boolean;
  server?: Server | undefined;
  port: number | null;
}

/**
 * Starts the Slack adapter: Socket Mode when `appToken` is set, else HTTP on `POST /slack/events`.
 * Rejects when the bot token is refused (`auth.test`) or the port / socket cannot be opened.
 */
export async function startSlack(opts: SlackOptions): Promise<SlackHandle> {
  const setup = configure(opts);
  const { app, receiver } = await createApp(setup);
  const inFlight = new Set<Promise<void>>();
  registerHandlers(app, setup, inFlight);
  const conn: Connection = { connected: false, stopped: false, port: null };
  await connect(app, receiver, opts, conn);
  const portFor = (token: string) =>
    new SlackChatPort(outboundClient(token, setup.clientOptions, setup.logger), SLACK_LOOKUP_DEFAULTS, {
      charts: opts.charts,
      links: opts.chartLinks,
      log: opts.log,
    });
  return {
    app,
    chat: opts.oauth
      ? new SlackTeamChatPorts(opts.oauth.installations, portFor)
      : portFor(opts.botToken as string),
    mode: receiver ? 'socket' : 'http',
    port: conn.port,
    ready: () => conn.connected && !conn.stopped,
    stop: stopper(app, receiver, opts, conn, inFlight),
  };
}

/**
 * Logger, retry policy and Web API client options; refuses HTTP mode without a signing secret,
 * OAuth distribution in Socket Mode, and single-workspace mode without a bot token.
 */
function configure(opts: SlackOptions): Setup {
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
  if (opts.oauth && socketMode) {
    throw new Error('Slack OAuth distribution (SLACK_CLIENT_ID) runs in HTTP mode: unset SLACK_APP_TOKEN');
  }
  if (!opts.oauth && !opts.botToken) {
    throw new Error('Slack needs a bot token (SLACK_BOT_TOKEN), or SLACK_CLIENT_ID and friends for OAuth');
  }
  return { opts, logger, retryConfig, clientOptions };
}

/** The Bolt app (with its Socket Mode receiver when `appToken` is set), its token checked by `auth.test`. */
async function createApp({ opts, logger, clientOptions }: Setup): Promise<{
  app: App;
  receiver: SocketModeReceiver | undefined;
}> {
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
    // One workspace: its token. OAuth distribution: each request's token comes from its installation.
    ...(opts.oauth ? oauthAppOptions(opts.oauth, clientOptions) : { token: opts.botToken }),
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
    // Slack answered no (invalid_auth, token_revoked, ...): the token; anything else (no answer) is not.
    const refused = (err as { data?: { error?: string } }).data?.error;
    if (refused === undefined)
      throw new Error(`Slack auth.test failed: ${(err as Error).message}`, { cause: err });
    throw new StartupError(
      'platform_auth',
      `Slack refused the bot token (auth.test: ${refused}): check SLACK_BOT_TOKEN (xoxb-...)`,
      { cause: err },
    );
  }
  return { app, receiver };
}

/** Registers the slash command, buttons and App Home; work after the ack is tracked in `inFlight`. */
function registerHandlers(app: App, setup: Setup, inFlight: Set<Promise<void>>): void {
  const { opts, logger, retryConfig, clientOptions } = setup;
  const track = (work: Promise<void>) => {
    const p = work.catch((err: unknown) =>
      opts.log.error({ err, component: 'slack' }, 'slack handler failed'),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const interactive = (token: string | undefined) =>
    new webApi.WebClient(token, {
      ...clientOptions,
      logger,
      retryConfig: opts.retry === undefined || opts.retry === 'production' ? INTERACTIVE_RETRY : retryConfig,
    });
  const forToken = (token: string | undefined) => {
    const client = interactive(token);
    return { client, admins: new SlackAdmins(client, { adminUsers: opts.adminUsers ?? [] }) };
  };
  const deps: InboundDeps = {
    engine: opts.engine,
    log: opts.log,
    ...forToken(opts.botToken),
    deliveries: opts.deliveries ?? new MemoryDeliveryLog(),
    command: opts.command ?? SLACK_DEFAULTS.command,
    track,
    charts: opts.charts,
    links: opts.chartLinks,
    perToken: opts.oauth ? perToken(forToken) : undefined,
  };
  registerInbound(app, deps);
  registerHome(app, deps);
  if (opts.oauth) registerUninstall(app, opts.oauth, opts.log, track);
}

/** A workspace's client and admin check by its bot token, kept while it is in use (a rotated token gets new ones). */
function perToken<T>(make: (token: string) => T, max = 1_000): (token: string) => T {
  const cache = new Map<string, T>();
  return (token) => {
    let hit = cache.get(token);
    if (hit === undefined) {
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      hit = make(token);
      cache.set(token, hit);
    }
    return hit;
  };
}

/** Opens the socket (Socket Mode) or listens on the port (HTTP), keeping `conn` up to date. */
async function connect(
  app: App,
  receiver: SocketModeReceiver | undefined,
  opts: SlackOptions,
  conn: Connection,
): Promise<void> {
  if (receiver) {
    const sm = receiver.client;
    sm.on('connected', () => {
      conn.connected = true;
    });
    for (const s of ['disconnected', 'reconnecting', 'disconnecting']) {
      sm.on(s, () => {
        conn.connected = false;
      });
    }
    await app.start();
    conn.connected = true;
    opts.log.info({ component: 'slack', mode: 'socket' }, 'slack adapter connected (Socket Mode)');
  } else {
    const listen = { port: opts.port ?? SLACK_DEFAULTS.port, ...(opts.host ? { host: opts.host } : {}) };
    conn.server = (await app.start(listen).catch((err: unknown) => {
      throw listenError('the Slack adapter', 'SLACK_PORT', listen.port, err);
    })) as Server;
    conn.port = (conn.server.address() as AddressInfo).port;
    conn.connected = true;
    opts.log.info(
      { component: 'slack', mode: 'http', port: conn.port, oauth: Boolean(opts.oauth) },
      opts.oauth
        ? 'slack adapter listening on POST /slack/events, GET /slack/install and /slack/oauth_redirect'
        : 'slack adapter listening on POST /slack/events',
    );
  }
}

/** The idempotent `stop()`: no new requests, handlers in flight drained (up to `drainMs`), connections closed. */
function stopper(
  app: App,
  receiver: SocketModeReceiver | undefined,
  opts: SlackOptions,
  conn: Connection,
  inFlight: Set<Promise<void>>,
): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      conn.stopped = true;
      conn.connected = false;
      const drained = Promise.allSettled([...inFlight]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, opts.drainMs ?? SLACK_DEFAULTS.drainMs);
      });
      const { server } = conn;
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
}
