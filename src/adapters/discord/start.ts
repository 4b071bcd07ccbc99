import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Logger } from '../../engine/api.js';
import { DiscordChatPort } from './chat-port.js';
import { createInteractionHandler } from './inbound.js';
import { DISCORD_DEFAULTS, type DiscordAdapter, type DiscordOptions } from './options.js';
import { restOptions } from './rate-limit.js';
import { registerCommands } from './register.js';

export type { DiscordAdapter, DiscordOptions } from './options.js';

/** Whether the gateway session is up; flipped by the shard events and `stop()`. */
interface Gateway {
  connected: boolean;
  stopping: boolean;
}

/**
 * Starts the Discord adapter: logs in, waits for the gateway to be ready, registers the slash
 * commands (bulk overwrite: to `guildId` when set, else globally) and answers interactions
 * through the engine. Rejects when login fails or the gateway is not ready in time; a failed
 * command registration is logged and the bot runs on with the commands Discord already has.
 */
export async function startDiscord(opts: DiscordOptions): Promise<DiscordAdapter> {
  const { log } = opts;
  const client = createClient(opts);
  const gateway: Gateway = { connected: false, stopping: false };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    gateway.stopping = true;
    gateway.connected = false;
    stopped ??= client.destroy();
    return stopped;
  };
  listen(client, opts, gateway);
  const readyClient = await loginReady(client, opts, stop);
  gateway.connected = true;
  const applicationId = readyClient.application.id;
  log.info(
    { user: readyClient.user.tag, applicationId, guilds: readyClient.guilds.cache.size },
    'discord connected',
  );
  if (opts.registerCommands ?? DISCORD_DEFAULTS.registerCommands) await register(client, applicationId, opts);
  return {
    client: readyClient,
    chat: new DiscordChatPort(client.rest, log, readyClient.user.id, opts.charts),
    applicationId,
    ready: () => gateway.connected && client.isReady(),
    stop,
  };
}

/** The discord.js client: the Guilds intent only, internal sharding, no mentions parsed. */
function createClient(opts: DiscordOptions): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    // Internal sharding: as many gateway shards as Discord recommends in /gateway/bot (one until
    // 2,500 servers), all in this process.
    shards: 'auto',
    rest: restOptions(opts.apiUrl),
    allowedMentions: { parse: [] },
  });
}

/** Answers interactions through the engine and follows the gateway's state in `gateway`. */
function listen(client: Client, opts: DiscordOptions, gateway: Gateway): void {
  const log: Logger = opts.log;
  const handle = createInteractionHandler({
    engine: opts.engine,
    log,
    ...(opts.deferAfterMs !== undefined ? { deferAfterMs: opts.deferAfterMs } : {}),
    charts: opts.charts,
  });
  client.on(Events.InteractionCreate, (interaction) => {
    handle(interaction).catch((err: unknown) => log.error({ err }, 'discord interaction handler failed'));
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.Warn, (msg) => log.warn({ msg }, 'discord client warning'));
  client.on(Events.ShardReady, () => {
    gateway.connected = true;
  });
  client.on(Events.ShardResume, () => {
    gateway.connected = true;
    log.info({}, 'discord gateway resumed');
  });
  client.on(Events.ShardDisconnect, (event) => {
    gateway.connected = false;
    if (!gateway.stopping) log.warn({ code: event.code }, 'discord gateway disconnected');
  });
  client.on(Events.ShardReconnecting, () => {
    gateway.connected = false;
    if (!gateway.stopping) log.info({}, 'discord gateway reconnecting');
  });
}

/** Logs in and waits for the gateway to be ready (at most `readyTimeoutMs`); on failure stops the client. */
async function loginReady(
  client: Client,
  opts: DiscordOptions,
  stop: () => Promise<void>,
): Promise<Client<true>> {
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
  try {
    await client.login(opts.token);
    return await ready;
  } catch (err) {
    await stop().catch(() => {});
    throw new Error(`discord login failed: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Registers the slash commands; a failure is logged and the commands Discord has stay (both modes). */
export async function register(client: Client, applicationId: string, opts: DiscordOptions): Promise<void> {
  const { log } = opts;
  try {
    const count = await registerCommands(client.rest, applicationId, opts.guildId);
    log.info(
      { count, scope: opts.guildId ? `guild ${opts.guildId}` : 'global' },
      'discord commands registered',
    );
  } catch (err) {
    log.error({ err, guildId: opts.guildId }, 'discord command registration failed; existing commands stay');
  }
}
