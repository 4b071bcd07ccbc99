import { describe, expect, it } from 'vitest';
import { DailyService } from '../../src/engine/daily.js';
import { RateLimitedError } from '../../src/engine/errors.js';
import type { ChatPort, Clock, MessageRef, PostOptions } from '../../src/engine/ports.js';
import type { View } from '../../src/engine/views.js';
import { Scheduler, type SchedulerEvent, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { actor, FakeClock, makeDecks, TEAM, testRandom } from '../helpers/daily.js';

/**
 * One slow channel must not stall the process: work items run with bounded concurrency and
 * their own timeouts, and a tick never waits on one channel. (Issue 11, item 4.)
 */

/** A chat whose posts to `hung` channels never answer until released; records the others. */
class HangingChat implements ChatPort {
  readonly posted: string[] = [];
  readonly hung = new Set<string>();
  /** Channels whose next post answers 429 with this Retry-After, ms. */
  readonly limited = new Map<string, number>();
  running = 0;
  maxRunning = 0;
  private readonly releases: (() => void)[] = [];
  private n = 0;

  /** The signal of the latest post call. */
  lastSignal: AbortSignal | undefined;

  async post(channelId: string, _view: View, opts?: PostOptions): Promise<MessageRef> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.lastSignal = opts?.signal;
    try {
      if (this.hung.has(channelId)) await new Promise<void>((r) => this.releases.push(r));
      // The platform answered after the engine gave the call up: an adapter sends nothing more.
      opts?.signal.throwIfAborted();
      const wait = this.limited.get(channelId);
      if (wait !== undefined) {
        this.limited.delete(channelId);
        throw new RateLimitedError(wait, `429 in ${channelId}`);
      }
      // One macrotask, so concurrent posts really overlap.
      await new Promise((r) => setImmediate(r));
      this.posted.push(channelId);
      return { channelId, messageId: `m${++this.n}` };
    } finally {
      this.running--;
    }
  }

  async update(): Promise<void> {}

  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

/** Resolves once `cond` holds (checked every 10 ms): waits on the state itself, never a fixed time. */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (cond() ? resolve() : setTimeout(check, 10));
    check();
  });
}

const NINE = Date.parse('2024-03-28T08:00:00Z'); // 09:00 in Berlin, a Thursday
const CHANNELS = Array.from({ length: 10 }, (_, i) => `C${i}`);

async function setup(opts: Partial<SchedulerOptions> = {}, clock: Clock = new FakeClock(NINE - 86_400_000)) {
  const chat = new HangingChat();
  const store = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
  const daily = new DailyService({
    store,
    decks: makeDecks(5),
    clock,
    chat: () => chat,
    random: testRandom(3),
  });
  const events: SchedulerEvent[] = [];
  const sched = new Scheduler({ store, daily, clock, onEvent: (e) => events.push(e), ...opts });
  const schedule = async (channelId: string, time = '09:00', timezone = 'Europe/Berlin') => {
    const v = await daily.admin(actor('boss', true), {
      kind: 'schedule',
      channelId,
      deckId: 'k8s',
      time,
      timezone,
      weekdays: 'daily',
    });
    expect(v.code).toBeUndefined();
  };
  return { chat, store, daily, events, sched, schedule };
}

describe('Scheduler work items', () => {
  it('a hung post holds one slot: every other channel posts, and the hung item is given up after its timeout', async () => {
    const { chat, events, sched, schedule } = await setup({ concurrency: 2, itemTimeoutMs: 300 });
    for (const c of CHANNELS) await schedule(c);
    chat.hung.add('C0');
    chat.hung.add('C5');
    try {
      // Before: the tick's pool waited for the hung posts, so this never resolved.
      const report = await sched.tick(NINE);
      expect(report.due).toBe(CHANNELS.length);
      expect(new Set(chat.posted)).toEqual(new Set(CHANNELS.filter((c) => !chat.hung.has(c))));
      const givenUp = events.filter((e) => e.type === 'error' && e.timedOut);
      expect(
        new Set(givenUp.map((e) => (e.type === 'error' && e.item?.kind === 'open' ? e.item.channelId : ''))),
      ).toEqual(new Set(['C0', 'C5']));
      expect(sched.inHand).toBe(0);
    } finally {
      chat.release();
      await sched.stop();
    }
  });

  it('an item given up aborts its post call: the scheduler passes its signal down (review C4)', async () => {
    const { chat, sched, schedule } = await setup({ concurrency: 2, itemTimeoutMs: 300 });
    await schedule('C0');
    chat.hung.add('C0');
    try {
      await sched.tick(NINE);
      // tick() resolves once the item was given up: the post call's signal fired with it.
      expect(chat.lastSignal?.aborted).toBe(true);
    } finally {
      chat.release();
      await sched.stop();
    }
  });

  it('an open aborted mid-post writes nothing further; after the lease the next attempt posts the same round once (review C4)', async () => {
    const leaseMs = 60_000;
    const chat = new HangingChat();
    const store = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
    const clock = new FakeClock(NINE - 86_400_000);
    const daily = new DailyService({
      store,
      decks: makeDecks(5),
      clock,
      chat: () => chat,
      random: testRandom(3),
      settings: { leaseMs },
    });
    await daily.admin(actor('boss', true), {
      kind: 'schedule',
      channelId: 'C0',
      deckId: 'k8s',
      time: '09:00',
      timezone: 'Europe/Berlin',
      weekdays: 'daily',
    });
    chat.hung.add('C0');
    const ac = new AbortController();
    const first = daily.openRound(TEAM, 'C0', '2024-03-28', { now: NINE, signal: ac.signal });
    await until(() => chat.running === 1);
    const claimed = await store.getRound(TEAM, 'C0-20240328');
    ac.abort(new Error('item given up'));
    chat.release(); // the platform answers after the item was given up
    await expect(first).rejects.toThrow('item given up');
    expect(chat.posted).toEqual([]);
    expect((await store.getRound(TEAM, 'C0-20240328'))?.message).toBeNull();
    expect(await store.openRounds(TEAM)).toEqual([]);
    // The claim is still held by the given-up attempt (not failed, not retried) until its lease ends.
    expect((await daily.openRound(TEAM, 'C0', '2024-03-28', { now: NINE + 1_000 })).status).toBe('busy');
    chat.hung.clear();
    const next = await daily.openRound(TEAM, 'C0', '2024-03-28', { now: NINE + leaseMs + 1 });
    expect(next.status).toBe('posted');
    expect(chat.posted).toEqual(['C0']);
    const posted = await store.getRound(TEAM, 'C0-20240328');
    expect(posted?.cardId).toBe(claimed?.cardId);
    expect(posted?.order).toEqual(claimed?.order);
  });

  it('a 429 is put back for after its Retry-After, not retried at the usual backoff', async () => {
    const { chat, store, sched, schedule } = await setup({ concurrency: 2, backoffMs: () => 1_000 });
    for (const c of ['C0', 'C1', 'C2']) await schedule(c);
    chat.limited.set('C1', 600_000);
    await sched.tick(NINE);
    expect(new Set(chat.posted)).toEqual(new Set(['C0', 'C2']));
    const due = await store.dueEntries(Number.MAX_SAFE_INTEGER, 10);
    const c1 = due.find((d) => d.item.kind === 'open' && d.item.channelId === 'C1');
    expect(c1?.at).toBe(NINE + 600_000);
    await sched.tick(NINE + 600_000);
    expect(chat.posted.filter((c) => c === 'C1')).toHaveLength(1);
    await sched.stop();
  });

  it('runs at most `concurrency` work items at once', async () => {
    const { chat, sched, schedule } = await setup({ concurrency: 3 });
    for (const c of CHANNELS) await schedule(c);
    await sched.tick(NINE);
    expect(chat.posted).toHaveLength(CHANNELS.length);
    expect(chat.maxRunning).toBeLessThanOrEqual(3);
    expect(chat.maxRunning).toBeGreaterThan(1);
    await sched.stop();
  });

  it('a cron tick posts a channel that became due while another channel’s post still hangs', async () => {
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset };
    // Item timeout far beyond the test: only a tick that does not wait on C0 can post C1.
    const { chat, sched, schedule } = await setup(
      { cron: '* * * * * *', concurrency: 4, itemTimeoutMs: 600_000, leaseMs: 1_200_000 },
      clock,
    );
    /** Schedules `channelId` as if configured a day earlier for the current UTC minute: due now. */
    const scheduleDueNow = async (channelId: string) => {
      const minute = Math.floor(Date.now() / 60_000) * 60_000;
      offset = minute - 86_400_000 - Date.now();
      await schedule(channelId, new Date(minute).toISOString().slice(11, 16), 'UTC');
      offset = 0;
    };
    chat.hung.add('C0');
    await sched.start();
    await scheduleDueNow('C0');
    await until(() => chat.running > 0); // a cron tick handed C0 out, and its post hangs
    await scheduleDueNow('C1');
    // Before: the tick holding C0 never ended, and node-cron skipped every later tick.
    await until(() => chat.posted.includes('C1') && sched.inHand === 1);
    expect(chat.posted).toEqual(['C1']);
    expect(sched.inHand).toBe(1);
    chat.release();
    await sched.stop();
  });

  it('stop() gives running items until the deadline, then aborts them and resolves false', async () => {
    const { chat, sched, schedule } = await setup({
      concurrency: 2,
      itemTimeoutMs: 600_000,
      leaseMs: 1_200_000,
    });
    for (const c of ['C0', 'C1', 'C2']) await schedule(c);
    chat.hung.add('C0');
    void sched.tick(NINE);
    await until(() => chat.posted.length === 2 && sched.inHand === 1);
    expect(await sched.stop(Date.now() + 200)).toBe(false);
    expect(sched.inHand).toBe(0);
    chat.release();
  });
});
