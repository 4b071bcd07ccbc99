import { beforeEach, describe, expect, it } from 'vitest';
import type {
  ChannelSchedule,
  ClaimLease,
  CloseAwards,
  DailyRound,
  TeamRef,
  TeamStore,
} from '../../src/engine/ports.js';

/** Makes a fresh, empty store for one test. */
export type TeamStoreFactory = () => Promise<TeamStore>;

/**
 * Another handle `i` (1, 2, 3...) on the same data, as another replica would hold it: for Redis a
 * store on its own connection, so "concurrent" calls really race on the server; for the embedded
 * store (one process) the same store, whose async calls then interleave at their awaits.
 */
export type TeamStoreReplica = (store: TeamStore, i: number) => TeamStore;

const TEAM: TeamRef = { platform: 'discord', teamId: 'g1' };
const OTHER: TeamRef = { platform: 'slack', teamId: 'T9' };
const T0 = Date.parse('2024-03-29T08:00:00Z');
const KEEP = 14 * 86_400_000;

function schedule(channelId: string, patch: Partial<ChannelSchedule> = {}): ChannelSchedule {
  return {
    channelId,
    deckId: 'k8s',
    time: '09:00',
    timezone: 'Europe/Berlin',
    weekdays: [1, 2, 3, 4, 5],
    close: { kind: 'after', minutes: 480 },
    paused: false,
    updatedBy: 'admin',
    updatedAt: T0,
    ...patch,
  };
}

function round(roundId: string, patch: Partial<DailyRound> = {}): DailyRound {
  return {
    roundId,
    channelId: 'C1',
    date: '2024-03-29',
    deckId: 'k8s',
    cardId: 'c1',
    form: 0,
    order: [2, 0, 3, 1],
    correct: 1,
    opensAt: T0,
    closesAt: T0 + 8 * 3_600_000,
    prevDate: '2024-03-28',
    status: 'open',
    message: null,
    revealed: false,
    ...patch,
  };
}

function lease(owner: string, now = T0, patch: Partial<ClaimLease> = {}): ClaimLease {
  return { owner, now, leaseMs: 60_000, maxAttempts: 3, keepMs: KEEP, ...patch };
}

function awards(now: number, patch: Partial<CloseAwards> = {}): CloseAwards {
  return {
    now,
    boards: ['w:2024-W13', 'm:2024-03', 'all'],
    points: 10,
    bonus: [5, 3, 1],
    fastest: 3,
    keepMs: KEEP,
    ...patch,
  };
}

/** Claims, posts and records a round; returns it. */
async function posted(store: TeamStore, r: DailyRound, team = TEAM): Promise<DailyRound> {
  const c = await store.claimRound(team, r, lease('p1', r.opensAt));
  if (c.status !== 'claimed') throw new Error(`claim: ${c.status}`);
  const rec = await store.recordPost(team, r, {
    generation: c.generation,
    message: { channelId: r.channelId, messageId: `m-${r.roundId}` },
    resetAsked: false,
    keepMs: KEEP,
  });
  if (rec !== 'ok') throw new Error('record lost');
  return r;
}

/**
 * The TeamStore contract: every implementation must pass it (RedisTeamStore against a real
 * redis-server, MemoryTeamStore on a PersistedDoc).
 */
export function teamStoreContract(
  name: string,
  make: TeamStoreFactory,
  replica: TeamStoreReplica = (s) => s,
): void {
  describe(`TeamStore contract: ${name}`, () => {
    let store: TeamStore;
    /** Handle `i` on this test's data: 0 is `store`, others are replicas (see {@link TeamStoreReplica}). */
    const on = (i: number) => (i === 0 ? store : replica(store, i));
    beforeEach(async () => {
      store = await make();
    });

    describe('schedules', () => {
      it('puts, gets, lists, deletes; tracks the team timezone and the team index', async () => {
        expect(await store.getSchedule(TEAM, 'C1')).toBeNull();
        expect(await store.teamTimezone(TEAM)).toBeNull();
        await store.putSchedule(TEAM, schedule('C2'));
        await store.putSchedule(TEAM, schedule('C1', { timezone: 'America/New_York', weekdays: [6, 7] }));
        await store.putSchedule(OTHER, schedule('C3'));
        expect(await store.getSchedule(TEAM, 'C1')).toEqual(
          schedule('C1', { timezone: 'America/New_York', weekdays: [6, 7] }),
        );
        expect((await store.listSchedules(TEAM)).map((s) => s.channelId)).toEqual(['C1', 'C2']);
        expect(await store.teamTimezone(TEAM)).toBe('America/New_York');
        expect(await store.teams()).toEqual(expect.arrayContaining([TEAM, OTHER]));
        expect(await store.deleteSchedule(TEAM, 'C1')).toBe(true);
        expect(await store.deleteSchedule(TEAM, 'C1')).toBe(false);
        expect((await store.listSchedules(TEAM)).map((s) => s.channelId)).toEqual(['C2']);
        expect(await store.listSchedules(OTHER)).toHaveLength(1);
      });
    });

    describe('claims (dailyClaim, dailyPosted, dailyFailed)', () => {
      it('claims once; others see busy until the lease ends; then the next attempt takes over', async () => {
        const r = round('C1-20240329');
        expect(await store.claimRound(TEAM, r, lease('a'))).toEqual({
          status: 'claimed',
          generation: 1,
          attempt: 1,
          round: r,
        });
        expect(await store.claimRound(TEAM, r, lease('b', T0 + 1_000))).toEqual({
          status: 'busy',
          until: T0 + 60_000,
        });
        // Owner a died mid-post: after its lease, b gets generation 2 and a can no longer record.
        expect(await store.claimRound(TEAM, r, lease('b', T0 + 60_001))).toEqual({
          status: 'claimed',
          generation: 2,
          attempt: 2,
          round: r,
        });
        const msg = { channelId: 'C1', messageId: 'm1' };
        const rec = { message: msg, resetAsked: false, keepMs: KEEP };
        expect(await store.recordPost(TEAM, r, { generation: 1, ...rec })).toBe('lost');
        expect(await store.recordPost(TEAM, r, { generation: 2, ...rec })).toBe('ok');
        expect(await store.claimRound(TEAM, r, lease('c', T0 + 120_000))).toEqual({ status: 'posted' });
        const got = await store.getRound(TEAM, r.roundId);
        expect(got).toEqual({ ...r, message: msg });
        expect(await store.openRounds(TEAM)).toEqual([{ roundId: r.roundId, closesAt: r.closesAt }]);
        expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set(['c1']));
      });

      it('a failed post is retryable, then failed for good; never stuck', async () => {
        const r = round('C1-20240329');
        expect(await store.claimRound(TEAM, r, lease('a'))).toMatchObject({
          status: 'claimed',
          generation: 1,
          attempt: 1,
        });
        expect(await store.failPost(TEAM, r.roundId, 2, false, KEEP)).toBe('lost');
        expect(await store.failPost(TEAM, r.roundId, 1, false, KEEP)).toBe('ok');
        expect(await store.claimRound(TEAM, r, lease('b', T0 + 1))).toMatchObject({
          status: 'claimed',
          generation: 2,
          attempt: 2,
        });
        expect(await store.failPost(TEAM, r.roundId, 2, true, KEEP)).toBe('ok');
        expect(await store.claimRound(TEAM, r, lease('c', T0 + 2))).toEqual({
          status: 'failed',
          attempts: 2,
        });
      });

      it('leases that keep lapsing end as failed after maxAttempts', async () => {
        const r = round('C1-20240329');
        let now = T0;
        for (let attempt = 1; attempt <= 3; attempt++) {
          expect(await store.claimRound(TEAM, r, lease('a', now))).toMatchObject({
            status: 'claimed',
            generation: attempt,
            attempt: attempt,
          });
          now += 60_001;
        }
        expect(await store.claimRound(TEAM, r, lease('a', now))).toEqual({ status: 'failed', attempts: 3 });
      });

      it('a retry keeps the round as first claimed, and its answers (a post may have landed)', async () => {
        const r = round('C1-20240329');
        await store.claimRound(TEAM, r, lease('a'));
        expect((await store.answer(TEAM, r.roundId, 'u1', 0, T0 + 1, null)).status).toBe('accepted');
        await store.failPost(TEAM, r.roundId, 1, false, KEEP);
        const again = await store.claimRound(TEAM, { ...r, cardId: 'c2' }, lease('a', T0 + 2));
        expect(again).toEqual({ status: 'claimed', generation: 2, attempt: 2, round: r });
        expect((await store.getRound(TEAM, r.roundId))?.cardId).toBe('c1');
        expect((await store.answer(TEAM, r.roundId, 'u1', 1, T0 + 3, null)).status).toBe('already');
      });

      it('resetAsked starts a new no-repeat cycle', async () => {
        await posted(store, round('C1-20240328', { cardId: 'c1' }));
        await posted(store, round('C1-20240329', { cardId: 'c2' }));
        expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set(['c1', 'c2']));
        const r = round('C1-20240401', { cardId: 'c1' });
        const c = await store.claimRound(TEAM, r, lease('p'));
        expect(c.status).toBe('claimed');
        await store.recordPost(TEAM, r, {
          generation: 1,
          message: { channelId: 'C1', messageId: 'm' },
          resetAsked: true,
          keepMs: KEEP,
        });
        expect(await store.askedCards(TEAM, 'C1', 'k8s')).toEqual(new Set(['c1']));
        expect(await store.askedCards(TEAM, 'C2', 'k8s')).toEqual(new Set());
      });
    });

    describe('answers (dailyAnswer)', () => {
      it('first answer wins; later ones see it; bad choices and unknown rounds are refused', async () => {
        const r = await posted(store, round('C1-20240329'));
        expect(await store.answer(TEAM, 'nope-20240329', 'u1', 0, T0 + 1, null)).toEqual({
          status: 'unknown',
        });
        expect(await store.answer(TEAM, r.roundId, 'u1', 4, T0 + 1, null)).toEqual({ status: 'bad_choice' });
        expect(await store.answer(TEAM, r.roundId, 'u1', -1, T0 + 1, null)).toEqual({ status: 'bad_choice' });
        const first = await store.answer(TEAM, r.roundId, 'u1', 3, T0 + 1_000, 'Ada');
        expect(first.status).toBe('accepted');
        if (first.status === 'accepted')
          expect(first.round).toEqual({ ...r, message: { channelId: 'C1', messageId: `m-${r.roundId}` } });
        const again = await store.answer(TEAM, r.roundId, 'u1', 1, T0 + 2_000, 'Ada');
        expect(again.status).toBe('already');
        if (again.status === 'already') expect(again.choice).toBe(3);
        expect(await store.answer(TEAM, r.roundId, 'u2', 1, r.closesAt, null)).toEqual({ status: 'closed' });
      });

      it('concurrent answers of one user: exactly one accepted', async () => {
        const r = await posted(store, round('C1-20240329'));
        const outs = await Promise.all(
          [0, 1, 2, 3].map((c) => on(c).answer(TEAM, r.roundId, 'u1', c, T0 + 10 + c, null)),
        );
        expect(outs.filter((o) => o.status === 'accepted')).toHaveLength(1);
        expect(outs.filter((o) => o.status === 'already')).toHaveLength(3);
      });

      it('the same request delivered twice is accepted both times, alike; one answer is recorded', async () => {
        const r = await posted(store, round('C1-20240329'));
        const first = await store.answer(TEAM, r.roundId, 'u1', 1, T0 + 1_000, 'Ada', 'ix-1');
        // The re-delivery arrives later (another replica, a platform retry): same answer, same time.
        const again = await store.answer(TEAM, r.roundId, 'u1', 1, T0 + 4_000, 'Ada', 'ix-1');
        const message = { channelId: 'C1', messageId: `m-${r.roundId}` };
        expect(first).toEqual({
          status: 'accepted',
          round: { ...r, message },
          choice: 1,
          at: T0 + 1_000,
          repeat: false,
        });
        expect(again).toEqual({ ...first, repeat: true });
        // A later click of the same user (another request) sees the first answer, as before.
        const other = await store.answer(TEAM, r.roundId, 'u1', 2, T0 + 5_000, 'Ada', 'ix-2');
        expect(other).toMatchObject({ status: 'already', choice: 1 });
        expect(await store.answer(TEAM, r.roundId, 'u1', 2, T0 + 5_000, 'Ada')).toMatchObject({
          status: 'already',
          choice: 1,
        });
        // Exactly one answer counts: one right answer, first place, 15 points.
        const closed = await store.closeRound(TEAM, r.roundId, awards(r.closesAt));
        if (closed.status === 'unknown') throw new Error('unknown');
        expect(closed.result).toEqual({
          answered: 1,
          right: 1,
          fastest: [{ userId: 'u1', name: 'Ada', at: T0 + 1_000, points: 15 }],
          picks: [0, 1],
        });
        expect((await store.leaderboard(TEAM, 'all', 'u1', 10)).me?.points).toBe(15);
        // A re-send that arrives after the close still gets what the first delivery got.
        expect(await store.answer(TEAM, r.roundId, 'u1', 1, r.closesAt + 1, 'Ada', 'ix-1')).toMatchObject({
          status: 'accepted',
          choice: 1,
          at: T0 + 1_000,
          repeat: true,
        });
        expect(await store.answer(TEAM, r.roundId, 'u1', 1, r.closesAt + 1, 'Ada', 'ix-2')).toEqual({
          status: 'closed',
        });
        expect((await store.leaderboard(TEAM, 'all', 'u1', 10)).me?.points).toBe(15);
      });

      it('request ids are per user and may hold any character; an answer without one never repeats', async () => {
        const r = await posted(store, round('C1-20240329'));
        const id = '1700000000.123:a:b c';
        expect(await store.answer(TEAM, r.roundId, 'u1', 0, T0 + 1, null, id)).toMatchObject({
          status: 'accepted',
          repeat: false,
        });
        expect(await store.answer(TEAM, r.roundId, 'u1', 0, T0 + 2, null, id)).toMatchObject({
          status: 'accepted',
          at: T0 + 1,
          repeat: true,
        });
        // Another user with the same id is a first answer of that user.
        expect(await store.answer(TEAM, r.roundId, 'u2', 1, T0 + 3, null, id)).toMatchObject({
          status: 'accepted',
          repeat: false,
        });
        expect((await store.answer(TEAM, r.roundId, 'u3', 1, T0 + 4, null)).status).toBe('accepted');
        expect((await store.answer(TEAM, r.roundId, 'u3', 1, T0 + 5, null)).status).toBe('already');
        expect((await store.answer(TEAM, r.roundId, 'u3', 1, T0 + 6, null, 'ix-3')).status).toBe('already');
        const closed = await store.closeRound(TEAM, r.roundId, awards(r.closesAt));
        if (closed.status === 'unknown') throw new Error('unknown');
        expect(closed.result.answered).toBe(3);
        expect(closed.result.right).toBe(2);
      });

      it('one request delivered concurrently to two replicas: both accepted alike, one recorded', async () => {
        const r = await posted(store, round('C1-20240329'));
        const outs = await Promise.all([
          on(1).answer(TEAM, r.roundId, 'u1', 3, T0 + 10, null, 'ix-9'),
          on(2).answer(TEAM, r.roundId, 'u1', 3, T0 + 12, null, 'ix-9'),
        ]);
        expect(outs.map((o) => o.status)).toEqual(['accepted', 'accepted']);
        const ats = outs.map((o) => (o.status === 'accepted' ? o.at : null));
        expect(ats[0]).toBe(ats[1]);
        expect(outs.filter((o) => o.status === 'accepted' && o.repeat)).toHaveLength(1);
        const closed = await store.closeRound(TEAM, r.roundId, awards(r.closesAt));
        if (closed.status === 'unknown') throw new Error('unknown');
        expect(closed.result.answered).toBe(1);
      });
    });

    describe('close (dailyClose, dailyReveal)', () => {
      it('awards points with speed bonus once; a second close awards nothing', async () => {
        const r = await posted(store, round('C1-20240329'));
        // Correct display index is 1. u3 and u2 tie on time: user id decides (u2 first).
        await store.answer(TEAM, r.roundId, 'u1', 0, T0 + 1_000, 'Wrong Will');
        await store.answer(TEAM, r.roundId, 'u3', 1, T0 + 2_000, 'Cy');
        await store.answer(TEAM, r.roundId, 'u2', 1, T0 + 2_000, 'Bo');
        await store.answer(TEAM, r.roundId, 'u4', 1, T0 + 3_000, null);
        await store.answer(TEAM, r.roundId, 'u5', 1, T0 + 4_000, null);
        const out = await store.closeRound(TEAM, r.roundId, awards(r.closesAt));
        expect(out.status).toBe('closed');
        if (out.status === 'unknown') throw new Error('unknown');
        expect(out.round.status).toBe('closed');
        expect(out.result).toEqual({
          answered: 5,
          right: 4,
          fastest: [
            { userId: 'u2', name: 'Bo', at: T0 + 2_000, points: 15 },
            { userId: 'u3', name: 'Cy', at: T0 + 2_000, points: 13 },
            { userId: 'u4', name: null, at: T0 + 3_000, points: 11 },
          ],
          // How many picked each displayed choice: u1 the wrong A, four the right B.
          picks: [1, 4],
        });
        const again = await store.closeRound(TEAM, r.roundId, awards(r.closesAt + 5));
        expect(again.status).toBe('already');
        if (again.status === 'already') expect(again.result).toEqual(out.result);
        for (const board of ['w:2024-W13', 'm:2024-03', 'all']) {
          const page = await store.leaderboard(TEAM, board, 'u1', 10);
          expect(page.top.map((e) => [e.userId, e.points])).toEqual([
            ['u2', 15],
            ['u3', 13],
            ['u4', 11],
            ['u5', 10],
          ]);
          expect(page.me).toBeNull();
        }
        expect(await store.openRounds(TEAM)).toEqual([]);
        expect(await store.answer(TEAM, r.roundId, 'u9', 1, T0 + 5_000, null)).toEqual({ status: 'closed' });
        expect(await store.closeRound(TEAM, 'C1-20240101', awards(T0))).toEqual({ status: 'unknown' });
      });

      it('concurrent closes award once', async () => {
        const r = await posted(store, round('C1-20240329'));
        await store.answer(TEAM, r.roundId, 'u1', 1, T0 + 1_000, null);
        const outs = await Promise.all(
          [1, 2, 3].map((i) => on(i).closeRound(TEAM, r.roundId, awards(r.closesAt + i))),
        );
        expect(outs.filter((o) => o.status === 'closed')).toHaveLength(1);
        expect((await store.leaderboard(TEAM, 'all', 'u1', 10)).me?.points).toBe(15);
      });

      it('closing a round nobody answered awards nothing', async () => {
        const r = await posted(store, round('C1-20240329'));
        const out = await store.closeRound(TEAM, r.roundId, awards(r.closesAt));
        expect(out.status === 'closed' && out.result).toEqual({
          answered: 0,
          right: 0,
          fastest: [],
          picks: [],
        });
        expect((await store.leaderboard(TEAM, 'all', 'u1', 10)).total).toBe(0);
      });

      it('noteReveal counts failed edits, then marks revealed', async () => {
        const r = await posted(store, round('C1-20240329'));
        await store.closeRound(TEAM, r.roundId, awards(r.closesAt));
        expect(await store.noteReveal(TEAM, r.roundId, false)).toBe(1);
        expect(await store.noteReveal(TEAM, r.roundId, false)).toBe(2);
        expect(await store.noteReveal(TEAM, r.roundId, true)).toBe(0);
        expect((await store.getRound(TEAM, r.roundId))?.revealed).toBe(true);
        expect(await store.noteReveal(TEAM, 'gone-20240101', true)).toBe(0);
      });
    });

    describe('streaks', () => {
      async function play(
        date: string,
        prev: string | null,
        users: string[],
        roundId = `C1-${date.replaceAll('-', '')}`,
      ) {
        const opens = Date.parse(`${date}T08:00:00Z`);
        const r = await posted(
          store,
          round(roundId, { date, prevDate: prev, opensAt: opens, closesAt: opens + 3_600_000 }),
        );
        for (const u of users) await store.answer(TEAM, r.roundId, u, 0, opens + 1_000, null);
        await store.closeRound(TEAM, r.roundId, awards(opens + 3_600_000));
      }

      it('counts consecutive scheduled days (skipping unscheduled ones), resets after a miss', async () => {
        await play('2024-03-28', '2024-03-27', ['u1', 'u2']); // Thu
        await play('2024-03-29', '2024-03-28', ['u1', 'u2']); // Fri
        await play('2024-04-01', '2024-03-29', ['u1']); // Mon: previous scheduled day is Fri
        await play('2024-04-02', '2024-04-01', ['u1', 'u2']); // u2 missed Monday
        expect(await store.streak(TEAM, 'u1')).toEqual({ count: 4, last: '2024-04-02', best: 4 });
        expect(await store.streak(TEAM, 'u2')).toEqual({ count: 1, last: '2024-04-02', best: 2 });
        expect(await store.streak(TEAM, 'nobody')).toBeNull();
      });

      it('a second round on the same date does not count twice', async () => {
        await play('2024-03-28', null, ['u1']);
        await play('2024-03-28', null, ['u1'], 'C1-20240328-p1200');
        expect(await store.streak(TEAM, 'u1')).toEqual({ count: 1, last: '2024-03-28', best: 1 });
      });
    });

    describe('leaderboards (lbRead)', () => {
      async function award(board: string, scores: Record<string, number>) {
        // Each user answers a separate round alone: 10 + 5 per round; sizes chosen by round count.
        let i = 0;
        for (const [u, rounds] of Object.entries(scores)) {
          for (let k = 0; k < rounds; k++) {
            const r = await posted(store, round(`C${i}-2024032${k}`, { channelId: `C${i}` }));
            await store.answer(TEAM, r.roundId, u, 1, T0 + 1, `name-${u}`);
            await store.closeRound(TEAM, r.roundId, awards(r.closesAt, { boards: [board, 'm:x', 'all'] }));
          }
          i++;
        }
      }

      it('ranks ties equally, lists them by user id descending, and shows the caller outside the top', async () => {
        await award('w:2024-W13', { a: 1, b: 3, c: 1, d: 2, e: 2, f: 1 });
        const page = await store.leaderboard(TEAM, 'w:2024-W13', 'a', 4);
        expect(page.total).toBe(6);
        expect(page.top).toEqual([
          { userId: 'b', name: 'name-b', points: 45, rank: 1 },
          { userId: 'e', name: 'name-e', points: 30, rank: 2 },
          { userId: 'd', name: 'name-d', points: 30, rank: 2 },
          { userId: 'f', name: 'name-f', points: 15, rank: 4 },
        ]);
        expect(page.me).toEqual({ userId: 'a', name: 'name-a', points: 15, rank: 4 });
        const none = await store.leaderboard(TEAM, 'w:2024-W13', 'zz', 4);
        expect(none.me).toBeNull();
        expect(await store.leaderboard(TEAM, 'w:2024-W14', 'a', 10)).toEqual({ top: [], me: null, total: 0 });
      });
    });

    describe('due index (dueLease)', () => {
      it('orders, limits, leases with compare-and-set, keeps existing times with onlyIfAbsent', async () => {
        const open = { kind: 'open', team: TEAM, channelId: 'C1' } as const;
        const close = { kind: 'close', team: OTHER, roundId: 'C9-20240329' } as const;
        const odd = {
          kind: 'open',
          team: { platform: 'slack', teamId: 'T:|{x}' },
          channelId: 'C "q"',
        } as const;
        await store.setDue(open, 2_000);
        await store.setDue(close, 1_000);
        await store.setDue(odd, 5_000);
        await store.setDue(open, 9_999, true);
        expect(await store.dueEntries(2_000, 10)).toEqual([
          { item: close, at: 1_000 },
          { item: open, at: 2_000 },
        ]);
        expect(await store.dueEntries(10_000, 1)).toEqual([{ item: close, at: 1_000 }]);
        expect(await store.leaseDue(open, 1_999, 50_000)).toBe(false);
        expect(await store.leaseDue(open, 2_000, 50_000)).toBe(true);
        expect(await store.leaseDue(open, 2_000, 60_000)).toBe(false);
        expect(await store.dueEntries(10_000, 10)).toEqual([
          { item: close, at: 1_000 },
          { item: odd, at: 5_000 },
        ]);
        await store.setDue(open, 3_000);
        await store.removeDue(close);
        await store.removeDue(close);
        expect(await store.dueEntries(10_000, 10)).toEqual([
          { item: open, at: 3_000 },
          { item: odd, at: 5_000 },
        ]);
        expect(await store.leaseDue(close, 1_000, 2_000)).toBe(false);
      });
    });
  });
}
