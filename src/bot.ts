import type { Logger as Pino } from 'pino';
import type { Config } from './config.js';
import { buildCore, type Core } from './core.js';
import { systemClock } from './engine/ports.js';
import { FitJob } from './fsrs/job.js';
import { loadOptimizer } from './fsrs/optimizer.js';
import { startFitTimer } from './fsrs/timer.js';
import { Metrics } from './http/metrics.js';
import { startHttp } from './http/server.js';
import { createLogger } from './log.js';
import { type Platform, type Running, startPlatforms } from './platforms.js';
import { Scheduler } from './scheduler/scheduler.js';
import type { ShardPlan } from './sharding.js';
import { listenError } from './startup-error.js';
import { startEraseTimer } from './teams/erase-timer.js';

/** Options of {@link runBot} (tests pass a logger and ports). */
export interface BotOptions {
  /** Logger; default from config. */
  log?: Pino;
  /** Bound for finishing in-flight work at shutdown; default `SHUTDOWN_DRAIN_MS` (10 s). */
  drainMs?: number;
  /** Install SIGTERM/SIGINT handlers (default true). */
  signals?: boolean;
  /** Discord shards of this process (see src/sharding.ts); default discord.js internal sharding of all. */
  shards?: ShardPlan;
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

/** Time left after the drain for disconnecting platforms and closing Redis, each. */
const STOP_STEP_MS = 2_000;

/**
 * Composition root of the bot process: config -> store -> engine -> http and signal handlers ->
 * adapters -> scheduler. The HTTP server and the signal handlers are up before the platforms
 * connect and before the scheduler's start-up catch-up, so probes answer and SIGTERM is graceful
 * from the first moment; `/readyz` is 503 until everything is connected, and again from the
 * moment shutdown starts.
 */
export async function runBot(config: Config, opts: BotOptions = {}): Promise<Bot> {
  const log = opts.log ?? createLogger(config);
  const drainMs = opts.drainMs ?? config.SHUTDOWN_DRAIN_MS;
  const metrics = new Metrics();
  const core = await buildCore(config, log, { metrics });
  if (core.stores.redis) metrics.watchRedis(core.stores.redis);
  const running: Running[] = [{ name: 'store', stop: () => core.stores.close() }];
  let stopping: Promise<void> | undefined;
  const ready: Record<string, () => Promise<string | null>> = {
    // First, so a probe during shutdown says why without waiting on the other checks' reasons.
    shutdown: async () => (stopping ? 'shutting down' : null),
    store: async () => {
      await core.stores.ping();
      return null;
    },
  };
  const http = await startProbes(config, core, metrics, ready);
  running.push({ name: 'http', stop: () => http.close() });
  log.info({ httpPort: http.port }, 'http listening');

  let scheduler: Scheduler | undefined;
  /** The start-up step under way; shutdown lets it finish (within the drain) before stopping it. */
  let booting: Promise<unknown> = Promise.resolve();
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      const deadline = Date.now() + drainMs;
      log.info({ reason, drainMs }, 'shutting down');
      // No new work: the scheduler stops handing out work and the engine turns new calls away
      // politely, while the platforms stay connected so that work under way can still finish.
      core.engine.close();
      await Promise.race([booting.catch(() => {}), sleep(deadline - Date.now())]);
      const [scheduled, engine] = await Promise.all([
        scheduler?.stop(deadline) ?? true,
        core.engine.drain(Math.max(0, deadline - Date.now())),
      ]);
      if (!scheduled || !engine)
        log.warn(
          { busy: core.engine.busy, scheduler: scheduler?.inHand ?? 0 },
          'in-flight work did not finish in time: given up (leases hand it to the next process)',
        );
      await stopInOrder(running, log);
      log.info({}, 'stopped');
    })();
    return stopping;
  };
  if (opts.signals !== false) installSignals(shutdown, log, drainMs + 4 * STOP_STEP_MS);

  const step = <T>(p: Promise<T>): Promise<T> => {
    booting = p;
    return p;
  };
  let platforms: Platform[];
  try {
    platforms = await step(startPlatforms(config, core, log, opts.shards));
  } catch (err) {
    await shutdown('start-up failed');
    throw err;
  }
  for (const p of platforms) {
    running.push(p);
    ready[p.name] = async () => (p.ready() ? null : `${p.name} not connected`);
  }
  if (config.PUBLIC_URL && !stopping && (opts.shards?.cluster ?? 0) === 0) {
    const { startDashboard } = await import('./web/start.js');
    const admins = new Map(
      platforms.flatMap((p) => (p.admin ? [[p.name as 'discord' | 'slack', p.admin] as const] : [])),
    );
    const web = await step(startDashboard(config, core, admins, log));
    running.push({ name: 'web', stop: () => web.close() });
    log.info({ webPort: web.port, publicUrl: config.PUBLIC_URL }, 'dashboard listening');
  }
  if (!stopping) {
    scheduler = createScheduler(config, core, log, metrics);
    await step(scheduler.start());
    if (config.FSRS_FIT_INTERVAL_MS > 0) running.push(startFsrsFit(config, core, log));
    running.push(startTeamErase(config, core, log));
  }
  log.info({ httpPort: http.port, platforms: platforms.map((p) => p.name) }, 'quizbot running');
  return { core, httpPort: http.port, shutdown };
}

/** The /healthz, /readyz and /metrics server; the store is closed again when it cannot listen. */
async function startProbes(
  config: Config,
  core: Core,
  metrics: Metrics,
  checks: Record<string, () => Promise<string | null>>,
): Promise<Awaited<ReturnType<typeof startHttp>>> {
  try {
    return await startHttp({ port: config.HTTP_PORT, metrics, checks });
  } catch (err) {
    await core.stores.close();
    throw listenError('the health and metrics server', 'HTTP_PORT', config.HTTP_PORT, err);
  }
}

/** Stops what runs, newest first, the store and the HTTP server last (probes answer until the end). */
async function stopInOrder(running: Running[], log: Pino): Promise<void> {
  const isBase = (r: Running) => r.name === 'store' || r.name === 'http';
  const order = [...running].reverse();
  for (const r of order.filter((x) => !isBase(x))) await stopQuietly(r, log, STOP_STEP_MS);
  for (const r of order.filter(isBase)) await stopQuietly(r, log, STOP_STEP_MS);
}

/** The daily scheduler of this process, configured from the environment; its round events count in the metrics. */
function createScheduler(config: Config, core: Core, log: Pino, metrics: Metrics): Scheduler {
  return new Scheduler({
    store: core.stores.team,
    daily: core.daily,
    clock: systemClock,
    log: log.child({ part: 'scheduler' }),
    cron: config.SCHEDULER_TICK,
    concurrency: config.SCHEDULER_CONCURRENCY,
    itemTimeoutMs: config.SCHEDULER_ITEM_TIMEOUT_MS,
    leaseMs: config.SCHEDULER_LEASE_MS,
    backoffMs: backoff(config.SCHEDULER_BACKOFF_MS),
    onEvent: (e) => {
      if (e.type === 'posted' || e.type === 'closed' || e.type === 'failed')
        metrics.rounds.inc({ event: e.type });
    },
  });
}

/** The background FSRS fit of this process (one at a time across processes: the job's lease). */
function startFsrsFit(config: Config, core: Core, log: Pino): Running {
  const fitLog = log.child({ part: 'fsrs-fit' });
  const job = new FitJob({
    store: core.stores.fsrs,
    optimizer: () => loadOptimizer(fitLog),
    minReviews: config.FSRS_FIT_MIN_REVIEWS,
    log: fitLog,
    minAttemptAgeMs: config.FSRS_FIT_INTERVAL_MS / 2,
  });
  const timer = startFitTimer({
    job,
    intervalMs: config.FSRS_FIT_INTERVAL_MS,
    firstMs: Math.min(config.FSRS_FIT_INTERVAL_MS, 10 * 60_000),
    now: () => systemClock.now(),
    log: fitLog,
  });
  return { name: 'fsrs-fit', stop: () => timer.stop() };
}

/** The background deletion of teams whose grace period has ended (TEAM_DATA_GRACE_DAYS). */
function startTeamErase(config: Config, core: Core, log: Pino): Running {
  const timer = startEraseTimer({
    forgetting: core.forgetting,
    intervalMs: config.TEAM_ERASE_INTERVAL_MS,
    firstMs: Math.min(config.TEAM_ERASE_INTERVAL_MS, 60_000),
    log: log.child({ part: 'team-erase' }),
  });
  return { name: 'team-erase', stop: () => timer.stop() };
}

/** Retry `attempt` (1-based) waits `base`, doubling, at most 15 times `base`. */
function backoff(base: number): (attempt: number) => number {
  return (attempt) => Math.min(base * 2 ** (attempt - 1), 15 * base);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/**
 * SIGTERM/SIGINT start the graceful shutdown and exit 0 when it is done. A second signal, or a
 * shutdown that outlives `hardMs` (a disconnect that hangs), exits 1 at once.
 */
function installSignals(shutdown: (reason: string) => Promise<void>, log: Pino, hardMs: number): void {
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ sig }, 'second signal: exiting now');
      process.exit(1);
    }
    setTimeout(() => {
      log.error({ hardMs }, 'shutdown did not finish in time: exiting now');
      process.exit(1);
    }, hardMs).unref();
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

/** Stops one part, logging a failure; gives up waiting after `ms` so one part cannot hold the exit. */
async function stopQuietly(r: Running, log: Pino, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const done = await Promise.race([
      r.stop().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    if (!done) log.warn({ part: r.name, ms }, 'stop did not finish in time: going on');
  } catch (err) {
    log.warn({ err, part: r.name }, 'stop failed');
  } finally {
    clearTimeout(timer);
  }
}
