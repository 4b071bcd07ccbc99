import { describe, expect, it } from 'vitest';
import type { ChannelSchedule, DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { RETENTION } from '../../src/store/retention.js';
import { teamStoreBackends } from '../helpers/team-stores.js';

// Issue 11, item 5: what the team stores forget, and when (README "Retention"), alike in both.

const TEAM: TeamRef = { platform: 'discord', teamId: 'g-ret' };
const DAY = 86_400_000;
const T0 = Date.parse('2025-03-03T00:00:00Z');
const KEEP = 14 * DAY;

function schedule(channelId: string, deckId = 'k8s'): ChannelSchedule {
  return {
    channelId,
    deckId,
    time: '09:00',
    timezone: 'UTC',
    weekdays: [1, 2, 3, 4, 5],
    close: { kind: 'after', minutes: 480 },
    paused: false,
    updatedBy: 'admin',
    updatedAt: T0,
  };
}

/** A posted round of channel C1 on day `d` after T0 (card `card`), answered by `users` (all right). */
async function playRound(store: TeamStore, d: number, users: string[], card = 'c1'): Promise<DailyRound> {
  const date = new Date(T0 + d * DAY).toISOString().slice(0, 10);
  const opens = T0 + d * DAY + 9 * 3_600_000;
  const r: DailyRound = {
    roundId: `C1-${date.replaceAll('-', '')}`,
    channelId: 'C1',
    date,
    deckId: 'k8s',
    cardId: card,
    form: 0,
    order: [0, 1, 2, 3],
    correct: 1,
    opensAt: opens,
    closesAt: opens + 3_600_000,
    prevDate: null,
    status: 'open',
    message: null,
    revealed: false,
  };
  const c = await store.claimRound(TEAM, r, {
    owner: 'p',
    now: opens,
    leaseMs: 60_000,
    maxAttempts: 3,
    keepMs: KEEP,
  });
  if (c.status !== 'claimed') throw new Error(`claim ${c.status}`);
  const message = { channelId: 'C1', messageId: `m${d}` };
  await store.recordPost(TEAM, r, {
    generation: c.generation,
    message,
    resetAsked: false,
    keepMs: KEEP,
  });
  for (const u of users) await store.answer(TEAM, r.roundId, u, 1, opens + 1_000, `Name ${u}`);
  return r;
}

async function close(store: TeamStore, r: DailyRound, week: string, month: string): Promise<void> {
  const out = await store.closeRound(TEAM, r.roundId, {
    now: r.closesAt,
    boards: [week, month, 'all'],
    points: 10,
    bonus: [5, 3, 1],
    fastest: 3,
    keepMs: KEEP,
  });
  expect(out.status).toBe('closed');
}

describe.each(teamStoreBackends('ret'))('retention in $name', ({ make }) => {
  it('unscheduling drops the channel’s no-repeat cycle; a deck change drops the old deck’s', async () => {
    const store = make();
    await store.putSchedule(TEAM, schedule('C1'));
    await close(store, await playRound(store, 0, []), 'w:2025-W10', 'm:2025-03');
    expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set(['c1']));
    await store.putSchedule(TEAM, { ...schedule('C1'), time: '10:00' });
    expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set(['c1']));
    await store.putSchedule(TEAM, schedule('C1', 'linux'));
    expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set());

    await store.putSchedule(TEAM, schedule('C1'));
    await close(store, await playRound(store, 1, [], 'c2'), 'w:2025-W10', 'm:2025-03');
    expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set(['c2']));
    expect(await store.deleteSchedule(TEAM, 'C1')).toBe(true);
    expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set());
  });

  it('a team leaves the team index with its last schedule, but not while a round is open', async () => {
    const store = make();
    await store.putSchedule(TEAM, schedule('C1'));
    await store.putSchedule(TEAM, schedule('C2'));
    const r = await playRound(store, 0, ['u1']);
    await store.deleteSchedule(TEAM, 'C1');
    await store.deleteSchedule(TEAM, 'C2');
    expect(await store.teams()).toEqual([TEAM]);
    await close(store, r, 'w:2025-W10', 'm:2025-03');
    expect(await store.teams()).toEqual([]);
    await store.putSchedule(TEAM, schedule('C1'));
    expect(await store.teams()).toEqual([TEAM]);
  });

  it('forgets old week and month boards and idle members’ names and streaks, by the caller’s clock', async () => {
    const store = make();
    await store.putSchedule(TEAM, schedule('C1'));
    await close(store, await playRound(store, 0, ['old', 'stays']), 'w:2025-W10', 'm:2025-03');
    expect((await store.leaderboard(TEAM, 'w:2025-W10', 'old', 10)).me?.points).toBe(15);
    expect(await store.streak(TEAM, 'old')).not.toBeNull();

    // Just before the week board's time: still there. After it: gone; the all-time board stays.
    const weekDays = RETENTION.weekBoardMs / DAY;
    await close(store, await playRound(store, weekDays - 1, ['stays']), 'w:2025-W23', 'm:2025-05');
    expect((await store.leaderboard(TEAM, 'w:2025-W10', 'old', 10)).total).toBe(2);
    await close(store, await playRound(store, weekDays + 1, ['stays']), 'w:2025-W24', 'm:2025-06');
    expect((await store.leaderboard(TEAM, 'w:2025-W10', 'old', 10)).total).toBe(0);
    expect((await store.leaderboard(TEAM, 'm:2025-03', 'old', 10)).total).toBe(2);
    expect((await store.leaderboard(TEAM, 'all', 'old', 10)).me?.points).toBe(15);

    // 180 days without an answer: the name and the streak go; an active member keeps both.
    const idleDays = RETENTION.memberIdleMs / DAY;
    await close(store, await playRound(store, idleDays + 1, ['stays']), 'w:2025-W36', 'm:2025-08');
    expect(await store.streak(TEAM, 'old')).toBeNull();
    expect((await store.leaderboard(TEAM, 'all', 'old', 10)).me).toMatchObject({ name: null, points: 15 });
    expect(await store.streak(TEAM, 'stays')).not.toBeNull();
    expect((await store.leaderboard(TEAM, 'all', 'stays', 10)).me?.name).toBe('Name stays');
  });
});
