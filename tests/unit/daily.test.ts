import { beforeEach, describe, expect, it } from 'vitest';
import { decodeAction } from '../../src/engine/actions.js';
import { DailyService, roundDate, roundIdFor } from '../../src/engine/daily.js';
import type { DeckSet } from '../../src/engine/deck/types.js';
import type { TeamStore } from '../../src/engine/ports.js';
import {
  actor,
  buttonId,
  correctIndex,
  FakeClock,
  makeDecks,
  RecordingChat,
  roundOf,
  TEAM,
  testRandom,
} from '../helpers/daily.js';
import { teamStoreBackends } from '../helpers/team-stores.js';

const backends = teamStoreBackends('d');

const ADMIN = actor('boss', true);
// Thursday 2024-03-28, 08:00 in Berlin.
const START = '2024-03-28T07:00:00Z';

interface World {
  clock: FakeClock;
  chat: RecordingChat;
  store: TeamStore;
  daily: DailyService;
}

function world(make: () => TeamStore, decks: DeckSet = makeDecks(3), seed = 42): World {
  const clock = new FakeClock(Date.parse(START));
  const chat = new RecordingChat(clock);
  const store = make();
  const daily = new DailyService({ store, decks, clock, chat: () => chat, random: testRandom(seed) });
  return { clock, chat, store, daily };
}

async function scheduleC1(w: World, patch: Record<string, string> = {}) {
  const view = await w.daily.admin(ADMIN, {
    kind: 'schedule',
    channelId: 'C1',
    deckId: 'k8s',
    time: '09:00',
    timezone: 'Europe/Berlin',
    ...patch,
  });
  expect(view.code).toBeUndefined();
  return view;
}

/** Opens the round of a date at 09:00 Berlin (CET/CEST resolved by the clock's date). */
async function openAt(w: World, iso: string, date: string) {
  w.clock.set(iso);
  const out = await w.daily.openRound(TEAM, 'C1', date);
  expect(out.status).toBe('posted');
  const post = w.chat.posts[w.chat.posts.length - 1];
  if (!post) throw new Error('no post');
  return post;
}

async function press(
  w: World,
  userId: string,
  view: Parameters<typeof roundOf>[0],
  i: number,
  name?: string,
) {
  const a = decodeAction(buttonId(view, i));
  if (a.kind !== 'answer') throw new Error('not an answer button');
  return w.daily.answer(actor(userId, false, name), a.roundId, a.choice);
}

describe.each(backends)('DailyService on $name', ({ make }) => {
  let w: World;
  beforeEach(() => {
    w = world(make);
  });

  describe('admin commands', () => {
    it('refuses non-admins with a not_admin view (list is open to everyone) and needs a team', async () => {
      const user = actor('u1');
      for (const cmd of [
        { kind: 'schedule', channelId: 'C1', deckId: 'k8s', time: '09:00', timezone: 'Europe/Berlin' },
        { kind: 'unschedule', channelId: 'C1' },
        { kind: 'pause', channelId: 'C1' },
        { kind: 'resume', channelId: 'C1' },
        { kind: 'post-now', channelId: 'C1' },
      ] as const) {
        const v = await w.daily.admin(user, cmd);
        expect(v.code, cmd.kind).toBe('not_admin');
        expect(v.private).toBe(true);
      }
      expect((await w.daily.admin(user, { kind: 'list' })).code).toBeUndefined();
      const dm = { ...ADMIN, team: null };
      expect((await w.daily.admin(dm, { kind: 'list' })).code).toBe('bad_argument');
      expect(await w.store.listSchedules(TEAM)).toEqual([]);
    });

    it('validates the timezone, weekdays, close rule and deck with clear views', async () => {
      const base = {
        kind: 'schedule',
        channelId: 'C1',
        deckId: 'k8s',
        time: '09:00',
        timezone: 'Europe/Berlin',
      } as const;
      for (const tz of ['CEST', 'Mars/Base']) {
        const v = await w.daily.admin(ADMIN, { ...base, timezone: tz });
        expect(v.code).toBe('bad_argument');
        expect(v.text).toContain(tz);
        expect(v.text).toContain('Europe/Berlin');
      }
      expect((await w.daily.admin(ADMIN, { ...base, time: '25:00' })).code).toBe('bad_argument');
      expect((await w.daily.admin(ADMIN, { ...base, weekdays: 'funday' })).code).toBe('bad_argument');
      expect((await w.daily.admin(ADMIN, { ...base, close: '48h' })).code).toBe('bad_argument');
      expect((await w.daily.admin(ADMIN, { ...base, deckId: 'nope' })).code).toBe('unknown_deck');
      expect(await w.store.listSchedules(TEAM)).toEqual([]);
    });

    it('schedule, list, pause, resume, unschedule keep the store and the due index in step', async () => {
      const v = await scheduleC1(w, { weekdays: 'mon,wed,fri', close: '17:00' });
      expect(v.text).toContain('Mon, Wed, Fri');
      expect(v.text).toContain('closing at 17:00');
      expect(v.text).toContain('Next question: Fri 2024-03-29 09:00');
      const s = await w.store.getSchedule(TEAM, 'C1');
      expect(s).toMatchObject({
        weekdays: [1, 3, 5],
        close: { kind: 'at', time: '17:00' },
        timezone: 'Europe/Berlin',
      });
      expect(await w.store.teamTimezone(TEAM)).toBe('Europe/Berlin');
      const due = await w.store.dueEntries(Number.MAX_SAFE_INTEGER, 10);
      expect(due).toEqual([
        { item: { kind: 'open', team: TEAM, channelId: 'C1' }, at: Date.parse('2024-03-29T08:00:00Z') },
      ]);

      expect((await w.daily.admin(actor('u1'), { kind: 'list' })).text).toContain(
        'next Fri 2024-03-29 09:00',
      );
      expect((await w.daily.admin(ADMIN, { kind: 'pause', channelId: 'C1' })).title).toBe(
        'Daily quiz paused',
      );
      expect(await w.store.dueEntries(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect((await w.daily.admin(ADMIN, { kind: 'list' })).text).toContain('paused');
      expect((await w.daily.admin(ADMIN, { kind: 'resume', channelId: 'C1' })).text).toContain(
        'Next question',
      );
      expect(await w.store.dueEntries(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(1);
      expect((await w.daily.admin(ADMIN, { kind: 'unschedule', channelId: 'C1' })).title).toBe(
        'Daily quiz removed',
      );
      expect(await w.store.dueEntries(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect((await w.daily.admin(ADMIN, { kind: 'unschedule', channelId: 'C1' })).code).toBe('bad_argument');
      expect((await w.daily.admin(ADMIN, { kind: 'pause', channelId: 'C9' })).code).toBe('bad_argument');
    });
  });

  describe('round lifecycle', () => {
    it('posts once, answers privately (first answer wins), closes with results and awards once', async () => {
      await scheduleC1(w);
      const post = await openAt(w, '2024-03-28T08:00:00Z', '2024-03-28');
      expect(post.view.private).toBe(false);
      expect(post.view.text).toMatch(/question \d\?/);
      expect(post.view.buttons).toHaveLength(1);
      expect(post.view.buttons?.[0]).toHaveLength(4);
      expect(post.view.footer).toContain('17:00 (Europe/Berlin)');
      const roundId = roundOf(post.view);
      expect(roundId).toBe(roundIdFor('C1', '2024-03-28'));
      expect(roundDate(roundId)).toBe('2024-03-28');
      // A second open of the same date posts nothing.
      expect((await w.daily.openRound(TEAM, 'C1', '2024-03-28')).status).toBe('taken');
      expect(w.chat.posts).toHaveLength(1);

      const right = correctIndex(post.view);
      const wrong = (right + 1) % 4;
      w.clock.advance(5_000);
      const r1 = await press(w, 'u1', post.view, right, 'Ada');
      expect(r1.mode).toBe('reply');
      expect(r1.view).toMatchObject({ private: true, tone: 'success' });
      expect(r1.view.text).toContain('Right');
      expect(r1.view.text).toContain('because');
      w.clock.advance(5_000);
      const r2 = await press(w, 'u2', post.view, wrong, 'Bob');
      expect(r2.view).toMatchObject({ private: true, tone: 'error' });
      expect(r2.view.text).toContain('Not quite');
      const again = await press(w, 'u1', post.view, wrong);
      expect(again).toMatchObject({ mode: 'reply', view: { code: 'already_answered', private: true } });
      expect(again.view.text).toContain('right');

      expect((await w.daily.answer({ ...actor('u3'), team: null }, roundId, 0)).view.code).toBe(
        'unknown_round',
      );
      expect((await w.daily.answer(actor('u3'), 'C1-20200101', 0)).view.code).toBe('unknown_round');

      w.clock.set('2024-03-28T16:00:00Z');
      expect((await press(w, 'u3', post.view, right)).view.code).toBe('round_closed');
      const closed = await w.daily.closeRound(TEAM, roundId);
      expect(closed).toEqual({ status: 'closed', revealed: true, failures: 0 });
      expect(w.chat.updates).toHaveLength(1);
      const result = w.chat.updates[0];
      expect(result?.ref).toEqual(post.ref);
      expect(result?.view.buttons).toBeUndefined();
      expect(result?.view.text).toContain('✅');
      const fields = Object.fromEntries((result?.view.fields ?? []).map((f) => [f.name, f.value]));
      expect(fields).toEqual({ Answered: '2', Right: '50% (1/2)', Fastest: '1. Ada · 5s · +15' });

      expect(await w.daily.closeRound(TEAM, roundId)).toEqual({
        status: 'already',
        revealed: true,
        failures: 0,
      });
      expect(w.chat.updates).toHaveLength(1);
      const board = await w.daily.leaderboard(actor('u1'), 'all');
      expect(board.text).toContain('1. Ada — 15 pts');
      expect(board.text).not.toContain('Bob');
    });

    it('answers a re-delivered click (same request id) exactly like the first delivery', async () => {
      await scheduleC1(w);
      const post = await openAt(w, '2024-03-28T08:00:00Z', '2024-03-28');
      const roundId = roundOf(post.view);
      const right = correctIndex(post.view);
      const wrong = (right + 1) % 4;
      const click = (userId: string, choice: number, requestId?: string) => {
        const a = actor(userId, false, userId.toUpperCase());
        if (requestId) a.requestId = requestId;
        return w.daily.answer(a, roundId, choice);
      };
      w.clock.set('2024-03-28T15:00:00Z'); // an hour before the close
      const first = await click('u1', wrong, '1223334444555556666');
      expect(first.view).toMatchObject({ private: true, tone: 'error' });
      expect(first.view.text).toContain('Not quite');
      expect(first.view.footer).toContain('(in 1h)');
      // Another replica (or a platform retry) delivers the same click 50 minutes later: the very
      // same reply, timed from the recorded answer (not "in 10m"), not "already answered".
      w.clock.advance(50 * 60_000);
      expect(await click('u1', wrong, '1223334444555556666')).toEqual(first);
      // Two replicas at the same moment: both see the accepted answer.
      const [a, b] = await Promise.all([click('u2', right, 'ix-2'), click('u2', right, 'ix-2')]);
      expect(a).toEqual(b);
      expect(a.view).toMatchObject({ tone: 'success' });
      // A new click by the same user (a new request id) is the second answer it always was.
      const second = await click('u1', right, '1223334444555556667');
      expect(second.view.code).toBe('already_answered');
      // A long request id (stored as a digest) is recognised the same way.
      const long = `x${'y'.repeat(200)}`;
      const l1 = await click('u3', right, long);
      expect(await click('u3', right, long)).toEqual(l1);
      expect((await click('u3', right, `${long}z`)).view.code).toBe('already_answered');

      // One answer each counted: u1 wrong, u2 and u3 right.
      w.clock.set('2024-03-28T16:00:00Z');
      expect(await click('u1', wrong, '1223334444555556666')).toEqual(first);
      expect((await w.daily.closeRound(TEAM, roundId)).status).toBe('closed');
      const fields = Object.fromEntries((w.chat.updates[0]?.view.fields ?? []).map((f) => [f.name, f.value]));
      expect(fields).toMatchObject({ Answered: '3', Right: '67% (2/3)' });
      expect((await w.daily.leaderboard(actor('u2'), 'all')).text).toContain('1. U2 — 15 pts');
    });

    it('awards 10 points plus 5/3/1 for the three fastest correct answers', async () => {
      await scheduleC1(w);
      const post = await openAt(w, '2024-03-28T08:00:00Z', '2024-03-28');
      const right = correctIndex(post.view);
      for (const u of ['u1', 'u2', 'u3', 'u4']) {
        w.clock.advance(1_000);
        await press(w, u, post.view, right, u.toUpperCase());
      }
      w.clock.advance(1_000);
      await press(w, 'u5', post.view, (right + 1) % 4, 'U5');
      w.clock.set('2024-03-28T16:00:00Z');
      await w.daily.closeRound(TEAM, roundOf(post.view));
      const text = (await w.daily.leaderboard(actor('u5'), 'week')).text;
      expect(text.split('\n').slice(0, 4)).toEqual([
        '1. U1 — 15 pts',
        '2. U2 — 13 pts',
        '3. U3 — 11 pts',
        '4. U4 — 10 pts',
      ]);
      expect(text).toContain('You have no points');
    });

    it('asks every card once per cycle, then starts a new cycle', async () => {
      await scheduleC1(w, { weekdays: 'daily' });
      const cards: string[] = [];
      for (let d = 0; d < 6; d++) {
        const date = `2024-04-0${d + 1}`;
        w.clock.set(`${date}T07:00:00Z`);
        const out = await w.daily.openRound(TEAM, 'C1', date);
        expect(out.status).toBe('posted');
        const round = await w.store.getRound(TEAM, roundIdFor('C1', date));
        cards.push(round?.cardId ?? '?');
      }
      expect(new Set(cards.slice(0, 3)).size).toBe(3);
      expect(new Set(cards.slice(3, 6)).size).toBe(3);
    });

    it('shuffles choices reproducibly from the seed', async () => {
      const orders: string[] = [];
      for (const seed of [7, 7, 8]) {
        const v = world(make, makeDecks(3), seed);
        await scheduleC1(v);
        const post = await openAt(v, '2024-03-28T08:00:00Z', '2024-03-28');
        orders.push((post.view.buttons?.flat() ?? []).map((b) => b.label).join('|'));
      }
      expect(orders[0]).toBe(orders[1]);
      expect(orders[2]).not.toBe(orders[0]);
    });

    it('a failed post leaves the claim retryable; a failed results edit is retried without awarding twice', async () => {
      await scheduleC1(w);
      w.clock.set('2024-03-28T08:00:00Z');
      w.chat.failPosts = 1;
      const first = await w.daily.openRound(TEAM, 'C1', '2024-03-28');
      expect(first).toMatchObject({ status: 'retry', attempt: 1 });
      const second = await w.daily.openRound(TEAM, 'C1', '2024-03-28');
      expect(second.status).toBe('posted');
      const post = w.chat.posts[0];
      if (!post) throw new Error('no post');
      await press(w, 'u1', post.view, correctIndex(post.view));
      w.clock.set('2024-03-28T16:00:00Z');
      w.chat.failUpdates = 1;
      const c1 = await w.daily.closeRound(TEAM, roundOf(post.view));
      expect(c1).toMatchObject({ status: 'closed', revealed: false, failures: 1 });
      const c2 = await w.daily.closeRound(TEAM, roundOf(post.view));
      expect(c2).toEqual({ status: 'already', revealed: true, failures: 0 });
      expect(w.chat.updates).toHaveLength(1);
      expect((await w.store.leaderboard(TEAM, 'all', 'u1', 10)).me?.points).toBe(15);
    });

    it('post-now posts at once, takes today’s slot, then posts an extra round after its one-minute window', async () => {
      await scheduleC1(w);
      w.clock.set('2024-03-28T06:30:00Z');
      const v1 = await w.daily.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
      expect(v1.title).toBe('Question posted');
      expect(v1.text).toContain('15:30');
      expect(w.chat.posts).toHaveLength(1);
      // The scheduled 09:00 round of today is the one just posted.
      expect((await w.daily.openRound(TEAM, 'C1', '2024-03-28')).status).toBe('taken');
      // A second command within the window (a double click) posts nothing.
      const v2 = await w.daily.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
      expect(v2.text).toContain('just posted');
      w.clock.advance(60_000);
      const v3 = await w.daily.admin(ADMIN, { kind: 'post-now', channelId: 'C1' });
      expect(v3.title).toBe('Question posted');
      expect(w.chat.posts).toHaveLength(2);
      expect(roundOf(w.chat.posts[1]?.view ?? { text: '', private: false })).toBe('C1-20240328-p0731');
      expect((await w.daily.admin(ADMIN, { kind: 'post-now', channelId: 'C9' })).code).toBe('bad_argument');
    });
  });

  describe('streaks', () => {
    it('survive the weekend the schedule skips, lapse after a missed quiz day', async () => {
      await scheduleC1(w); // Mon-Fri
      const days: [string, string, string[]][] = [
        ['2024-03-28', '2024-03-28T08:00:00Z', ['u1', 'u2']], // Thu
        ['2024-03-29', '2024-03-29T08:00:00Z', ['u1', 'u2']], // Fri
        ['2024-04-01', '2024-04-01T07:00:00Z', ['u1']], // Mon (CEST)
      ];
      for (const [date, iso, users] of days) {
        const post = await openAt(w, iso, date);
        for (const u of users) await press(w, u, post.view, 0);
        w.clock.advance(8 * 3_600_000);
        await w.daily.closeRound(TEAM, roundOf(post.view));
      }
      expect(await w.store.streak(TEAM, 'u1')).toEqual({ count: 3, last: '2024-04-01', best: 3 });
      // Tuesday: u1's streak is current (Monday was the last quiz day); u2 missed Monday.
      w.clock.set('2024-04-02T06:00:00Z');
      expect((await w.daily.leaderboard(actor('u1'), 'all')).footer).toBe('Your daily streak: 3 (best 3)');
      expect((await w.daily.leaderboard(actor('u2'), 'all')).footer).toBe('Your daily streak: 0 (best 2)');
    });
  });
});
