import type { Logger as Pino } from 'pino';
import type { Config } from './config.js';
import { buildCore, type Core } from './core.js';
import { systemClock } from './engine/ports.js';
import { Metrics } from './http/metrics.js';
import { startHttp } from './http/server.js';
import { createLogger } from './log.js';
import { Scheduler } from './scheduler/scheduler.js';

/** Something started that must be stopped on shutdown, in reverse order. */
interface Running {
  name: string;
  stop(): Promise<void>;
}

/** Options of {@link runBot} (tests pass a logger and ports). */
export interface BotOptions {
  /** Logger; default from config. */
  log?: Pino;
  /** Bound for finishing in-flight work at shutdown (default 10 s). */
  drainMs?: number;
  /** Install SIGTERM/SIGINT handlers (default true). */
  signals?: boolean;
}

/** A running bot. */
export interface Bot {
  /** The core. */
  core: Core;
  /** Port of /healthz, /readyz, /metrics. */
  httpPort: number;
  /** Graceful shutdown: stop new work, finish in-flight (bounded), stop scheduler and platforms, close Redis. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Composition root of the bot process: config -> store -> engine -> adapters -> scheduler -> http.
 */
export async function runBot(config: Config, opts: BotOptions = {}): Promise<Bot> {
  const log = opts.log ?? createLogger(config);
  const metrics = new Metrics();
  const core = await buildCore(config, log, { metrics });
  const running: Running[] = [{ name: 'store', stop: () => core.stores.close() }];
  const ready: Record<string, () => Promise<string | null>> = {
    store: async () => {
      await core.stores.ping();
      return null;
    },
  };

  let platforms: Platform[];
  try {
    platforms = await startPlatforms(config, core, log);
  } catch (err) {
    await core.stores.close();
    throw err;
  }
  for (const p of platforms) {
    running.push(p);
    ready[p.name] = async () => (p.ready() ? null : `${p.name} not connected`);
  }

  const scheduler = new Scheduler({
    store: core.stores.team,
    daily: core.daily,
    clock: systemClock,
    log: log.child({ part: 'scheduler' }),
    onEvent: (e) => {
      if (e.type === 'posted' || e.type === 'closed' || e.type === 'failed')
        metrics.rounds.inc({ event: e.type });
    },
  });
  await scheduler.start();
  running.push({ name: 'scheduler', stop: () => scheduler.stop() });

  const http = await startHttp({ port: config.HTTP_PORT, metrics, checks: ready });
  running.push({ name: 'http', stop: () => http.close() });
  log.info({ httpPort: http.port, platforms: platforms.map((p) => p.name) }, 'quizbot running');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      // No new work: the scheduler stops and the engine turns new calls away politely, while the
      // platforms stay connected so that calls under way can still answer their users.
      const isBase = (r: Running) => r.name === 'store' || r.name === 'http';
      const order = [...running].reverse();
      const scheduler = order.filter((x) => x.name === 'scheduler');
      for (const r of scheduler) await stopQuietly(r, log);
      core.engine.close();
      const drained = await core.engine.drain(opts.drainMs ?? 10_000);
      if (!drained) log.warn({ busy: core.engine.busy }, 'in-flight work did not finish in time');
      for (const r of order.filter((x) => !isBase(x) && x.name !== 'scheduler')) await stopQuietly(r, log);
      for (const r of order.filter(isBase)) await stopQuietly(r, log);
      log.info({}, 'stopped');
    })();
    return stopping;
  };

  if (opts.signals !== false) {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) {
        log.warn({ sig }, 'second signal: exiting now');
        process.exit(1);
      }
      void shutdown(sig).then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { core, httpPort: http.port, shutdown };
}

async function stopQuietly(r: Running, log: Pino): Promise<void> {
  try {
    await r.stop();
  } catch (err) {
    log.warn({ err, part: r.name }, 'stop failed');
  }
}

/** A started platform adapter. */
interface Platform extends Running {
  ready(): boolean;
}

/** Starts Discord and/or Slack as configured; each registers its ChatPort for the scheduler. */
async function startPlatforms(config: Config, core: Core, log: Pino): Promise<Platform[]> {
  const started: Platform[] = [];
  try {
    if (config.DISCORD_TOKEN) {
      const { startDiscord } = await import('./adapters/discord/start.js');
      const discord = await startDiscord({
        token: config.DISCORD_TOKEN,
        apiUrl: config.DISCORD_API_URL,
        guildId: config.DISCORD_GUILD_ID,
        engine: core.engine,
        log: log.child({ platform: 'discord' }),
      });
      core.chats.set('discord', discord.chat);
      started.push({ name: 'discord', ready: discord.ready, stop: discord.stop });
    }
    if (config.SLACK_BOT_TOKEN) {
      const { startSlack } = await import('./adapters/slack/start.js');
      const slack = await startSlack({
        botToken: config.SLACK_BOT_TOKEN,
        signingSecret: config.SLACK_SIGNING_SECRET,
        appToken: config.SLACK_APP_TOKEN,
        apiUrl: config.SLACK_API_URL,
        port: config.SLACK_PORT,
        engine: core.engine,
        log: log.child({ platform: 'slack' }),
        adminUsers: config.SLACK_ADMIN_USERS,
      });
      core.chats.set('slack', slack.chat);
      started.push({ name: 'slack', ready: slack.ready, stop: slack.stop });
    }
  } catch (err) {
    // One platform failing to start stops the ones already started, then fails the boot.
    for (const p of started.reverse()) await p.stop().catch(() => {});
    throw err;
  }
  return started;
}
