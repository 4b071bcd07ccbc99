import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Logger } from '../../engine/api.js';
import type { ChatPort } from '../../engine/ports.js';
import { DiscordChatPort } from './chat-port.js';
import { registerCommands } from './commands.js';
import { createInteractionHandler, type DiscordEngine } from './inbound.js';

/** Options of {@link startDiscord}; defaults in {@link DISCORD_DEFAULTS}. */
export interface DiscordOptions {
  /** Bot token (`DISCORD_TOKEN`). */
  token: string;
  /** REST base without `/v10` (`DISCORD_API_URL`); the gateway URL then comes from its `/gateway/bot`. */
  apiUrl?: string | undefined;
  /** Register commands to this server only (`DISCORD_GUILD_ID`); else globally. */
  guildId?: string | undefined;
  /** The engine. */
  engine: DiscordEngine;
  /** Logger (pino fits). */
  log: Logger;
  /** Bulk-overwrite the slash commands once connected; default true. */
  registerCommands?: boolean;
  /** Defer an interaction when the engine has not answered after this long; default 2,000 ms. */
  deferAfterMs?: number;
  /** Give up starting when the gateway is not ready after this long; default 30 s. */
  readyTimeoutMs?: number;
}

/** Defaults in one place. */
export const DISCORD_DEFAULTS = { registerCommands: true, readyTimeoutMs: 30_000 } as const;

/** A running Discord adapter. */
export interface DiscordAdapter {
  /** The discord.js client (logged in and ready). */
  client: Client<true>;
  /** Outbound side for the scheduler: post a daily question, edit it at close. */
  chat: ChatPort;
  /** The bot's application id. */
  applicationId: string;
  /** True while the gateway session is up (for /readyz). */
  ready(): boolean;
  /** Graceful shutdown: destroys the client (idempotent). */
  stop(): Promise<void>;
}

/**
 * Starts the Discord adapter: logs in, waits for the gateway to be ready, registers the slash
 * commands (bulk overwrite: to `guildId` when set, else globally) and answers interactions
 * through the engine. Rejects when login fails or the gateway is not ready in time; a failed
 * command registration is logged and the bot runs on with the commands Discord already has.
 */
export async function startDiscord(opts: DiscordOptions): Promise<DiscordAdapter> {
  const { log } = opts;
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    // Internal sharding: as many gateway shards as Discord recommends in /gateway/bot (one until
    // 2,500 servers), all in this process.
    shards: 'auto',
    rest: opts.apiUrl ? { api: opts.apiUrl } : {},
    allowedMentions: { parse: [] },
  });
  let connected = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping = true;
    connected = false;
    stopped ??= client.destroy();
    return stopped;
  };

  const handle = createInteractionHandler({
    engine: opts.engine,
    log,
    ...(opts.deferAfterMs !== undefined ? { deferAfterMs: opts.deferAfterMs } : {}),
  });
  client.on(Events.InteractionCreate, (interaction) => {
    handle(interaction).catch((err: unknown) => log.error({ err }, 'discord interaction handler failed'));
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.Warn, (msg) => log.warn({ msg }, 'discord client warning'));
  client.on(Events.ShardReady, () => {
    connected = true;
  });
  client.on(Events.ShardResume, () => {
    connected = true;
    log.info({}, 'discord gateway resumed');
  });
  client.on(Events.ShardDisconnect, (event) => {
    connected = false;
    if (!stopping) log.warn({ code: event.code }, 'discord gateway disconnected');
  });
  client.on(Events.ShardReconnecting, () => {
    connected = false;
    if (!stopping) log.info({}, 'discord gateway reconnecting');
  });

  const readyTimeoutMs = opts.readyTimeoutMs ?? DISCORD_DEFAULTS.readyTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<Client<true>>((resolve, reject) => {
    client.once(Events.ClientReady, resolve);
    timer = setTimeout(
      () => reject(new Error(`discord gateway not ready after ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
  });
  // A login failure settles first; keep this rejection from going unhandled meanwhile.
  ready.catch(() => {});
  let readyClient: Client<true>;
  try {
    await client.login(opts.token);
    readyClient = await ready;
  } catch (err) {
    await stop().catch(() => {});
    throw new Error(`discord login failed: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  const applicationId = readyClient.application.id;
  log.info(
    { user: readyClient.user.tag, applicationId, guilds: readyClient.guilds.cache.size },
    'discord connected',
  );

  if (opts.registerCommands ?? DISCORD_DEFAULTS.registerCommands) {
    try {
      const count = await registerCommands(client.rest, applicationId, opts.guildId);
      log.info(
        { count, scope: opts.guildId ? `guild ${opts.guildId}` : 'global' },
        'discord commands registered',
      );
    } catch (err) {
      log.error(
        { err, guildId: opts.guildId },
        'discord command registration failed; existing commands stay',
      );
    }
  }

  return {
    client: readyClient,
    chat: new DiscordChatPort(client.rest, log),
    applicationId,
    ready: () => connected && client.isReady(),
    stop,
  };
}
