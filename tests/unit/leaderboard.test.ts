import { beforeEach, describe, expect, it } from 'vitest';
import { decodeAction } from '../../src/engine/actions.js';
import { DailyService } from '../../src/engine/daily.js';
import { boardId, boardOfKey, renderLeaderboard } from '../../src/engine/leaderboard.js';
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

const backends = teamStoreBackends('l');

describe('period keys', () => {
  it('board ids per period, and named past periods', () => {
    expect(boardId('week', '2024-03-31')).toBe('w:2024-W13');
    expect(boardId('week', '2024-04-01')).toBe('w:2024-W14');
    expect(boardId('month', '2024-04-01')).toBe('m:2024-04');
    expect(boardId('all', '2024-04-01')).toBe('all');
    expect(boardOfKey('week', '2024-W13')).toBe('w:2024-W13');
    expect(boardOfKey('month', '2024-03')).toBe('m:2024-03');
    expect(boardOfKey('week', '2024-03')).toBeNull();
    expect(boardOfKey('month', '2024-13')).toBeNull();
  });

  it('renders an empty board and mentions unnamed users', () => {
    const empty = renderLeaderboard({
      platform: 'slack',
      board: 'all',
      page: { top: [], me: null, total: 0 },
      userId: 'U1',
      streak: null,
    });
    expect(empty.text).toContain('No points yet');
    const one = renderLeaderboard({
      platform: 'slack',
      board: 'w:2024-W13',
      page: { top: [{ userId: 'U2', name: null, points: 10, rank: 1 }], me: null, total: 1 },
      userId: 'U1',
      streak: null,
    });
    expect(one.title).toBe('Leaderboard · week 2024-W13');
    expect(one.text).toContain('1. <@U2> — 10 pts');
  });
});

describe.each(backends)('leaderboards on $name', ({ make }) => {
  let clock: FakeClock;
  let chat: RecordingChat;
  let store: TeamStore;
  let daily: DailyService;

  beforeEach(async () => {
    clock = new FakeClock(Date.parse('2024-03-24T12:00:00Z'));
    chat = new RecordingChat(clock);
    store = make();
    daily = new DailyService({ store, decks: makeDecks(5), clock, chat: () => chat, random: testRandom(1) });
    await daily.admin(actor('boss', true), {
      kind: 'schedule',
      channelId: 'C1',
      deckId: 'k8s',
      time: '09:00',
      timezone: 'Europe/Berlin',
      weekdays: 'daily',
    });
  });

  /** Plays one round on a local date: `right` answer correctly in that order, one second apart. */
  async function play(date: string, openIso: string, right: string[]) {
    clock.set(openIso);
    const out = await daily.openRound(TEAM, 'C1', date);
    expect(out.status).toBe('posted');
    const view = chat.posts[chat.posts.length - 1]?.view;
    if (!view) throw new Error('no post');
    const a = decodeAction(buttonId(view, correctIndex(view)));
    if (a.kind !== 'answer') throw new Error('bad button');
    for (const u of right) {
      clock.advance(1_000);
      await daily.answer(actor(u, false, u.toUpperCase()), a.roundId, a.choice);
    }
    clock.set(Date.parse(openIso) + 8 * 3_600_000);
    await daily.closeRound(TEAM, roundOf(view));
  }

  const users = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `u${String(from + i).padStart(2, '0')}`);

  it('top 10 with shared ranks for ties (listed by user id), plus the caller outside the top 10', async () => {
    await play('2024-03-25', '2024-03-25T08:00:00Z', users(1, 12)); // u01 15, u02 13, u03 11, u04..u12 10
    await play('2024-03-26', '2024-03-26T08:00:00Z', users(4, 11)); // u04 +15, u05 +13, u06 +11, u07..u11 +10
    const v = await daily.leaderboard(actor('u12'), 'week');
    expect(v.title).toBe('Leaderboard · week 2024-W13');
    expect(v.text.split('\n')).toEqual([
      '1. U04 — 25 pts',
      '2. U05 — 23 pts',
      '3. U06 — 21 pts',
      '4. U11 — 20 pts',
      '4. U10 — 20 pts',
      '4. U09 — 20 pts',
      '4. U08 — 20 pts',
      '4. U07 — 20 pts',
      '9. U01 — 15 pts',
      '10. U02 — 13 pts',
      '…',
      '**12. U12 — 10 pts** (you)',
    ]);
    expect(v.fields).toEqual([{ name: 'Players', value: '12', inline: true }]);
    const inside = await daily.leaderboard(actor('u08'), 'week');
    expect(inside.text).toContain('**4. U08 — 20 pts** (you)');
    expect(inside.text).not.toContain('…');
  });

  it('rolls periods over by key in the team timezone; old periods stay readable', async () => {
    await play('2024-03-31', '2024-03-31T07:00:00Z', ['a']); // Sunday, week 13, March
    await play('2024-04-01', '2024-04-01T07:00:00Z', ['b']); // Monday, week 14, April
    // Monday 00:30 in Berlin is still Sunday 22:30 UTC: the Berlin week already rolled over.
    clock.set('2024-03-31T22:30:00Z');
    const week = await daily.leaderboard(actor('a'), 'week');
    expect(week.title).toBe('Leaderboard · week 2024-W14');
    expect(week.text.split('\n')[0]).toBe('1. B — 15 pts');
    expect(week.text).toContain('You have no points');
    const month = await daily.leaderboard(actor('a'), 'month');
    expect(month.title).toBe('Leaderboard · month 2024-04');
    const all = await daily.leaderboard(actor('a'), 'all');
    // Equal points: same rank, listed by user id descending.
    expect(all.text.split('\n').slice(0, 2)).toEqual(['1. B — 15 pts', '**1. A — 15 pts** (you)']);
    const old = await daily.leaderboard(actor('a'), 'week', '2024-W13');
    expect(old.text.split('\n')[0]).toBe('**1. A — 15 pts** (you)');
    expect((await daily.leaderboard(actor('a'), 'month', '2024-03')).text).toContain('A — 15 pts');
    expect((await daily.leaderboard(actor('a'), 'week', 'last')).code).toBe('bad_argument');
    // A week later the old week is still there, untouched.
    clock.set('2024-04-20T12:00:00Z');
    expect((await daily.leaderboard(actor('a'), 'week', '2024-W13')).text).toContain('A — 15 pts');
    expect((await daily.leaderboard(actor('a'), 'week')).text).toContain('No points yet');
  });

  it('needs a team', async () => {
    expect((await daily.leaderboard({ ...actor('a'), team: null }, 'week')).code).toBe('bad_argument');
  });
});
