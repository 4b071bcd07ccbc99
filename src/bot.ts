import type { Logger as Pino } from 'pino';
import type { Config } from './config.js';
import { Metrics } from './http/metrics.js';
import { startHttp } from './http/server.js';
import { createLogger } from './log.js';
import { buildCore, type Core } from './main.js';

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
  const core = await buildCore(config, log, undefined, metrics);
  const running: Running[] = [{ name: 'store', stop: () => core.stores.close() }];
  const ready: Record<string, () => Promise<string | null>> = {
    store: async () => {
      await core.stores.ping();
      return null;
    },
  };

  const platforms = await startPlatforms(config, core, log, metrics);
  for (const p of platforms) {
    running.push(p);
    ready[p.name] = async () => (p.ready() ? null : `${p.name} not connected`);
  }

  const http = await startHttp({ port: config.HTTP_PORT, metrics, checks: ready });
  running.push({ name: 'http', stop: () => http.close() });
  log.info({ httpPort: http.port, platforms: platforms.map((p) => p.name) }, 'quizbot running');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      // Platforms and scheduler first: no new work comes in while in-flight calls finish.
      const isBase = (r: Running) => r.name === 'store' || r.name === 'http';
      const order = [...running].reverse();
      for (const r of order.filter((x) => !isBase(x))) await stopQuietly(r, log);
      const drained = await core.engine.drain(opts.drainMs ?? 10_000);
      if (!drained) log.warn({ busy: core.engine.busy }, 'in-flight work did not finish in time');
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

async function startPlatforms(config: Config, core: Core, log: Pino, metrics: Metrics): Promise<Platform[]> {
  const started: Platform[] = [];
  void config;
  void core;
  void log;
  void metrics;
  return started;
}
