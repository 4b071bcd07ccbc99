import { beforeEach, describe, expect, it } from 'vitest';
import type { ClaimLease, DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { teamStorePairs } from '../helpers/team-stores.js';

/**
 * The claim of a daily round, fenced (issue 11, item 1), on both stores, each opened twice (two
 * processes; on Redis two connections): the round is fixed by the first claim, every write of a
 * holder carries the claim's generation, and a stale holder's write is refused.
 */

const TEAM: TeamRef = { platform: 'discord', teamId: 'g1' };
const T0 = Date.parse('2024-03-29T08:00:00Z');
const KEEP = 14 * 86_400_000;
const LEASE = 60_000;

function round(patch: Partial<DailyRound> = {}): DailyRound {
  return {
    roundId: 'C1-20240329',
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

function lease(owner: string, now = T0): ClaimLease {
  return { owner, now, leaseMs: LEASE, maxAttempts: 3, keepMs: KEEP };
}

const msg = (id: string) => ({ channelId: 'C1', messageId: id });

describe.each(teamStorePairs('f'))('claim fencing on $name', ({ make }) => {
  let a: TeamStore;
  let b: TeamStore;
  beforeEach(() => {
    [a, b] = make();
  });

  it('the first claim fixes the round: a takeover gets the stored round back, and answers stay', async () => {
    const first = round();
    expect(await a.claimRound(TEAM, first, lease('a'))).toEqual({
      status: 'claimed',
      generation: 1,
      attempt: 1,
      round: first,
    });
    expect((await a.answer(TEAM, first.roundId, 'u1', 1, T0 + 1_000, 'Ada')).status).toBe('accepted');
    // A's lease lapses mid-post; B picked another card and order, but gets A's round.
    const picked = round({ cardId: 'c2', order: [0, 1, 2, 3], correct: 0, opensAt: T0 + LEASE + 1 });
    expect(await b.claimRound(TEAM, picked, lease('b', T0 + LEASE + 1))).toEqual({
      status: 'claimed',
      generation: 2,
      attempt: 2,
      round: first,
    });
    expect(await b.getRound(TEAM, first.roundId)).toEqual(first);
    const again = await b.answer(TEAM, first.roundId, 'u1', 0, T0 + LEASE + 2, null);
    expect(again).toMatchObject({ status: 'already', choice: 1 });
  });

  it('a stale holder cannot renew, fail or record; the current holder can', async () => {
    const r = round();
    await a.claimRound(TEAM, r, lease('a'));
    const later = T0 + LEASE + 1;
    expect(await b.claimRound(TEAM, r, lease('b', later))).toMatchObject({
      status: 'claimed',
      generation: 2,
      attempt: 2,
    });
    const post = (generation: number, id: string) => ({
      generation,
      message: msg(id),
      resetAsked: false,
      keepMs: KEEP,
    });
    expect(await a.renewClaim(TEAM, r.roundId, 1, later, later + LEASE)).toBe('lost');
    expect(await a.failPost(TEAM, r.roundId, 1, false, KEEP)).toBe('lost');
    expect(await a.recordPost(TEAM, r, post(1, 'stale'))).toBe('lost');
    expect(await b.renewClaim(TEAM, r.roundId, 2, later, later + LEASE)).toBe('ok');
    expect(await b.recordPost(TEAM, r, post(2, 'm2'))).toBe('ok');
    expect(await a.recordPost(TEAM, r, post(1, 'stale'))).toBe('lost');
    expect(await a.recordPost(TEAM, r, post(2, 'again'))).toBe('lost');
    expect((await a.getRound(TEAM, r.roundId))?.message).toEqual(msg('m2'));
    expect(await a.claimRound(TEAM, r, lease('c', later + 2 * LEASE))).toEqual({ status: 'posted' });
  });

  it('renewing moves the lease: others are busy until the renewed time, then take over', async () => {
    const r = round();
    await a.claimRound(TEAM, r, lease('a'));
    expect(await a.renewClaim(TEAM, r.roundId, 1, T0 + 50_000, T0 + 50_000 + LEASE)).toBe('ok');
    expect(await b.claimRound(TEAM, r, lease('b', T0 + LEASE + 1))).toEqual({
      status: 'busy',
      until: T0 + 50_000 + LEASE,
    });
    expect(await b.claimRound(TEAM, r, lease('b', T0 + 50_001 + LEASE))).toMatchObject({
      status: 'claimed',
      generation: 2,
      attempt: 2,
    });
  });

  it('a lease that has run out cannot be renewed, even before anyone takes over', async () => {
    const r = round();
    await a.claimRound(TEAM, r, lease('a'));
    expect(await a.renewClaim(TEAM, r.roundId, 1, T0 + LEASE, T0 + 2 * LEASE)).toBe('lost');
    expect(await a.renewClaim(TEAM, r.roundId, 1, T0 + LEASE - 1, T0 + 2 * LEASE)).toBe('ok');
  });

  it('a retry after a failed attempt keeps the round and counts the attempt', async () => {
    const r = round();
    await a.claimRound(TEAM, r, lease('a'));
    expect(await a.failPost(TEAM, r.roundId, 1, false, KEEP)).toBe('ok');
    expect(await b.claimRound(TEAM, round({ cardId: 'c9' }), lease('b', T0 + 1))).toEqual({
      status: 'claimed',
      generation: 2,
      attempt: 2,
      round: r,
    });
    expect(await b.failPost(TEAM, r.roundId, 2, true, KEEP)).toBe('ok');
    expect(await a.claimRound(TEAM, r, lease('a', T0 + 2))).toEqual({ status: 'failed', attempts: 2 });
    expect((await a.getRound(TEAM, r.roundId))?.cardId).toBe('c1');
  });

  it('claims racing on two connections: exactly one is claimed, the rest are busy', async () => {
    const r = round();
    const outs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).claimRound(TEAM, round({ cardId: `c${i}` }), lease(`p${i}`)),
      ),
    );
    const claimed = outs.filter((o) => o.status === 'claimed');
    expect(claimed).toHaveLength(1);
    expect(new Set(outs.map((o) => o.status))).toEqual(new Set(['claimed', 'busy']));
    const stored = await a.getRound(TEAM, r.roundId);
    expect(claimed[0]).toMatchObject({ round: stored });
  });

  it('post-now marks: one per channel per window, also when racing on two connections', async () => {
    const marks = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).markPostNow(TEAM, 'C1', T0, 60_000)),
    );
    expect(marks.filter(Boolean)).toHaveLength(1);
    expect(await a.markPostNow(TEAM, 'C2', T0, 60_000)).toBe(true);
    expect(await b.markPostNow(TEAM, 'C1', T0 + 59_999, 60_000)).toBe(false);
    expect(await b.markPostNow(TEAM, 'C1', T0 + 60_000, 60_000)).toBe(true);
  });
});
