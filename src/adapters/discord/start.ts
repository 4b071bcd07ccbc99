import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Logger } from '../../engine/api.js';
import { StartupError } from '../../startup-error.js';
import { DiscordChatPort } from './chat-port.js';
import { createInteractionHandler } from './inbound.js';
import { DISCORD_DEFAULTS, type DiscordAdapter, type DiscordOptions } from './options.js';
import { restOptions } from './rate-limit.js';
import { registerCommands } from './register.js';
import { asApiPayload } from './render.js';

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
    {
      user: readyClient.user.tag,
      applicationId,
      guilds: readyClient.guilds.cache.size,
      ...(opts.shards ? { totalShards: opts.shards.count } : {}),
    },
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
    // Without a shard plan, internal sharding: as many gateway shards as Discord recommends in
    // /gateway/bot (one until 2,500 servers), all in this process. With one, only this process's
    // shards of the bot's fixed total: Discord then sends it only their servers' events.
    ...(opts.shards
      ? { shards: opts.shards.ids, shardCount: opts.shards.count }
      : { shards: 'auto' as const }),
    rest: restOptions(opts.apiUrl, opts.globalPerSecond),
    allowedMentions: { parse: [] },
    jsonTransformer: asApiPayload,
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
  watchMembership(client, opts);
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
    const message = `discord login failed: ${(err as Error).message}`;
    if (tokenRejected(err))
      throw new StartupError('platform_auth', `${message}: check DISCORD_TOKEN`, { cause: err });
    throw new Error(message, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Discord refused the token: discord.js's TokenInvalid (the gateway's 401), or a REST 401. */
export function tokenRejected(err: unknown): boolean {
  const e = err as { code?: unknown; status?: unknown } | undefined;
  return e?.code === 'TokenInvalid' || e?.status === 401;
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

/**
 * A server that removes the bot (guildDelete, not an outage: those come with `available: false`)
 * starts its data's grace period; a server that adds it again (guildCreate) cancels it.
 */
function watchMembership(client: Client, opts: DiscordOptions): void {
  const { membership, log } = opts;
  if (!membership) return;
  const run = (what: string, guildId: string, work: Promise<unknown>) =>
    work.catch((err: unknown) => log.error({ err, guildId }, `discord ${what}: team data step failed`));
  client.on(Events.GuildDelete, (guild) => {
    if (!guild.available) return;
    void run('guildDelete', guild.id, membership.left({ platform: 'discord', teamId: guild.id }));
  });
  client.on(Events.GuildCreate, (guild) => {
    void run('guildCreate', guild.id, membership.returned({ platform: 'discord', teamId: guild.id }));
  });
}
