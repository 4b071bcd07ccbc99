import type { ChannelSchedule, CloseAwards, DailyRound } from '../../src/engine/ports.js';

/** Retention of rounds after their close, as the stores keep it (14 days). */
export const KEEP_MS = 14 * 86_400_000;

/** An open round of channel C1 that opened at `t0` and closes an hour later. */
export function openRound(t0: number): DailyRound {
  return {
    roundId: 'C1-20240329',
    channelId: 'C1',
    date: '2024-03-29',
    deckId: 'k8s',
    cardId: 'c1',
    form: 0,
    order: [0, 1, 2, 3],
    correct: 1,
    opensAt: t0,
    closesAt: t0 + 3_600_000,
    prevDate: null,
    status: 'open',
    message: null,
    revealed: false,
  };
}

/** The awards of a close at `now`: the round's week, month and all-time boards, standard points. */
export const closeAwards = (now: number): CloseAwards => ({
  now,
  boards: ['w:2024-W13', 'm:2024-03', 'all'],
  points: 10,
  bonus: [5, 3, 1],
  fastest: 3,
  keepMs: KEEP_MS,
});

/**
 * A daily schedule of `channelId` on every weekday at 09:00 UTC, closing after 8 hours, on the
 * kubernetes deck; `patch` changes any field (the deck, the time, who set it and when).
 */
export function everyDaySchedule(channelId: string, patch: Partial<ChannelSchedule> = {}): ChannelSchedule {
  return {
    channelId,
    deckId: 'kubernetes',
    time: '09:00',
    timezone: 'UTC',
    weekdays: [1, 2, 3, 4, 5, 6, 7],
    close: { kind: 'after', minutes: 480 },
    paused: false,
    updatedBy: 'admin',
    updatedAt: 0,
    ...patch,
  };
}

/** `HH:MM` (UTC) a minute before `now`: a schedule at this time is due at once. */
export const aMinuteAgo = (now: number): string => new Date(now - 60_000).toISOString().slice(11, 16);
