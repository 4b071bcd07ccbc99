import { describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../src/adapters/discord/command-definitions.js';
import { parseQuizCommand } from '../../src/adapters/slack/command-args.js';
import { decodeAction } from '../../src/engine/actions.js';
import { PERIOD_CHOICES, parsePeriod } from '../../src/engine/args.js';
import { DailyService } from '../../src/engine/daily.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
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

describe('period choices, one list for every adapter', () => {
  it('parses this/last week, this/last month and all time, with the words people type', () => {
    expect(PERIOD_CHOICES.map((c) => c.value)).toEqual(['week', 'last-week', 'month', 'last-month', 'all']);
    for (const [typed, p] of [
      [undefined, 'week'],
      ['', 'week'],
      ['week', 'week'],
      ['This-Week', 'week'],
      ['last week', 'last-week'],
      ['lastweek', 'last-week'],
      ['last-month', 'last-month'],
      ['month', 'month'],
      ['all', 'all'],
      ['all time', 'all'],
    ] as const) {
      expect(parsePeriod(typed), String(typed)).toBe(p);
    }
    expect(parsePeriod('yesterday')).toBeNull();
  });

  it('Discord offers every period as a choice of the option; Slack takes it as an argument', () => {
    const lb = commandDefinitions().find((c) => c.name === 'leaderboard') as {
      options: Array<{ name: string; choices: Array<{ value: string }> }>;
    };
    const period = lb.options.find((o) => o.name === 'period');
    expect(period?.choices.map((c) => c.value)).toEqual(PERIOD_CHOICES.map((c) => c.value));
    expect(parseQuizCommand('leaderboard last week')).toEqual({ kind: 'leaderboard', period: 'last-week' });
    expect(parseQuizCommand('leaderboard last-month')).toEqual({ kind: 'leaderboard', period: 'last-month' });
    expect(parseQuizCommand('leaderboard')).toEqual({ kind: 'leaderboard', period: 'week' });
    expect(parseQuizCommand('leaderboard soon')).toMatchObject({ kind: 'usage' });
  });
});

describe.each(teamStoreBackends('lp'))('leaderboard periods through the engine on $name', ({ make }) => {
  async function setup(zones: string[]) {
    const clock = new FakeClock(Date.parse('2024-03-20T12:00:00Z'));
    const chat = new RecordingChat(clock);
    const store = make();
    const decks = makeDecks(8);
    const daily = new DailyService({ store, decks, clock, chat: () => chat, random: testRandom(1) });
    const engine = new QuizEngine({
      review: new ReviewService({
        store: new MemoryReviewStore(new PersistedDoc(null, () => ({}))),
        decks: new DeckSet([]),
        clock,
      }),
      decks: new DeckSet([]),
      daily,
    });
    for (const [i, timezone] of zones.entries()) {
      await engine.admin(actor('boss', true), {
        kind: 'schedule',
        channelId: `C${i + 1}`,
        deckId: 'k8s',
        time: '09:00',
        timezone,
        weekdays: 'daily',
      });
    }
    /** One round on a local date in channel C1, `who` answering right. */
    const play = async (date: string, openIso: string, who: string) => {
      clock.set(openIso);
      const out = await daily.openRound(TEAM, 'C1', date);
      expect(out.status).toBe('posted');
      const view = chat.posts[chat.posts.length - 1]?.view;
      if (!view) throw new Error('no post');
      const a = decodeAction(buttonId(view, correctIndex(view)));
      if (a.kind !== 'answer') throw new Error('bad button');
      clock.advance(1_000);
      await daily.answer(actor(who, false, who.toUpperCase()), a.roundId, a.choice);
      clock.set(Date.parse(openIso) + 8 * 3_600_000);
      await daily.closeRound(TEAM, roundOf(view));
    };
    return { clock, engine, play };
  }

  it('this week, last week, this month, last month and all time', async () => {
    const { clock, engine, play } = await setup(['UTC']);
    await play('2024-02-28', '2024-02-28T09:00:00Z', 'feb'); // W09, February
    await play('2024-03-27', '2024-03-27T09:00:00Z', 'w13'); // W13, March
    await play('2024-04-02', '2024-04-02T09:00:00Z', 'w14'); // W14, April
    clock.set('2024-04-03T12:00:00Z');
    const board = async (p: Parameters<QuizEngine['leaderboard']>[1]) => engine.leaderboard(actor('x'), p);
    expect((await board('week')).title).toBe('Leaderboard · week 2024-W14');
    expect((await board('week')).text).toContain('W14 — 15 pts');
    expect((await board('last-week')).title).toBe('Leaderboard · week 2024-W13');
    expect((await board('last-week')).text).toContain('W13 — 15 pts');
    expect((await board('month')).title).toBe('Leaderboard · month 2024-04');
    expect((await board('last-month')).title).toBe('Leaderboard · month 2024-03');
    expect((await board('last-month')).text).toContain('W13 — 15 pts');
    expect((await board('last-month')).text).not.toContain('FEB');
    const all = (await board('all')).text;
    for (const who of ['FEB', 'W13', 'W14']) expect(all).toContain(who);
    // Across a year: last week of the first ISO week, last month of January.
    clock.set('2025-01-01T12:00:00Z');
    expect((await board('last-week')).title).toBe('Leaderboard · week 2024-W52');
    expect((await board('last-month')).title).toBe('Leaderboard · month 2024-12');
  });

  it('the current week does not depend on which schedule changed last', async () => {
    // Monday 2024-04-01 05:00 UTC: already Monday 19:00 on Kiritimati (UTC+14), still Sunday 18:00
    // in Pago Pago (UTC-11). Set up in both orders, the team reads the same "this week".
    const titles: string[] = [];
    for (const zones of [
      ['Pacific/Kiritimati', 'Pacific/Pago_Pago'],
      ['Pacific/Pago_Pago', 'Pacific/Kiritimati'],
    ]) {
      const { clock, engine } = await setup(zones);
      clock.set('2024-04-01T05:00:00Z');
      titles.push((await engine.leaderboard(actor('x'), 'week')).title ?? '');
    }
    expect(titles[0]).toBe(titles[1]);
    // The newest week any of the team's channels is in: a round dated there can already score.
    expect(titles[0]).toBe('Leaderboard · week 2024-W14');
  });
});
