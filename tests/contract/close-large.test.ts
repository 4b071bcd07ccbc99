import { describe, expect, it } from 'vitest';
import type { CloseAwards, DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { teamStoreBackends } from '../helpers/team-stores.js';

// Issue 11, item 3: a round with more answers than Lua can unpack (about 8,000) must close, award
// each point once, and never leave half-written points behind a failed close.

const TEAM: TeamRef = { platform: 'slack', teamId: 'T-big' };
const T0 = Date.parse('2024-03-29T08:00:00Z');
const KEEP = 14 * 86_400_000;
const N = 20_000;

function bigRound(roundId = 'C1-20240329'): DailyRound {
  return {
    roundId,
    channelId: 'C1',
    date: '2024-03-29',
    deckId: 'k8s',
    cardId: 'c1',
    form: 0,
    order: [0, 1, 2, 3],
    correct: 2,
    opensAt: T0,
    closesAt: T0 + 8 * 3_600_000,
    prevDate: '2024-03-28',
    status: 'open',
    message: null,
    revealed: false,
  };
}

function awards(now: number): CloseAwards {
  return {
    now,
    boards: ['w:2024-W13', 'm:2024-03', 'all'],
    points: 10,
    bonus: [5, 3, 1],
    fastest: 3,
    keepMs: KEEP,
  };
}

const user = (i: number) => `u${String(i).padStart(5, '0')}`;
/** Every third user is wrong; answer times are a permutation with pairs of equal times (ties by id). */
const choiceOf = (i: number) => (i % 3 === 0 ? 1 : 2);
const atOf = (i: number) => T0 + 1_000 + Math.floor(((i * 7_919) % N) / 2);

/** The expected ranking of correct answers, computed independently of both stores. */
function expectedRight(): { userId: string; at: number }[] {
  const out: { userId: string; at: number }[] = [];
  for (let i = 0; i < N; i++) if (choiceOf(i) === 2) out.push({ userId: user(i), at: atOf(i) });
  return out.sort((a, b) => a.at - b.at || (a.userId < b.userId ? -1 : 1));
}

async function postedWithAnswers(store: TeamStore, r: DailyRound): Promise<void> {
  const c = await store.claimRound(TEAM, r, {
    owner: 'p1',
    now: T0,
    leaseMs: 60_000,
    maxAttempts: 3,
    keepMs: KEEP,
  });
  if (c.status !== 'claimed') throw new Error(`claim: ${c.status}`);
  const rec = await store.recordPost(TEAM, r, {
    generation: c.generation,
    message: { channelId: 'C1', messageId: 'm1' },
    resetAsked: false,
    keepMs: KEEP,
  });
  if (rec !== 'ok') throw new Error('record lost');
  // Real answers through the store, 500 in flight at a time.
  for (let from = 0; from < N; from += 500) {
    const batch: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(N, from + 500); i++)
      batch.push(store.answer(TEAM, r.roundId, user(i), choiceOf(i), atOf(i), `Name ${i}`));
    const outs = await Promise.all(batch);
    for (const o of outs) expect(o).toMatchObject({ status: 'accepted' });
  }
}

/** Sum of the points of every entry of a board, read through the store's own leaderboard. */
async function boardTotal(store: TeamStore, board: string): Promise<{ total: number; entries: number }> {
  const page = await store.leaderboard(TEAM, board, 'nobody', N);
  return { total: page.top.reduce((s, e) => s + e.points, 0), entries: page.total };
}

describe.each(teamStoreBackends('big'))('closing a 20,000-answer round: $name', ({ make }) => {
  it('closes once: every correct answer 10 points, bonuses 5/3/1 by time then id, streaks for all', async () => {
    const store = make();
    const r = bigRound();
    await postedWithAnswers(store, r);
    const right = expectedRight();

    const out = await store.closeRound(TEAM, r.roundId, awards(r.closesAt));
    expect(out.status).toBe('closed');
    if (out.status !== 'closed') return;
    expect(out.result.answered).toBe(N);
    expect(out.result.right).toBe(right.length);
    expect(out.result.fastest).toEqual(
      right.slice(0, 3).map((e, i) => ({
        userId: e.userId,
        at: e.at,
        points: 10 + ([5, 3, 1][i] ?? 0),
        name: `Name ${Number(e.userId.slice(1))}`,
      })),
    );
    for (const board of ['w:2024-W13', 'm:2024-03', 'all']) {
      expect(await boardTotal(store, board)).toEqual({ total: 10 * right.length + 9, entries: right.length });
    }
    expect(await store.streak(TEAM, user(0))).toEqual({ count: 1, last: '2024-03-29', best: 1 });
    expect(await store.streak(TEAM, user(N - 1))).toEqual({ count: 1, last: '2024-03-29', best: 1 });
    expect(await store.openRounds(TEAM)).toEqual([]);
    expect((await store.getRound(TEAM, r.roundId))?.status).toBe('closed');

    // Closing again (a retry, another replica) awards nothing twice and reports the same result.
    const again = await store.closeRound(TEAM, r.roundId, awards(r.closesAt + 120_000));
    expect(again).toMatchObject({ status: 'already', result: out.result });
    expect(await boardTotal(store, 'all')).toEqual({ total: 10 * right.length + 9, entries: right.length });
    // And no answer gets in after the close.
    expect(await store.answer(TEAM, r.roundId, 'late', 2, r.closesAt - 1, null)).toEqual({
      status: 'closed',
    });
  }, 120_000);

  it('two closes at once award once', async () => {
    const store = make();
    const r = bigRound('C2-20240329');
    await postedWithAnswers(store, r);
    const outs = await Promise.all(
      [1, 2].map((i) => store.closeRound(TEAM, r.roundId, awards(r.closesAt + i))),
    );
    expect(outs.map((o) => o.status).sort()).toEqual(['already', 'closed']);
    const right = expectedRight();
    expect(await boardTotal(store, 'all')).toEqual({ total: 10 * right.length + 9, entries: right.length });
  }, 120_000);
});
