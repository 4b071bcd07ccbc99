import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../engine/api.js';
import { silentLogger } from '../engine/api.js';
import type { DailyService } from '../engine/daily.js';
import { retryAfterOf } from '../engine/errors.js';
import type { Clock, DueEntry, DueItem, TeamRef, TeamStore } from '../engine/ports.js';
import { currentOccurrence, nextOccurrence, reindexTeam } from '../engine/schedule.js';
import { WorkAborted, WorkQueue } from './work-queue.js';

/** What the scheduler reports, for logs and metrics counters. */
export type SchedulerEvent =
  /** A round was posted. */
  | { type: 'posted'; team: TeamRef; channelId: string; roundId: string }
  /** A round was closed by this instance (points awarded). */
  | { type: 'closed'; team: TeamRef; roundId: string }
  /** A post failed and will be retried after `delayMs`. */
  | {
      type: 'retry';
      team: TeamRef;
      channelId: string;
      roundId: string;
      attempt: number;
      delayMs: number;
      error: unknown;
    }
  /** A post failed for good (the claim is marked failed), or a results edit was given up. */
  | {
      type: 'failed';
      what: 'post' | 'reveal';
      team: TeamRef;
      roundId: string;
      attempts: number;
      error: unknown;
      channelId?: string;
    }
  /** A round's whole window passed while no scheduler ran: nothing is posted late. */
  | { type: 'missed'; team: TeamRef; channelId: string; at: number }
  /** A due channel had nothing to post (unknown deck, no chat adapter...). */
  | { type: 'skipped'; team: TeamRef; channelId: string; reason: string }
  /** Handling an entry failed (store or bug) or ran past its time; it comes back after its lease. */
  | { type: 'error'; error: unknown; item?: DueItem; timedOut?: boolean }
  /** A tick finished. */
  | { type: 'tick'; now: number; due: number; handled: number; ms: number };

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Competition data with the due index. */
  store: TeamStore;
  /** Opens and closes rounds. */
  daily: DailyService;
  /** Time source for ticks. */
  clock: Clock;
  /** Logger. */
  log?: Logger;
  /** Counter hook: every event (posted, retry, failed, ...). */
  onEvent?: (event: SchedulerEvent) => void;
  /** node-cron expression of the one tick task (6 fields with seconds); default every minute. */
  cron?: string;
  /** Due entries read per tick. */
  batch?: number;
  /** Work items (open a channel's round, close a round) running at once per instance. */
  concurrency?: number;
  /**
   * How long one work item may run before it is given up (its signal aborts and its slot is
   * freed), ms. Shorter than `leaseMs`, so a given-up entry is not handed out while it runs.
   */
  itemTimeoutMs?: number;
  /** How long a leased due entry stays hidden from other instances while this one handles it, ms. */
  leaseMs?: number;
  /** Delay before retry `attempt` (1-based) of a failed post or results edit, ms. */
  backoffMs?: (attempt: number) => number;
  /** Results edits tried before giving up on a closed round's post. */
  maxRevealAttempts?: number;
  /** Claim owner id of this instance; default host, pid and a random part. */
  owner?: string;
}

/** Defaults of {@link SchedulerOptions}. */
export const SCHEDULER_DEFAULTS = {
  cron: '0 * * * * *',
  batch: 1000,
  concurrency: 16,
  // As config.ts: longer than the daily post timeout (2 min), shorter than the lease.
  itemTimeoutMs: 150_000,
  leaseMs: 180_000,
  backoffMs: (attempt: number) => Math.min(60_000 * 2 ** (attempt - 1), 15 * 60_000),
  maxRevealAttempts: 5,
};

/** Upper bound of due-index reads per tick (each of `batch` entries). */
const MAX_BATCHES_PER_TICK = 50;

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/** What one tick did. */
export interface TickReport {
  /** Entries due at the tick and handed to the work queue. */
  due: number;
  /** Entries this instance leased and handled (counted as their work items start). */
  handled: number;
}

/** The work queue key of a due item: one work item per channel opening or round closing. */
function itemKey(item: DueItem): string {
  const t = `${item.team.platform}:${item.team.teamId}`;
  return item.kind === 'open' ? `open|${t}|${item.channelId}` : `close|${t}|${item.roundId}`;
}

/**
 * The daily-quiz scheduler: ONE node-cron task per process ticks every minute and reads the
 * global due index (a sorted set of "open channel X" / "close round Y" scored by due time) for
 * entries due now, and hands each one to a bounded work queue. An entry is leased with a
 * compare-and-set when its work item starts, so several instances share a tick's work; the
 * per-round claim in the team's slot is what makes a post exactly-once. A tick only reads and
 * hands out: it never waits on one channel's post, and every work item has its own timeout, so
 * a hung socket or a long rate-limit wait holds one slot, never the process. Timezones and DST
 * are handled by the next-occurrence math, not by cron: a schedule's next opening is an instant.
 */
export class Scheduler {
  private readonly o: Required<Omit<SchedulerOptions, 'onEvent'>> & Pick<SchedulerOptions, 'onEvent'>;
  private readonly work: WorkQueue;
  private task: ScheduledTask | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(opts: SchedulerOptions) {
    this.o = {
      ...SCHEDULER_DEFAULTS,
      log: silentLogger,
      owner: `${hostname().replaceAll('|', '_')}-${process.pid}-${randomUUID().slice(0, 8)}`,
      ...opts,
    };
    this.work = new WorkQueue({
      concurrency: this.o.concurrency,
      timeoutMs: this.o.itemTimeoutMs,
      onError: (error, key) => this.failed(error, key),
    });
  }

  /**
   * Catches up (reindexes schedules and open rounds, then handles what is due) and starts the
   * cron task. Resolves once the catch-up items are done or given up (each within
   * `itemTimeoutMs`, so a hung post delays the first cron tick by at most that).
   */
  async start(): Promise<void> {
    if (this.task || this.stopping) return;
    const now = this.o.clock.now();
    try {
      await this.reconcile(now);
    } catch (error) {
      this.o.log.error({ err: error }, 'daily scheduler catch-up failed');
      this.emit({ type: 'error', error });
    }
    if (this.stopping) return;
    await this.tick(now);
    if (this.stopping) return;
    this.task = createTask(this.o.cron, () => this.dispatch(), { name: 'quizbot-daily', noOverlap: true });
    await this.task.start();
  }

  /**
   * Stops the cron task and the work queue: items not started are dropped (their due entries
   * were never leased, so any instance takes them at its next tick), running ones get until
   * `deadline` (epoch ms; default their own timeout) and are then aborted. True when everything
   * in hand finished in time.
   */
  async stop(deadline = Date.now() + this.o.itemTimeoutMs): Promise<boolean> {
    this.stopping = true;
    const task = this.task;
    this.task = undefined;
    if (task) await task.destroy();
    const drained = await this.work.close(deadline);
    // A tick still reading Redis has nothing left to hand out; wait for it only until the deadline.
    await Promise.race([this.chain, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    return drained;
  }

  /** Work items queued or running. */
  get inHand(): number {
    return this.work.size;
  }

  /** Resolves when no work item is queued or running. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  /**
   * Makes sure every active schedule and every open round has a due entry (without moving
   * existing ones). Runs on start; reads the team index, never scans the keyspace.
   */
  async reconcile(now: number): Promise<void> {
    const { store } = this.o;
    await pool(await store.teams(), this.o.concurrency, (team) => reindexTeam(store, team, now));
  }

  /**
   * Handles every entry due at `now` (default the clock) and resolves when the work items it
   * handed out are done or given up (each within `itemTimeoutMs`). Ticks of one instance never
   * overlap; the cron task uses {@link dispatch}, which does not wait for the items.
   */
  async tick(now?: number): Promise<TickReport> {
    const items: Promise<void>[] = [];
    const report = await this.dispatch(now, (p) => items.push(p));
    await Promise.all(items);
    return report;
  }

  /** Reads what is due and hands it to the work queue; resolves once handed out. */
  private dispatch(now?: number, onItem?: (p: Promise<void>) => void): Promise<TickReport> {
    const run = this.chain.then(() => this.runTick(now ?? this.o.clock.now(), onItem));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private emit(event: SchedulerEvent): void {
    try {
      this.o.onEvent?.(event);
    } catch (err) {
      this.o.log.warn({ err }, 'scheduler event hook threw');
    }
  }

  private failed(error: unknown, key: string): void {
    const timedOut = error instanceof WorkAborted;
    const item = this.items.get(key);
    if (timedOut)
      this.o.log.warn({ err: error, item }, 'daily scheduler entry given up; it comes back after its lease');
    else this.o.log.error({ err: error, item }, 'daily scheduler entry failed');
    this.emit({ type: 'error', error, ...(item ? { item } : {}), ...(timedOut ? { timedOut } : {}) });
  }

  /** Items in hand by key, for logs. */
  private readonly items = new Map<string, DueItem>();

  private async runTick(now: number, onItem?: (p: Promise<void>) => void): Promise<TickReport> {
    const started = Date.now();
    // Mutated as items start: tick() returns it once its items are done.
    const report: TickReport = { due: 0, handled: 0 };
    // Entries still waiting in the queue are not leased yet, so a read returns them again: read
    // that many more than a batch, and skip those in hand. Leased entries move out of [0, now],
    // so reading again returns the rest: a 09:00 burst of thousands of channels is handed out in
    // this tick, as fast as slots free up (bounded by the items' timeouts, never by one channel).
    for (let round = 0; round < MAX_BATCHES_PER_TICK && !this.stopping; round++) {
      await this.work.room(this.o.concurrency);
      if (this.stopping) break;
      const limit = this.o.batch + this.work.waiting;
      let entries: DueEntry[];
      try {
        entries = await this.o.store.dueEntries(now, limit);
      } catch (error) {
        this.o.log.error({ err: error }, 'daily scheduler tick failed');
        this.emit({ type: 'error', error });
        break;
      }
      let fresh = 0;
      for (const entry of entries) {
        const key = itemKey(entry.item);
        const p = this.work.add(key, (signal) => this.handle(entry, now, signal, () => report.handled++));
        if (!p) continue;
        fresh++;
        this.items.set(key, entry.item);
        void p.finally(() => this.items.delete(key));
        onItem?.(p);
      }
      report.due += fresh;
      if (entries.length < limit || fresh === 0) break;
    }
    this.emit({ type: 'tick', now, due: report.due, handled: report.handled, ms: Date.now() - started });
    return report;
  }

  /** One work item: lease the entry (skip when another instance has it), then open or close. */
  private async handle(
    entry: DueEntry,
    tickNow: number,
    signal: AbortSignal,
    onLeased: () => void,
  ): Promise<void> {
    // Waiting for a slot takes real time: lease from the later of the tick's time and the clock.
    const now = Math.max(tickNow, this.o.clock.now());
    if (!(await this.o.store.leaseDue(entry.item, entry.at, now + this.o.leaseMs))) return;
    onLeased();
    if (signal.aborted) return;
    if (entry.item.kind === 'open') await this.open(entry.item, entry.at, now, signal);
    else await this.close(entry.item, now, signal);
  }

  private async open(
    item: Extract<DueItem, { kind: 'open' }>,
    at: number,
    now: number,
    signal: AbortSignal,
  ): Promise<void> {
    const { store, daily, log } = this.o;
    const { team, channelId } = item;
    const s = await store.getSchedule(team, channelId);
    if (!s || s.paused) {
      await store.removeDue(item);
      return;
    }
    const occ = currentOccurrence(s, now);
    let dueAt = nextOccurrence(s, now).start;
    if (!occ) {
      this.emit({ type: 'missed', team, channelId, at });
      log.info({ team, channelId, at }, 'daily round window passed without a post');
    } else {
      const out = await daily.openRound(team, channelId, occ.date, { owner: this.o.owner, now, signal });
      switch (out.status) {
        case 'posted':
          this.emit({ type: 'posted', team, channelId, roundId: out.roundId });
          break;
        case 'busy':
          // Someone else is posting: look again when their lease ends, in case they died.
          dueAt = Math.min(dueAt, out.until + 1_000);
          break;
        case 'retry': {
          // A 429 is retried after the platform's Retry-After, never sooner and never inline.
          const delayMs = Math.max(this.o.backoffMs(out.attempt), retryAfterOf(out.error));
          dueAt = Math.min(dueAt, now + delayMs);
          this.emit({
            type: 'retry',
            team,
            channelId,
            roundId: out.roundId,
            attempt: out.attempt,
            delayMs,
            error: out.error,
          });
          break;
        }
        case 'failed':
          if (out.error !== undefined) {
            log.error(
              { err: out.error, team, channelId, roundId: out.roundId },
              'daily post failed for good',
            );
            this.emit({
              type: 'failed',
              what: 'post',
              team,
              channelId,
              roundId: out.roundId,
              attempts: out.attempts,
              error: out.error,
            });
          }
          break;
        case 'skipped':
          log.warn({ team, channelId, reason: out.reason }, 'daily round skipped');
          this.emit({ type: 'skipped', team, channelId, reason: out.reason });
          break;
        case 'taken':
          break;
      }
    }
    // Given up meanwhile: its entry is handed out again when the lease ends; a late write here
    // could overwrite what a newer instance of the item set.
    if (signal.aborted) return;
    await store.setDue(item, dueAt);
  }

  private async close(
    item: Extract<DueItem, { kind: 'close' }>,
    now: number,
    signal: AbortSignal,
  ): Promise<void> {
    const { store, daily, log } = this.o;
    const rep = await daily.closeRound(item.team, item.roundId, { now, signal });
    if (rep.status === 'closed') this.emit({ type: 'closed', team: item.team, roundId: item.roundId });
    if (rep.revealed) {
      await store.removeDue(item);
      return;
    }
    if (rep.failures >= this.o.maxRevealAttempts) {
      log.error({ err: rep.error, team: item.team, roundId: item.roundId }, 'daily results edit given up');
      this.emit({
        type: 'failed',
        what: 'reveal',
        team: item.team,
        roundId: item.roundId,
        attempts: rep.failures,
        error: rep.error,
      });
      await store.removeDue(item);
      return;
    }
    if (signal.aborted) return; // Given up meanwhile (see open).
    await store.setDue(item, now + Math.max(this.o.backoffMs(rep.failures), retryAfterOf(rep.error)));
  }
}
