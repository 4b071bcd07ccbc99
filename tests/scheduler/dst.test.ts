import { describe, expect, it } from 'vitest';
import { DailyService } from '../../src/engine/daily.js';
import { localDate } from '../../src/engine/schedule.js';
import { localParts } from '../../src/engine/time.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { actor, FakeClock, makeDecks, RecordingChat, testRandom } from '../helpers/daily.js';

const ZONES = { BER: 'Europe/Berlin', NYC: 'America/New_York' } as const;

/** Runs a daily 09:00 schedule per zone, ticking every 5 minutes from `from` to `to`. */
async function run(from: string, to: string) {
  const clock = new FakeClock(Date.parse(from) - 3_600_000);
  const chat = new RecordingChat(clock);
  const store = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
  const daily = new DailyService({
    store,
    decks: makeDecks(5),
    clock,
    chat: () => chat,
    random: testRandom(3),
  });
  const sched = new Scheduler({ store, daily, clock });
  for (const [channelId, timezone] of Object.entries(ZONES)) {
    await daily.admin(actor('boss', true), {
      kind: 'schedule',
      channelId,
      deckId: 'k8s',
      time: '09:00',
      timezone,
      weekdays: 'daily',
    });
  }
  for (let t = Date.parse(from); t <= Date.parse(to); t += 5 * 60_000) {
    clock.set(t);
    await sched.tick();
  }
  const out: { BER: string[]; NYC: string[] } = { BER: [], NYC: [] };
  for (const p of chat.posts) {
    const tz = ZONES[p.channelId as keyof typeof ZONES];
    const l = localParts(p.at, tz);
    out[p.channelId as keyof typeof ZONES].push(
      `${localDate(p.at, tz)} ${String(l.h).padStart(2, '0')}:${String(l.min).padStart(2, '0')}`,
    );
  }
  return { out, updates: chat.updates.length };
}

describe('Scheduler across daylight saving changes (injected clock, real tick path)', () => {
  it('spring: 09:00 local every day in Berlin (Mar 31) and New York (Mar 10)', async () => {
    const { out } = await run('2024-03-08T00:00:00Z', '2024-04-02T00:00:00Z');
    const days = (from: number, to: number, month = '03') =>
      Array.from(
        { length: to - from + 1 },
        (_, i) => `2024-${month}-${String(from + i).padStart(2, '0')} 09:00`,
      );
    expect(out.BER).toEqual([...days(8, 31), ...days(1, 1, '04')]);
    expect(out.NYC).toEqual([...days(8, 31), ...days(1, 1, '04')]);
  });

  it('autumn: 09:00 local every day in Berlin (Oct 27) and New York (Nov 3), and every round closes', async () => {
    const { out, updates } = await run('2024-10-25T00:00:00Z', '2024-11-05T00:00:00Z');
    expect(out.BER).toEqual([
      '2024-10-25 09:00',
      '2024-10-26 09:00',
      '2024-10-27 09:00',
      '2024-10-28 09:00',
      '2024-10-29 09:00',
      '2024-10-30 09:00',
      '2024-10-31 09:00',
      '2024-11-01 09:00',
      '2024-11-02 09:00',
      '2024-11-03 09:00',
      '2024-11-04 09:00',
    ]);
    expect(out.NYC).toEqual([
      '2024-10-25 09:00',
      '2024-10-26 09:00',
      '2024-10-27 09:00',
      '2024-10-28 09:00',
      '2024-10-29 09:00',
      '2024-10-30 09:00',
      '2024-10-31 09:00',
      '2024-11-01 09:00',
      '2024-11-02 09:00',
      '2024-11-03 09:00',
      '2024-11-04 09:00',
    ]);
    expect(updates).toBe(out.BER.length + out.NYC.length);
  });
});
