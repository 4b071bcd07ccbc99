import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/engine/api.js';
import { DailyService, roundIdFor } from '../../src/engine/daily.js';
import type { TeamStore } from '../../src/engine/ports.js';
import { Scheduler, type SchedulerEvent, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { actor, FakeClock, makeDecks, RecordingChat, TEAM, testRandom } from '../helpers/daily.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

let server: TestRedis;
const clients: Redis[] = [];
let n = 0;

beforeAll(async () => {
  server = await startTestRedis();
});

afterAll(async () => {
  const first = clients[0];
  if (first) await cleanupPrefix(first, server);
  for (const c of clients) c.disconnect();
  await server?.dispose();
});

/** A new client: one per simulated process. */
async function client(): Promise<Redis> {
  const c = await readyClient(server);
  clients.push(c);
  return c;
}

const decks = makeDecks(5);
const CHANNELS = Array.from({ length: 12 }, (_, i) => `C${String(i).padStart(2, '0')}`);

interface Instance {
  store: TeamStore;
  daily: DailyService;
  sched: Scheduler;
  events: SchedulerEvent[];
  errors: unknown[];
}

/** One bot process: its own Redis connection, DailyService and Scheduler, sharing the chat and clock. */
async function instance(
  keys: Keys,
  clock: FakeClock,
  chat: RecordingChat,
  seed: number,
  opts: Partial<SchedulerOptions> = {},
): Promise<Instance> {
  const store = new RedisTeamStore(await client(), keys);
  const daily = new DailyService({ store, decks, clock, chat: () => chat, random: testRandom(seed) });
  const events: SchedulerEvent[] = [];
  const errors: unknown[] = [];
  const log: Logger = {
    error: (obj) => errors.push(obj),
    warn: () => {},
    info: () => {},
    debug: () => {},
  };
  const sched = new Scheduler({ store, daily, clock, log, onEvent: (e) => events.push(e), ...opts });
  return { store, daily, sched, events, errors };
}

async function scheduleAll(inst: Instance, channels = CHANNELS, patch: Record<string, string> = {}) {
  for (const channelId of channels) {
    const v = await inst.daily.admin(actor('boss', true), {
      kind: 'schedule',
      channelId,
      deckId: 'k8s',
      time: '09:00',
      timezone: 'Europe/Berlin',
      ...patch,
    });
    expect(v.code).toBeUndefined();
  }
}

const at = (iso: string) => Date.parse(iso);
// Thursday 2024-03-28: 09:00 in Berlin is 08:00 UTC; the round closes at 17:00 (16:00 UTC).
const WED_EVENING = '2024-03-27T18:00:00Z';
const NINE = '2024-03-28T08:00:00Z';

function onePerChannel(chat: RecordingChat, channels = CHANNELS) {
  expect(chat.countByChannel()).toEqual(Object.fromEntries(channels.map((c) => [c, 1])));
}

describe('Scheduler with two instances on one redis-server', () => {
  let keys: Keys;
  let clock: FakeClock;
  let chat: RecordingChat;

  beforeEach(() => {
    keys = new Keys(`${server.prefix}s${++n}`);
    clock = new FakeClock(at(WED_EVENING));
    chat = new RecordingChat(clock);
  });

  it.each([
    ['concurrent ticks', 'both'],
    ['A then B', 'ab'],
    ['B then A', 'ba'],
  ])('posts once per channel whatever the interleaving (%s)', async (_name, order) => {
    chat.jitterMs = 5;
    const a = await instance(keys, clock, chat, 1, { concurrency: 2, batch: 5 });
    const b = await instance(keys, clock, chat, 2, { concurrency: 2, batch: 5 });
    await scheduleAll(a);
    for (const minute of [0, 0, 1, 2, 5]) {
      clock.set(at(NINE) + minute * 60_000);
      const now = clock.now();
      if (order === 'both') await Promise.all([a.sched.tick(now), b.sched.tick(now), a.sched.tick(now)]);
      else if (order === 'ab')
        await Promise.all([a.sched.tick(now), Promise.resolve().then(() => b.sched.tick(now))]);
      else {
        await b.sched.tick(now);
        await a.sched.tick(now);
      }
    }
    onePerChannel(chat);
    for (const p of chat.posts) expect(p.at).toBe(at(NINE));
    const posted = [...a.events, ...b.events].filter((e) => e.type === 'posted');
    expect(posted).toHaveLength(CHANNELS.length);
    // Which instance posted which channel is up to the scheduler of the machine, so it is not
    // asserted: only that every channel was posted once, by one of them.
    expect(new Set(posted.map((e) => e.type === 'posted' && e.channelId))).toEqual(new Set(CHANNELS));
  });

  it('opening the same round from both instances at once posts once (the claim, not the index)', async () => {
    chat.jitterMs = 10;
    const a = await instance(keys, clock, chat, 1);
    const b = await instance(keys, clock, chat, 2);
    await scheduleAll(a, ['C1']);
    clock.set(NINE);
    const outs = await Promise.all([
      a.daily.openRound(TEAM, 'C1', '2024-03-28'),
      b.daily.openRound(TEAM, 'C1', '2024-03-28'),
      b.daily.openRound(TEAM, 'C1', '2024-03-28'),
    ]);
    expect(outs.filter((o) => o.status === 'posted')).toHaveLength(1);
    expect(chat.posts).toHaveLength(1);
  });

  it('a restart inside the window posts nothing twice; the round still closes once', async () => {
    const a = await instance(keys, clock, chat, 1);
    await scheduleAll(a);
    clock.set(NINE);
    await a.sched.tick();
    onePerChannel(chat);
    await a.sched.stop();

    // "Restarted" process at 10:30: catch-up on start finds every round posted already.
    clock.set('2024-03-28T09:30:00Z');
    const c = await instance(keys, clock, chat, 3);
    await c.sched.start();
    await c.sched.tick();
    await c.sched.stop();
    onePerChannel(chat);

    clock.set('2024-03-28T16:00:00Z');
    const d = await instance(keys, clock, chat, 4);
    await Promise.all([d.sched.tick(), c.sched.tick()]);
    await d.sched.tick();
    expect(chat.updates).toHaveLength(CHANNELS.length);
    expect(
      d.events.filter((e) => e.type === 'closed').length + c.events.filter((e) => e.type === 'closed').length,
    ).toBe(CHANNELS.length);
  });

  it('a missed round is caught up once on start while its window is open', async () => {
    const a = await instance(keys, clock, chat, 1);
    await scheduleAll(a);
    // Nothing ran at 09:00. Two processes start at 10:30.
    clock.set('2024-03-28T09:30:00Z');
    const b = await instance(keys, clock, chat, 2);
    const c = await instance(keys, clock, chat, 3);
    await Promise.all([b.sched.start(), c.sched.start()]);
    await Promise.all([b.sched.tick(), c.sched.tick()]);
    await Promise.all([b.sched.stop(), c.sched.stop()]);
    onePerChannel(chat);
    for (const p of chat.posts) expect(p.at).toBe(at('2024-03-28T09:30:00Z'));
    // Its close time stays the scheduled one (17:00 Berlin).
    const round = await b.store.getRound(TEAM, roundIdFor('C00', '2024-03-28'));
    expect(round?.closesAt).toBe(at('2024-03-28T16:00:00Z'));
  });

  it('catch-up on start closes rounds whose close time passed, and skips windows that passed', async () => {
    const a = await instance(keys, clock, chat, 1);
    await scheduleAll(a);
    clock.set(NINE);
    await a.sched.tick();
    await a.daily.answer(actor('u1'), roundIdFor('C00', '2024-03-28'), 0);
    // Every process was down from 09:00 Thursday until Friday 19:00.
    clock.set('2024-03-29T18:00:00Z');
    const b = await instance(keys, clock, chat, 2);
    await b.sched.start();
    await b.sched.stop();
    onePerChannel(chat); // Friday's window (09:00-17:00) passed: nothing posted late.
    expect(chat.updates).toHaveLength(CHANNELS.length);
    expect(b.events.filter((e) => e.type === 'missed')).toHaveLength(CHANNELS.length);
    // Next due: Monday 09:00 CEST.
    const due = await b.store.dueEntries(Number.MAX_SAFE_INTEGER, 100);
    expect(new Set(due.map((d) => d.at))).toEqual(new Set([at('2024-04-01T07:00:00Z')]));
  });

  it('rebuilds missing due entries from the schedules on start', async () => {
    const a = await instance(keys, clock, chat, 1);
    await scheduleAll(a, ['C1']);
    await a.store.removeDue({ kind: 'open', team: TEAM, channelId: 'C1' });
    clock.set(NINE);
    await a.sched.start();
    await a.sched.stop();
    expect(chat.posts.map((p) => p.channelId)).toEqual(['C1']);
  });

  it('a failed post is retried with backoff, then reported; the claim is marked failed, not stuck', async () => {
    const a = await instance(keys, clock, chat, 1);
    const b = await instance(keys, clock, chat, 2);
    await scheduleAll(a, ['C1']);
    chat.failPosts = 99;
    const times = ['08:00', '08:00:30', '08:01', '08:02', '08:03', '08:10'];
    for (const t of times) {
      clock.set(`2024-03-28T${t.length === 5 ? `${t}:00` : t}Z`);
      await Promise.all([a.sched.tick(), b.sched.tick()]);
    }
    // Either instance may take any attempt: the retries are compared as a set (by attempt), not in
    // the order the two instances' event lists happen to be joined.
    const events = [...a.events, ...b.events];
    const retries = events.flatMap((e) => (e.type === 'retry' ? [[e.attempt, e.delayMs]] : []));
    expect(retries.sort((x, y) => (x[0] as number) - (y[0] as number))).toEqual([
      [1, 60_000],
      [2, 120_000],
    ]);
    const failed = events.filter((e) => e.type === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ what: 'post', attempts: 3, channelId: 'C1' });
    expect([...a.errors, ...b.errors]).toHaveLength(1);
    expect(chat.posts).toHaveLength(0);
    // Not stuck: the claim says failed, and Friday's round posts normally.
    expect(await a.daily.openRound(TEAM, 'C1', '2024-03-28')).toMatchObject({ status: 'failed' });
    chat.failPosts = 0;
    clock.set('2024-03-29T08:00:00Z');
    await a.sched.tick();
    expect(chat.posts.map((p) => p.channelId)).toEqual(['C1']);
  });

  it('a post that fails once is retried and posted once', async () => {
    const a = await instance(keys, clock, chat, 1);
    await scheduleAll(a, ['C1']);
    chat.failPosts = 1;
    clock.set(NINE);
    await a.sched.tick();
    expect(chat.posts).toHaveLength(0);
    clock.set(at(NINE) + 60_000);
    await a.sched.tick();
    clock.set(at(NINE) + 120_000);
    await a.sched.tick();
    expect(chat.posts).toHaveLength(1);
  });

  it('a process that dies mid-post leaves a lease, not a stuck claim: another takes over after it', async () => {
    const a = await instance(keys, clock, chat, 1);
    const b = await instance(keys, clock, chat, 2);
    await scheduleAll(a, ['C1']);
    clock.set(NINE);
    // Process A leased the due entry and claimed the round, then died before posting.
    expect(
      await a.store.leaseDue({ kind: 'open', team: TEAM, channelId: 'C1' }, at(NINE), at(NINE) + 120_000),
    ).toBe(true);
    const round = {
      roundId: roundIdFor('C1', '2024-03-28'),
      channelId: 'C1',
      date: '2024-03-28',
      deckId: 'k8s',
      cardId: 'c0',
      form: 0,
      order: [0, 1, 2, 3],
      correct: 0,
      opensAt: at(NINE),
      closesAt: at('2024-03-28T16:00:00Z'),
      prevDate: null,
      status: 'open' as const,
      message: null,
      revealed: false,
    };
    const keep = 86_400_000;
    expect(
      await a.store.claimRound(TEAM, round, {
        owner: 'dead',
        now: at(NINE),
        leaseMs: 300_000,
        maxAttempts: 3,
        keepMs: keep,
      }),
    ).toMatchObject({ status: 'claimed', generation: 1 });
    for (let m = 1; m <= 10; m++) {
      clock.set(at(NINE) + m * 60_000);
      await b.sched.tick();
    }
    expect(chat.posts).toHaveLength(1);
    expect(chat.posts[0]?.at).toBeGreaterThan(at(NINE) + 300_000);
    // The round the dead process claimed, never a re-pick: its post may have landed.
    expect(chat.posts[0]?.view.text).toContain('question 0?');
  });

  it('a failed results edit is retried with backoff', async () => {
    const a = await instance(keys, clock, chat, 1);
    await scheduleAll(a, ['C1']);
    clock.set(NINE);
    await a.sched.tick();
    chat.failUpdates = 1;
    clock.set('2024-03-28T16:00:00Z');
    await a.sched.tick();
    expect(chat.updates).toHaveLength(0);
    clock.set('2024-03-28T16:01:00Z');
    await a.sched.tick();
    expect(chat.updates).toHaveLength(1);
    expect(a.events.filter((e) => e.type === 'closed')).toHaveLength(1);
  });
});
