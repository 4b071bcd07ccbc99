/**
 * The bot, in its own process as in production (the platforms' fakes and the click load of the
 * end-to-end section stay in the bench process): the Redis stores, the engine, and the real
 * adapters — startDiscord against the fake Discord, startDiscordHttp (DISCORD_MODE=http) against a
 * second fake Discord, startSlack (HTTP mode) against the fake Slack.
 * Speaks child.ts's line protocol: READY once both are up, then answers `open` (post a daily round
 * now), `storm` (answer storms through the engine, in this process), `stats`, `profileStart`,
 * `profileStop`, `cpu`, `autoPipelining` (ioredis auto-pipelining on or off, for an A/B row) and `stop`.
 */
import type { DiscordHttpAdapter } from '../src/adapters/discord/http/start.js';
import type { DiscordAdapter } from '../src/adapters/discord/start.js';
import type { SlackHandle } from '../src/adapters/slack/start.js';
import type { TeamRef } from '../src/engine/ports.js';
import { localDate } from '../src/engine/time.js';
import { connectRedis, waitReady } from '../src/store/redis/connect.js';
import { botCore } from './bot.js';
import { childSide, commonOps } from './child.js';
import { countingLogger, openSchedule, realDecks } from './fixtures.js';
import { runStorms, type StormConfig } from './storm-core.js';

interface BotConfig {
  url: string;
  root: string;
  discordApiUrl?: string;
  /** A second Discord application in DISCORD_MODE=http: its fake's REST base and public key. */
  discordHttp?: { apiUrl: string; publicKey: string };
  slackApiUrl?: string;
  slackSecret: string;
  /** The chart renderer on (the default, as deployed), or off: text-only answers. */
  charts?: boolean;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as BotConfig;
const redis = connectRedis(cfg.url);
await waitReady(redis);
const log = countingLogger();
const decks = await realDecks(cfg.root);
const core = botCore(redis, decks, log);
let rssPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 20);

let discord: DiscordAdapter | undefined;
let discordHttp: DiscordHttpAdapter | undefined;
let discordHttpError: string | null = null;
let slack: SlackHandle | undefined;
let discordError: string | null = null;
let slackError: string | null = null;
if (cfg.discordApiUrl) {
  try {
    const { startDiscord } = await import('../src/adapters/discord/start.js');
    const { lazyChartRenderer } = await import('../src/charts/picture.js');
    discord = await startDiscord({
      // Charts on, as deployed (src/platforms.ts): /stats and closed rounds carry their pictures.
      // Off only for the storm's text-only comparison (the renderer's share of the RSS).
      charts: cfg.charts === false ? undefined : lazyChartRenderer(log),
      token: 'bench-token',
      apiUrl: cfg.discordApiUrl,
      engine: core.engine,
      log,
      readyTimeoutMs: 20_000,
    });
    core.chats.set('discord', discord.chat);
  } catch (err) {
    discordError = (err as Error).message;
  }
}
if (cfg.discordHttp) {
  try {
    const { startDiscordHttp } = await import('../src/adapters/discord/http/start.js');
    discordHttp = await startDiscordHttp({
      token: 'bench-token-http',
      apiUrl: cfg.discordHttp.apiUrl,
      publicKey: cfg.discordHttp.publicKey,
      port: 0,
      host: '127.0.0.1',
      engine: core.engine,
      log,
    });
  } catch (err) {
    discordHttpError = (err as Error).message;
  }
}
if (cfg.slackApiUrl) {
  try {
    const { startSlack } = await import('../src/adapters/slack/start.js');
    const { LogLevel } = await import('@slack/bolt');
    slack = await startSlack({
      botToken: 'xoxb-bench-token',
      signingSecret: cfg.slackSecret,
      port: 0,
      host: '127.0.0.1',
      apiUrl: cfg.slackApiUrl,
      engine: core.engine,
      log,
      retry: 'test',
      logLevel: LogLevel.WARN,
    });
    core.chats.set('slack', slack.chat);
  } catch (err) {
    slackError = (err as Error).message;
  }
}

const stop = async () => {
  clearInterval(sampler);
  await discord?.stop().catch(() => {});
  await discordHttp?.stop().catch(() => {});
  await slack?.stop().catch(() => {});
  redis.disconnect();
};

const common = commonOps(stop);
const io = childSide(async (msg) => {
  const answered = common(msg.op);
  if (answered) return answered;
  switch (msg.op) {
    case 'open': {
      const team = { platform: msg.platform, teamId: msg.teamId } as TeamRef;
      const channelId = String(msg.channelId);
      const now = Date.now();
      await core.teamStore.putSchedule(team, openSchedule(channelId, String(msg.deckId), now));
      // The HTTP-mode application posts its own rounds: its fake must hold the message clicked.
      const gateway = core.chats.get('discord');
      if (msg.via === 'http' && discordHttp) core.chats.set('discord', discordHttp.chat);
      const out = await core.daily
        .openRound(team, channelId, localDate(now, 'UTC'), { now, postNow: true })
        .finally(() => {
          if (gateway) core.chats.set('discord', gateway);
        });
      if (out.status !== 'posted') throw new Error(`round not posted: ${JSON.stringify(out).slice(0, 300)}`);
      return { roundId: out.roundId, messageId: out.message.messageId };
    }
    case 'storm': {
      const deck = decks.list().find((d) => d.cards.some((c) => c.quiz.length > 0));
      if (!deck) throw new Error('no deck with quiz questions in decks/');
      // Without a Discord connection the rounds are posted to an in-memory chat port instead.
      if (!core.chats.has('discord'))
        core.chats.set('discord', {
          post: async (channelId) => ({ channelId, messageId: `m${Date.now()}` }),
          update: async () => {},
        });
      const report = await runStorms(core, redis, deck.id, msg.config as StormConfig, log, (s) =>
        io.send('PROGRESS', s),
      );
      return { report };
    }
    case 'autoPipelining':
      // ioredis reads this option on every command: the A/B row flips it between bursts.
      redis.options.enableAutoPipelining = Boolean(msg.on);
      return {};
    case 'stats':
      return { rssPeakMiB: rssPeak / 1024 / 1024, errors: log.errors, first: log.first };
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
});
io.send('READY', {
  slackPort: slack?.port ?? null,
  discordHttpPort: discordHttp?.port ?? null,
  discordError,
  slackError,
  discordHttpError,
});
// The parent closing the pipe means it is gone: do not outlive it.
void io.closed.then(async () => {
  await stop();
  process.exit(0);
});
