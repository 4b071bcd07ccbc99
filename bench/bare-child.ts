/**
 * The baseline beside the bot (bench/bot-child.ts), in its own process as the bot is: a bare
 * discord.js client and a bare Bolt app, both logged in to the bench's fakes, and nothing else —
 * no Redis, no engine, no decks. The client is built with the options the Discord adapter uses
 * (Guilds intent, internal sharding, the REST base, no mentions parsed) and answers every click
 * with `interaction.reply` of one constant ephemeral message. The Bolt app is built with the
 * options the Slack adapter uses in HTTP mode (its receiver: signing secret,
 * `processBeforeResponse: false`, deferred `auth.test`, no conversation store, the same Web API
 * client options) and answers every action with `ack()` then Bolt's `respond()` on the
 * response_url, one constant ephemeral message, as the adapter does.
 * Speaks child.ts's line protocol: READY once both are up, then `cpu`, `stats`, `profileStart`,
 * `profileStop` and `stop`.
 */
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import { childSide, commonOps } from './child.js';

interface BareConfig {
  discordApiUrl?: string;
  slackApiUrl?: string;
  slackSecret: string;
}

/** The constant answer; the bench's check (`Right|Not quite`) accepts it. */
const ANSWER = 'Right (bare baseline).';

const cfg = JSON.parse(process.argv[2] ?? '{}') as BareConfig;
let rssPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 20);
let errors = 0;

async function startDiscord(apiUrl: string): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    shards: 'auto',
    rest: { api: apiUrl },
    allowedMentions: { parse: [] },
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isRepliable()) return;
    interaction.reply({ content: ANSWER, flags: MessageFlags.Ephemeral }).catch(() => errors++);
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login('bench-bare-token');
  await ready;
  return client;
}

async function startSlack(apiUrl: string, signingSecret: string): Promise<{ app: App; port: number }> {
  const clientOptions = {
    retryConfig: { retries: 3, factor: 1, minTimeout: 10, maxTimeout: 50, randomize: false },
    timeout: 15_000,
    slackApiUrl: apiUrl,
  };
  const app = new App({
    token: 'xoxb-bench-bare-token',
    signingSecret,
    processBeforeResponse: false,
    clientOptions,
    convoStore: false,
    deferInitialization: true,
    logLevel: LogLevel.WARN,
  });
  app.action(/.*/, async ({ ack, respond }) => {
    await ack();
    void respond({ response_type: 'ephemeral', replace_original: false, text: ANSWER }).catch(() => errors++);
  });
  await app.init();
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as import('node:http').Server;
  return { app, port: (server.address() as AddressInfo).port };
}

const [discord, slack] = await Promise.all([
  cfg.discordApiUrl ? startDiscord(cfg.discordApiUrl) : undefined,
  cfg.slackApiUrl ? startSlack(cfg.slackApiUrl, cfg.slackSecret) : undefined,
]);

const stop = async () => {
  clearInterval(sampler);
  await discord?.destroy().catch(() => {});
  await slack?.app.stop().catch(() => {});
};

const common = commonOps(stop);
const io = childSide(async (msg) => {
  const answered = common(msg.op);
  if (answered) return answered;
  switch (msg.op) {
    case 'stats':
      return { rssPeakMiB: rssPeak / 1024 / 1024, rssMiB: process.memoryUsage.rss() / 1024 / 1024, errors };
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
});
io.send('READY', { slackPort: slack?.port ?? null, readyMs: performance.now() });
void io.closed.then(async () => {
  await stop();
  process.exit(0);
});
