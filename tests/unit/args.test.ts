import { describe, expect, it } from 'vitest';
import { parseQuizCommand } from '../../src/adapters/slack/command-args.js';
import { loadConfig } from '../../src/config.js';
import { deckArg, splitArgs } from '../../src/engine/args.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import { parseTimezone } from '../../src/engine/schedule.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { actor, ManualClock, testDeck } from '../helpers/engine.js';

describe('one argument parser in the engine', () => {
  it('deck ids are matched without regard to case or spaces, whichever adapter passes them', async () => {
    expect(deckArg(' Kubernetes ')).toBe('kubernetes');
    expect(deckArg('')).toBeNull();
    expect(deckArg(undefined)).toBeNull();
    const decks = new DeckSet([testDeck(2)]);
    const engine = new QuizEngine({
      review: new ReviewService({
        store: new MemoryReviewStore(new PersistedDoc(null, () => ({}))),
        decks,
        clock: new ManualClock(Date.UTC(2026, 10, 25)),
      }),
      decks,
    });
    // Discord passes the option as typed; Slack passes the word as typed.
    for (const typed of ['test', 'Test', 'TEST', ' test ']) {
      const v = await engine.review(actor('u1'), typed);
      expect(v.code, typed).toBeUndefined();
      expect(v.text).toContain('Question 1?');
      const s = await engine.stats(actor('u1'), typed);
      expect(s.code, typed).toBeUndefined();
    }
  });

  it('a list written with spaces after its commas stays one argument', () => {
    expect(splitArgs('schedule <#C1> k8s 09:00 UTC mon, wed 8h')).toEqual([
      'schedule',
      '<#C1>',
      'k8s',
      '09:00',
      'UTC',
      'mon,wed',
      '8h',
    ]);
    expect(splitArgs('  a ,b , c  d ')).toEqual(['a,b,c', 'd']);
    expect(splitArgs('')).toEqual([]);
  });

  it('Slack accepts `mon, wed` and `mon , wed , fri` as Discord does', () => {
    for (const [typed, days] of [
      ['mon, wed', 'mon,wed'],
      ['mon , wed , fri', 'mon,wed,fri'],
      ['Mon,Wed', 'mon,wed'],
    ] as const) {
      const c = parseQuizCommand(`schedule <#C0123ABC> Kubernetes 09:00 Europe/Berlin ${typed} 17:00`);
      expect(c, typed).toEqual({
        kind: 'admin',
        cmd: {
          kind: 'schedule',
          channelId: 'C0123ABC',
          deckId: 'kubernetes',
          time: '09:00',
          timezone: 'Europe/Berlin',
          weekdays: days,
          close: '17:00',
        },
      });
    }
  });
});

describe('one timezone validator', () => {
  const config = (tz: string) => {
    const r = loadConfig({ QUIZBOT_TIMEZONE: tz });
    return r.ok ? { ok: true as const, value: r.value.QUIZBOT_TIMEZONE } : { ok: false as const };
  };
  it.each([
    'GMT',
    'Zulu',
    'utc',
    'UTC',
    'Etc/UTC',
    'europe/berlin',
    'US/Eastern',
    'CEST',
    'EST',
    'Mars/Base',
    'Etc/GMT+5',
  ])('%s: the configuration and the schedule command agree, on the canonical name too', (tz) => {
    const schedule = parseTimezone(tz);
    const env = config(tz);
    expect(env.ok).toBe(schedule.ok);
    if (schedule.ok && env.ok) expect(env.value).toBe(schedule.value);
  });
  it('UTC under any of its names is UTC', () => {
    for (const tz of ['GMT', 'Zulu', 'utc', 'Etc/UTC', 'UCT', 'Universal']) {
      expect(parseTimezone(tz), tz).toEqual({ ok: true, value: 'UTC' });
    }
  });
});
