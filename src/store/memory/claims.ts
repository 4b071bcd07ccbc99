import type { ClaimLease, ClaimOutcome, DailyRound, PostRecord } from '../../engine/ports.js';
import { decodeClaim, encodeClaim } from '../team-codec.js';
import { type MemoryTeamData, publicRound } from './team-data.js';

/*
 * The claim of a daily round in the embedded store, with the semantics of the Redis scripts
 * (`lua/dailyClaim-3.lua`, `dailyRenew-1`, `dailyPosted-4`, `dailyFailed-2`, `dailyPostNow-1`):
 * the first claim fixes the round, every later claim gets it back; each claim takes the next
 * generation, and a holder's writes apply only with the current one. Each function runs to
 * completion without awaiting, so it is as atomic as a script.
 */

/** The generation of a running claim (its attempt), or null. */
function runningGeneration(v: string | undefined): number | null {
  const c = v === undefined ? null : decodeClaim(v);
  return c?.state === 'run' ? c.attempt : null;
}

/** The next attempt (generation) of a claim state, or the outcome that ends the claim here. */
function nextAttempt(current: string | undefined, now: number): number | ClaimOutcome {
  if (current === undefined) return 1;
  const c = decodeClaim(current);
  switch (c?.state) {
    case 'run':
      // A lease that ran out means its holder died or stalled mid-post: that counts as an attempt.
      return c.until > now ? { status: 'busy', until: c.until } : c.attempt + 1;
    case 'retry':
      return c.attempts + 1;
    case 'posted':
      return { status: 'posted' };
    default:
      return { status: 'failed', attempts: c?.state === 'failed' ? c.attempts : 0 };
  }
}

/** Claims a round for posting (see TeamStore.claimRound). */
export function claimRound(d: MemoryTeamData, round: DailyRound, lease: ClaimLease): ClaimOutcome {
  const id = round.roundId;
  const next = nextAttempt(d.claims[id]?.v, lease.now);
  if (typeof next !== 'number') return next;
  const stored = d.rounds[id];
  // A round already posted or closed (its claim expired first) is never posted again.
  if (stored && (stored.message !== null || stored.status !== 'open')) return { status: 'posted' };
  const claimExpires = lease.now + lease.keepMs;
  // The generation numbers every claim; the attempts that count leave out the rate-limited ones.
  const counted = next - (stored?.freeAttempts ?? 0);
  if (counted > lease.maxAttempts) {
    d.claims[id] = { v: encodeClaim({ state: 'failed', attempts: counted - 1 }), expiresAt: claimExpires };
    return { status: 'failed', attempts: counted - 1 };
  }
  const kept = stored ?? {
    ...structuredClone(round),
    message: null,
    revealed: false,
    answers: {},
    result: null,
    revealFailures: 0,
    expiresAt: Math.max(round.closesAt, lease.now) + lease.keepMs,
  };
  d.rounds[id] = kept;
  const until = lease.now + lease.leaseMs;
  d.claims[id] = {
    v: encodeClaim({ state: 'run', owner: lease.owner, attempt: next, until }),
    expiresAt: claimExpires,
  };
  return { status: 'claimed', generation: next, attempt: counted, round: publicRound(kept) };
}

/** Moves the lease end of a running claim of this generation whose lease has not ended (see TeamStore.renewClaim). */
export function renewClaim(
  d: MemoryTeamData,
  roundId: string,
  generation: number,
  now: number,
  until: number,
): 'ok' | 'lost' {
  const claim = d.claims[roundId];
  const c = claim ? decodeClaim(claim.v) : null;
  if (!claim || c?.state !== 'run' || c.attempt !== generation || c.until <= now) return 'lost';
  claim.v = encodeClaim({ ...c, until });
  return 'ok';
}

/** Records a post of the current generation (see TeamStore.recordPost). */
export function recordPost(d: MemoryTeamData, roundId: string, post: PostRecord): 'ok' | 'late' | 'lost' {
  const r = d.rounds[roundId];
  const claim = d.claims[roundId];
  if (!r || !claim || runningGeneration(claim.v) !== post.generation) return 'lost';
  // The posted claim lives as long as its round: the round is never claimed again while it exists.
  claim.v = encodeClaim({ state: 'posted' });
  claim.expiresAt = Math.max(claim.expiresAt, r.expiresAt);
  r.message = { ...post.message };
  const key = `${r.channelId}\n${r.deckId}`;
  const asked = post.resetAsked ? [] : (d.asked[key] ?? []);
  if (!asked.includes(r.cardId)) asked.push(r.cardId);
  d.asked[key] = asked;
  if (r.status !== 'open') {
    // Closed while the post was in flight (without a message): the next close edits this one.
    r.revealed = false;
    r.revealFailures = 0;
    return 'late';
  }
  d.open[roundId] = r.closesAt;
  return 'ok';
}

/** Records a failed attempt of the current generation (see TeamStore.failPost). */
export function failPost(
  d: MemoryTeamData,
  roundId: string,
  generation: number,
  final: boolean,
  rateLimited: boolean,
): 'ok' | 'lost' {
  const claim = d.claims[roundId];
  if (!claim || runningGeneration(claim.v) !== generation) return 'lost';
  const r = d.rounds[roundId];
  if (rateLimited && r) r.freeAttempts = (r.freeAttempts ?? 0) + 1;
  // A failed claim counts the attempts that count; a retry keeps the generation for the next one.
  claim.v = encodeClaim(
    final && !rateLimited
      ? { state: 'failed', attempts: generation - (r?.freeAttempts ?? 0) }
      : { state: 'retry', attempts: generation },
  );
  return 'ok';
}

/**
 * Accepts a post-now command unless another was accepted within `windowMs` of `now` (either
 * side: replicas' clocks differ a little, in both directions).
 */
export function markPostNow(d: MemoryTeamData, channelId: string, now: number, windowMs: number): boolean {
  d.postNow ??= {};
  const last = d.postNow[channelId];
  if (last !== undefined && Math.abs(now - last) < windowMs) return false;
  d.postNow[channelId] = now;
  return true;
}
