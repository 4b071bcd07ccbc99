import type { Client } from 'discord.js';
import type { Logger as Pino } from 'pino';
import { formatShardIds } from './adapters/discord/shards.js';
import { lazyChartRenderer } from './charts/picture.js';
import type { ChartRenderer } from './charts/render.js';
import type { Config } from './config.js';
import type { Core } from './core.js';
import type { ChatPort } from './engine/ports.js';
import type { ShardPlan } from './sharding.js';

// The chat platforms a bot process starts from its config (Discord in either mode, Slack in
// either mode); runBot (bot.ts) starts them after the HTTP server and stops them in reverse.

/** Something started that must be stopped on shutdown, in reverse order. */
export interface Running {
  name: string;
  stop(): Promise<void>;
}

/**
 * The Discord chat port behind the bot token's global REST limit, which every process shares:
 * with Redis each daily post and results edit first takes a slot of one rate all processes draw
 * from (store/redis/rate-gate.ts). Without Redis there is one process, and discord.js's own
 * limiter is enough.
 */
async function sharedRateChat(chat: ChatPort, core: Core, config: Config): Promise<ChatPort> {
  const redis = core.stores.redis;
  if (!redis) return chat;
  const { RedisRateGate, rateGatedChat } = await import('./store/redis/rate-gate.js');
  return rateGatedChat(
    chat,
    new RedisRateGate(redis, { name: 'discord-global', perSecond: config.DISCORD_GLOBAL_RATE_LIMIT }),
  );
}

/** A started platform adapter. */
export interface Platform extends Running {
  ready(): boolean;
  /** Asks the platform whether a user administers a team now (the dashboard's per-write check). */
  admin?: (teamId: string, userId: string) => Promise<boolean>;
}

/**
 * Starts the Discord adapter in the configured mode: the gateway (one WebSocket session) or the
 * HTTP interactions endpoint (no gateway; Discord POSTs to DISCORD_PORT). Either way the scheduler
 * posts through the same REST chat port.
 */
async function startDiscordPlatform(
  config: Config,
  token: string,
  core: Core,
  log: Pino,
  charts: ChartRenderer | undefined,
  shards?: ShardPlan,
): Promise<Platform> {
  const common = {
    token,
    apiUrl: config.DISCORD_API_URL,
    guildId: config.DISCORD_GUILD_ID,
    engine: core.engine,
    // Every Discord line of a shard process names its shards: which process did what.
    log: log.child({ platform: 'discord', ...(shards ? { shards: formatShardIds(shards.ids) } : {}) }),
    charts,
  };
  const { discordAdminCheck } = await import('./web/admin-checks.js');
  let discord: { client: Client; chat: ChatPort; ready(): boolean; stop(): Promise<void> };
  if (config.DISCORD_MODE === 'http' && config.DISCORD_PUBLIC_KEY) {
    const { startDiscordHttp } = await import('./adapters/discord/http/start.js');
    discord = await startDiscordHttp({
      ...common,
      publicKey: config.DISCORD_PUBLIC_KEY,
      port: config.DISCORD_PORT,
    });
  } else {
    const { startDiscord } = await import('./adapters/discord/start.js');
    discord = await startDiscord({
      ...common,
      // The gateway sees a server remove the bot (guildDelete); the HTTP endpoint does not.
      membership: core.forgetting,
      globalPerSecond: config.DISCORD_GLOBAL_RATE_LIMIT,
      ...(shards ? { shards: { ids: shards.ids, count: shards.count } } : {}),
      // Once per bot, not once per shard process: the process that runs shard 0.
      registerCommands: !shards || shards.ids.includes(0),
    });
    if (shards?.managed) await (await import('./sharding.js')).reportReadyToManager(discord.client);
  }
  core.chats.set('discord', await sharedRateChat(discord.chat, core, config));
  return {
    name: 'discord',
    ready: discord.ready,
    stop: discord.stop,
    admin: discordAdminCheck(discord.client),
  };
}

/** Starts Discord and/or Slack as configured; each registers its ChatPort for the scheduler. */
export async function startPlatforms(
  config: Config,
  core: Core,
  log: Pino,
  shards?: ShardPlan,
): Promise<Platform[]> {
  const started: Platform[] = [];
  // Pictures of charts for the chat platforms (the terminal prints text), loaded at the first chart;
  // text only if it cannot load.
  const charts =
    config.DISCORD_TOKEN || config.SLACK_BOT_TOKEN || config.SLACK_CLIENT_ID
      ? lazyChartRenderer(log.child({ part: 'charts' }))
      : undefined;
  try {
    if (config.DISCORD_TOKEN)
      started.push(await startDiscordPlatform(config, config.DISCORD_TOKEN, core, log, charts, shards));
    // A sharding manager's other processes share the pod's ports and would duplicate Slack's connection.
    if ((config.SLACK_BOT_TOKEN || config.SLACK_CLIENT_ID) && (shards?.cluster ?? 0) === 0)
      started.push(await startSlackFromConfig(config, core, log, charts));
  } catch (err) {
    // One platform failing to start stops the ones already started, then fails the boot.
    for (const p of started.reverse()) await p.stop().catch(() => {});
    throw err;
  }
  return started;
}

/** The Slack adapter as configured: one workspace (`SLACK_BOT_TOKEN`) or any workspace (OAuth distribution). */
async function startSlackFromConfig(
  config: Config,
  core: Core,
  log: Pino,
  charts: ChartRenderer | undefined,
): Promise<Platform> {
  const { startSlack } = await import('./adapters/slack/start.js');
  const slackLog = log.child({ platform: 'slack' });
  let oauth: import('./adapters/slack/oauth.js').SlackOAuthOptions | undefined;
  if (config.SLACK_CLIENT_ID) {
    const { slackDistribution } = await import('./adapters/slack/distribution.js');
    oauth = slackDistribution(
      {
        clientId: config.SLACK_CLIENT_ID,
        clientSecret: config.SLACK_CLIENT_SECRET ?? '',
        stateSecret: config.SLACK_STATE_SECRET ?? '',
        tokenKey: config.SLACK_TOKEN_KEY ?? '',
        apiUrl: config.SLACK_API_URL,
      },
      core.stores.installs,
      core.forgetting,
      slackLog,
    );
  }
  const slack = await startSlack({
    botToken: config.SLACK_BOT_TOKEN,
    oauth,
    signingSecret: config.SLACK_SIGNING_SECRET,
    appToken: config.SLACK_APP_TOKEN,
    apiUrl: config.SLACK_API_URL,
    port: config.SLACK_PORT,
    engine: core.engine,
    log: slackLog,
    adminUsers: config.SLACK_ADMIN_USERS,
    charts,
    // With PUBLIC_URL the dashboard serves charts, so they go out as image blocks (no files:write needed).
    chartLinks: config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL, store: core.charts } : undefined,
  });
  core.chats.set('slack', slack.chat);
  const { slackAdminCheck } = await import('./web/admin-checks.js');
  const single = config.SLACK_BOT_TOKEN;
  const installs = oauth?.installations;
  return {
    name: 'slack',
    ready: slack.ready,
    stop: slack.stop,
    admin: slackAdminCheck({
      botToken: async (teamId) => single ?? (await installs?.botToken(teamId)) ?? null,
      apiUrl: config.SLACK_API_URL,
      adminUsers: config.SLACK_ADMIN_USERS,
    }),
  };
}
