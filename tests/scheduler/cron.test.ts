import { describe, expect, it } from 'vitest';
import { DailyService } from '../../src/engine/daily.js';
import type { Clock } from '../../src/engine/ports.js';
import { Scheduler, type SchedulerEvent } from '../../src/scheduler/scheduler.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { actor, makeDecks, RecordingChat, testRandom } from '../helpers/daily.js';

describe('Scheduler with a real node-cron task', () => {
  it('a per-second cron task ticks and posts a due round', async () => {
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset };
    const chat = new RecordingChat(clock);
    const store = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
    const daily = new DailyService({
      store,
      decks: makeDecks(3),
      clock,
      chat: () => chat,
      random: testRandom(5),
    });
    const events: SchedulerEvent[] = [];
    const sched = new Scheduler({ store, daily, clock, cron: '* * * * * *', onEvent: (e) => events.push(e) });
    await sched.start();
    try {
      // Schedule a round at the start of the current UTC minute, as if configured a day earlier,
      // so it is due now and only a cron tick (start() already ticked) can post it.
      const minute = Math.floor(Date.now() / 60_000) * 60_000;
      const hhmm = new Date(minute).toISOString().slice(11, 16);
      offset = minute - 86_400_000 - Date.now();
      await daily.admin(actor('boss', true), {
        kind: 'schedule',
        channelId: 'C1',
        deckId: 'k8s',
        time: hhmm,
        timezone: 'UTC',
        weekdays: 'daily',
      });
      offset = 0;
      const until = Date.now() + 5_000;
      while (chat.posts.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(chat.posts.map((p) => p.channelId)).toEqual(['C1']);
      expect(events.filter((e) => e.type === 'tick').length).toBeGreaterThanOrEqual(2);
    } finally {
      await sched.stop();
    }
  });
});
