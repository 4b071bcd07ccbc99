/**
 * One shard process of the sharded fan-out bench (bench/fanout-shared.ts), as `quizbot start`
 * runs it with a shard plan: the Redis stores, the engine, the real Discord adapter connected with
 * its one shard of the bot's total, its daily posts paced by the rate every process shares
 * (RedisRateGate, as bot.ts wires it), and the production Scheduler. Speaks child.ts's line
 * protocol: READY once connected, then `tick` (one Scheduler.tick, timed), `stats` and `stop`.
 */
import { Scheduler } from '../src/scheduler/scheduler.js';
import { connectRedis, waitReady } from '../src/store/redis/connect.js';
import { RedisRateGate, rateGatedChat } from '../src/store/redis/rate-gate.js';
import { botCore } from './bot.js';
import { childSide, commonOps } from './child.js';
import { countingLogger, realDecks } from './fixtures.js';

interface FanoutChildConfig {
  url: string;
  root: string;
  apiUrl: string;
  shard: number;
  shards: number;
  perSecond: number;
  concurrency: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as FanoutChildConfig;
const redis = connectRedis(cfg.url);
await waitReady(redis);
const log = countingLogger();
const decks = await realDecks(cfg.root);
const core = botCore(redis, decks, log);
const { startDiscord } = await import('../src/adapters/discord/start.js');
const discord = await startDiscord({
  token: 'bench-token',
  apiUrl: cfg.apiUrl,
  engine: core.engine,
  log,
  registerCommands: false,
  readyTimeoutMs: 60_000,
  shards: { ids: [cfg.shard], count: cfg.shards },
  globalPerSecond: cfg.perSecond,
});
const gate = new RedisRateGate(redis, { name: 'discord-global', perSecond: cfg.perSecond });
core.chats.set('discord', rateGatedChat(discord.chat, gate));
let rssPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 100);

const stop = async () => {
  clearInterval(sampler);
  await discord.stop().catch(() => {});
  redis.disconnect();
};

const common = commonOps(stop);
const io = childSide(async (msg) => {
  const answered = common(msg.op);
  if (answered) return answered;
  switch (msg.op) {
    case 'tick': {
      const events: Record<string, number> = {};
      const scheduler = new Scheduler({
        store: core.teamStore,
        daily: core.daily,
        clock: { now: () => Date.now() },
        log,
        concurrency: cfg.concurrency,
        onEvent: (e) => {
          events[e.type] = (events[e.type] ?? 0) + 1;
        },
      });
      const t0 = performance.now();
      await scheduler.tick(Date.now());
      return { ms: performance.now() - t0, events };
    }
    case 'stats':
      return {
        rssPeakMiB: rssPeak / 1024 / 1024,
        errors: log.errors,
        first: log.first,
        guilds: discord.client.guilds.cache.size,
      };
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
});
io.send('READY', { guilds: discord.client.guilds.cache.size });
void io.closed.then(async () => {
  await stop();
  process.exit(0);
});
