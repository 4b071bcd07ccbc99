import { beforeEach, describe, expect, it } from 'vitest';
import { decodeAction } from '../../src/engine/actions.js';
import { DailyService, type DailySettings } from '../../src/engine/daily.js';
import { RateLimitedError } from '../../src/engine/errors.js';
import type { TeamStore } from '../../src/engine/ports.js';
import type { View } from '../../src/engine/views.js';
import { actor, buttonId, FakeClock, makeDecks, TEAM, testRandom } from '../helpers/daily.js';
import { PlatformChat } from '../helpers/platform-chat.js';
import { teamStorePairs } from '../helpers/team-stores.js';

/**
 * Exactly one post per round whatever fails (issue 11, items 1 and 2): two DailyService instances
 * (two bot processes, each with its own store connection) post to one platform that, like Discord
 * with a nonce and Slack with a metadata lookup, never makes a second message for the same key.
 */

const pairs = teamStorePairs('x');
const ADMIN = actor('boss', true);
const DATE = '2024-03-28';
// Thursday 2024-03-28 09:00 in Berlin: the scheduled time of C1.
const NINE = '2024-03-28T08:00:00Z';
const LEASE = 60_000;

/** Calls of some store methods, so a test can wait for one to have happened. */
class StoreSpy {
  readonly calls: string[] = [];
  private readonly waiters: { method: string; from: number; resolve: () => void }[] = [];

  wrap(store: TeamStore): TeamStore {
    return new Proxy(store, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          this.calls.push(String(prop));
          for (const w of [...this.waiters]) {
            if (this.calls.lastIndexOf(w.method) >= w.from) {
              this.waiters.splice(this.waiters.indexOf(w), 1);
              w.resolve();
            }
          }
          return out;
        };
      },
    });
  }

  /** Resolves after the next completed call of `method` (from now on). */
  next(method: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ method, from: this.calls.length, resolve }));
  }
}

interface World {
  clock: FakeClock;
  chat: PlatformChat;
  spy: StoreSpy;
  stores: [TeamStore, TeamStore];
  a: DailyService;
  b: DailyService;
}

function world(make: () => [TeamStore, TeamStore], settings: Partial<DailySettings> = {}): World {
  const clock = new FakeClock(Date.parse(NINE));
  const chat = new PlatformChat();
  const spy = new StoreSpy();
  const stores = make();
  const decks = makeDecks(5);
  const base = {
    decks,
    clock,
    chat: () => chat,
    settings: { leaseMs: LEASE, renewEveryMs: 50_000, postTimeoutMs: 55_000, ...settings },
  };
  // Different seeds: a process that re-picked the card would show it.
  const a = new DailyService({ ...base, store: spy.wrap(stores[0]), random: testRandom(1) });
  const b = new DailyService({ ...base, store: stores[1], random: testRandom(2) });
  return { clock, chat, spy, stores, a, b };
}

async function scheduleC1(w: World): Promise<void> {
  const v = await w.a.admin(ADMIN, {
    kind: 'schedule',
    channelId: 'C1',
    deckId: 'k8s',
    time: '09:00',
    timezone: 'Europe/Berlin',
  });
  expect(v.code).toBeUndefined();
}

/** Question, choices and round id of a posted view: what users see and click. */
function shown(view: View): { text: string; buttons: string[] } {
  return { text: view.text, buttons: (view.buttons?.flat() ?? []).map((b) => `${b.actionId} ${b.label}`) };
}

describe.each(pairs)('exactly-once daily posts on $name', ({ make }) => {
  let w: World;
  beforeEach(async () => {
    w = world(make);
    await scheduleC1(w);
  });

  it('a post that lands but whose response is lost is not posted again: the retry finds it', async () => {
    w.chat.loseResponses = 1;
    const first = await w.a.openRound(TEAM, 'C1', DATE);
    expect(first.status).toBe('retry');
    const second = await w.b.openRound(TEAM, 'C1', DATE);
    expect(second.status).toBe('posted');
    const messages = w.chat.inChannel('C1');
    expect(messages.map((m) => m.messageId)).toHaveLength(1);
    expect((await w.stores[1].getRound(TEAM, 'C1-20240328'))?.message?.messageId).toBe(
      messages[0]?.messageId,
    );
  });

  it('a post that outlives its lease: the takeover posts the same round, answers are kept, one message', async () => {
    w = world(make, { renewEveryMs: 50_000, postTimeoutMs: 55_000 });
    await scheduleC1(w);
    w.chat.holdPosts = 1;
    w.chat.createBeforeHold = true; // the message exists; only its response is late
    const slow = w.a.openRound(TEAM, 'C1', DATE);
    await w.chat.until(() => w.chat.pending.length === 1);
    const landed = w.chat.inChannel('C1')[0];
    if (!landed) throw new Error('no message');
    const click = decodeAction(buttonId(landed.view, 0));
    if (click.kind !== 'answer') throw new Error('not an answer button');
    w.clock.advance(1_000);
    expect((await w.a.answer(actor('u1'), click.roundId, click.choice)).view.code).toBeUndefined();

    w.clock.advance(LEASE); // A's lease has run out while its post is still in flight
    const takeover = await w.b.openRound(TEAM, 'C1', DATE);
    expect(takeover.status).toBe('posted');
    const messages = w.chat.inChannel('C1');
    expect(messages.map((m) => m.messageId)).toEqual([landed.messageId]);
    if (takeover.status === 'posted') expect(takeover.message.messageId).toBe(landed.messageId);
    // Same card and choice order: the buttons already out there grade against this round.
    const round = await w.stores[1].getRound(TEAM, click.roundId);
    const again = await w.b.answer(actor('u1'), click.roundId, (click.choice + 1) % 4);
    expect(again.view.code).toBe('already_answered');
    expect(round?.message?.messageId).toBe(landed.messageId);

    w.chat.release();
    await slow;
    expect(w.chat.inChannel('C1').map((m) => shown(m.view))).toEqual([shown(landed.view)]);
    expect((await w.stores[0].getRound(TEAM, click.roundId))?.cardId).toBe(round?.cardId);
  });

  it('the lease is renewed while a post is in flight, so no other process takes over', async () => {
    w = world(make, { renewEveryMs: 5, postTimeoutMs: 55_000 });
    await scheduleC1(w);
    w.chat.holdPosts = 1;
    const slow = w.a.openRound(TEAM, 'C1', DATE);
    await w.chat.until(() => w.chat.pending.length === 1);
    w.clock.advance(LEASE - 1_000);
    // Renewals run one after another: the second to complete from here began after the advance.
    await w.spy.next('renewClaim');
    await w.spy.next('renewClaim');
    w.clock.advance(2_000); // past the first lease, inside the renewed one
    const other = await w.b.openRound(TEAM, 'C1', DATE);
    expect(other.status).toBe('busy');
    w.chat.release();
    expect((await slow).status).toBe('posted');
    expect(w.chat.inChannel('C1')).toHaveLength(1);
  });

  it('a post that never answers times out inside the lease and is aborted; the retry posts once', async () => {
    w = world(make, { renewEveryMs: 5, postTimeoutMs: 30 });
    await scheduleC1(w);
    w.chat.holdPosts = 1;
    const out = await w.a.openRound(TEAM, 'C1', DATE);
    expect(out.status).toBe('retry');
    expect(w.chat.pending).toEqual([]); // its abort signal fired: the platform call was given up
    expect(w.chat.inChannel('C1')).toHaveLength(0);
    expect((await w.b.openRound(TEAM, 'C1', DATE)).status).toBe('posted');
    expect(w.chat.inChannel('C1')).toHaveLength(1);
  });

  it('a holder whose claim was taken over stops its post at the next renewal; its record would be refused', async () => {
    w = world(make, { renewEveryMs: 5, postTimeoutMs: 55_000 });
    await scheduleC1(w);
    w.chat.holdPosts = 1;
    const stale = w.a.openRound(TEAM, 'C1', DATE);
    await w.chat.until(() => w.chat.pending.length === 1);
    // A stalls past its lease before renewing (a GC pause): B takes over with the next generation.
    const held = w.chat.pending[0];
    w.clock.advance(LEASE + 1);
    const renewals = w.spy.next('renewClaim');
    expect((await w.b.openRound(TEAM, 'C1', DATE)).status).toBe('posted');
    await renewals;
    expect(await stale).toMatchObject({ status: 'busy' });
    expect(held?.signal?.aborted).toBe(true);
    expect(w.chat.inChannel('C1')).toHaveLength(1);
  });

  it('refuses settings whose post timeout or renewal is not shorter than the lease', () => {
    const [store] = make();
    const base = { store, decks: makeDecks(1), clock: w.clock, chat: () => w.chat };
    expect(() => new DailyService({ ...base, settings: { leaseMs: 1_000, postTimeoutMs: 1_000 } })).toThrow(
      /postTimeoutMs/,
    );
    expect(
      () =>
        new DailyService({ ...base, settings: { leaseMs: 1_000, postTimeoutMs: 500, renewEveryMs: 1_000 } }),
    ).toThrow(/renewEveryMs/);
  });

  it('refuses a claim lifetime not longer than the longest round window, so a generation never restarts (review S3)', () => {
    const [store] = make();
    const base = { store, decks: makeDecks(1), clock: w.clock, chat: () => w.chat };
    // Every claim of a round happens before its close, at most 24 h after its first claim: a claim
    // that outlives that is never expired (and its generation restarted) while the round can post.
    expect(() => new DailyService({ ...base, settings: { keepMs: 24 * 3_600_000 } })).toThrow(/keepMs/);
    expect(() => new DailyService({ ...base, settings: { keepMs: 25 * 3_600_000 } })).not.toThrow();
  });

  it('a retry after the round’s stored close time posts nothing, also when the schedule now closes later (review S2)', async () => {
    w.chat.refuse.push(new Error('Missing Access'));
    expect((await w.a.openRound(TEAM, 'C1', DATE)).status).toBe('retry');
    // The stored round closes at 17:00 (the default 8 h); the admin now closes at 23:00.
    const v = await w.a.admin(ADMIN, {
      kind: 'schedule',
      channelId: 'C1',
      deckId: 'k8s',
      time: '09:00',
      timezone: 'Europe/Berlin',
      close: '23:00',
    });
    expect(v.code).toBeUndefined();
    w.clock.advance(8 * 3_600_000 + 60_000);
    const late = await w.b.openRound(TEAM, 'C1', DATE);
    expect(late.status).toBe('skipped');
    expect(w.chat.calls).toBe(1);
    expect(w.chat.inChannel('C1')).toEqual([]);
    expect(await w.stores[1].openRounds(TEAM)).toEqual([]);
  });

  it('a 429 is not a failed attempt: rate-limited retries do not use up the attempts (review S4)', async () => {
    for (let i = 0; i < 5; i++) w.chat.refuse.push(new RateLimitedError(60_000, '429'));
    for (let i = 0; i < 5; i++) {
      const out = await w.a.openRound(TEAM, 'C1', DATE);
      expect(out.status).toBe('retry');
      w.clock.advance(60_000);
    }
    // Still bounded: real failures count as before (3 attempts), rate limits in between or not.
    w.chat.refuse.push(new Error('boom'), new RateLimitedError(60_000, '429'), new Error('boom'));
    expect((await w.b.openRound(TEAM, 'C1', DATE)).status).toBe('retry');
    expect((await w.b.openRound(TEAM, 'C1', DATE)).status).toBe('retry');
    expect((await w.b.openRound(TEAM, 'C1', DATE)).status).toBe('retry');
    expect((await w.b.openRound(TEAM, 'C1', DATE)).status).toBe('posted');
    expect(w.chat.inChannel('C1')).toHaveLength(1);
  });

  it('three failures that are not rate limits still fail the round for good', async () => {
    w.chat.refuse.push(new RateLimitedError(1_000, '429'), new Error('a'), new Error('b'), new Error('c'));
    const outs = [];
    for (let i = 0; i < 4; i++) outs.push((await w.a.openRound(TEAM, 'C1', DATE)).status);
    expect(outs).toEqual(['retry', 'retry', 'retry', 'failed']);
    expect((await w.a.openRound(TEAM, 'C1', DATE)).status).toBe('failed');
    expect(w.chat.calls).toBe(4);
  });

  it('two post-now at once (one delivery to each of two replicas) post once', async () => {
    w.chat.holdPosts = 2;
    const first = w.a.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
    await w.chat.until(() => w.chat.pending.length === 1);
    const second = w.b.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
    // Either the second command answers without posting, or it reaches the platform too.
    await Promise.race([second, w.chat.until(() => w.chat.pending.length === 2)]);
    w.chat.release();
    const views = await Promise.all([first, second]);
    expect(new Set(w.chat.messages.map((m) => m.messageId)).size).toBe(1);
    expect(new Set(views.map((v) => v.tone))).toEqual(new Set(['success', 'info']));
  });

  it('a post-now that failed releases its mark: trying again at once is not told “just posted” (review C5)', async () => {
    w.chat.loseResponses = 1;
    const v1 = await w.a.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
    expect(v1.title).not.toBe('Question posted');
    expect(v1.text).toMatch(/failed/);
    w.clock.advance(1_000);
    const v2 = await w.b.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
    expect(v2.title).toBe('Question posted');
    // The retry found the message the lost response had made: still one post.
    expect(w.chat.inChannel('C1')).toHaveLength(1);
    // And the mark holds again once something was posted.
    w.clock.advance(1_000);
    expect((await w.a.admin(ADMIN, { kind: 'post-now', channelId: 'C1' })).text).toMatch(/just posted/);
  });

  it('a double click across a minute boundary posts one extra question', async () => {
    expect((await w.a.openRound(TEAM, 'C1', DATE)).status).toBe('posted');
    w.clock.set('2024-03-28T08:00:59.999Z');
    const v1 = await w.a.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
    expect(v1.title).toBe('Question posted');
    w.clock.advance(2);
    const v2 = await w.b.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
    expect(v2.tone).toBe('info');
    expect(w.chat.inChannel('C1')).toHaveLength(2);
    // Later, another post-now is a new extra question.
    w.clock.advance(60_000);
    expect((await w.b.admin(ADMIN, { kind: 'post-now', channelId: 'C1' })).title).toBe('Question posted');
    expect(w.chat.inChannel('C1')).toHaveLength(3);
  });
});
