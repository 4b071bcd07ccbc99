import type { Deck } from '../deck/types.js';
import { RateLimitedError } from '../errors.js';
import type { ChannelSchedule, ChatPort, DailyRound, MessageRef, TeamRef } from '../ports.js';
import { ClaimLostError, underClaim } from './outbound.js';
import type { DailyDeps, OpenOutcome } from './settings.js';
import { questionView } from './views.js';

/** A round this process holds the claim of, ready to post. */
export interface ClaimedRound {
  team: TeamRef;
  chat: ChatPort;
  deck: Deck;
  schedule: ChannelSchedule;
  /** The round as first claimed (a retry or takeover posts exactly this). */
  round: DailyRound;
  /** The claim's generation: the fencing token of every write below. */
  generation: number;
  /** The attempt this is, rate-limited attempts not counted. */
  attempt: number;
  /** Whether the post starts a new no-repeat cycle of the channel's deck. */
  resetAsked: boolean;
  /** The caller's signal: when it fires, the post is aborted and nothing more is written. */
  signal?: AbortSignal | undefined;
}

/**
 * Posts a claimed round and records it, fenced by the claim's generation. The post is keyed by
 * the round id (the adapter makes it idempotent on the platform), runs with a timeout shorter
 * than the lease and renews the lease while in flight. A failure, also an uncertain one (a
 * timeout after sending), leaves the claim retryable: the next attempt posts the same round with
 * the same key, so a post that did land is found or returned, not repeated.
 */
export async function postClaimed(deps: DailyDeps, c: ClaimedRound): Promise<OpenOutcome> {
  const { store, settings, log } = deps;
  const { team, round, generation } = c;
  const { roundId, channelId } = round;
  const card = deps.decks.card(round.deckId, round.cardId);
  if (!card?.quiz[round.form]) {
    // The deck changed between attempts: the claimed question cannot be shown any more.
    await store.failPost(team, roundId, generation, true, settings.keepMs);
    return {
      status: 'failed',
      roundId,
      attempts: c.attempt,
      error: new Error(`card ${round.cardId} is gone`),
    };
  }
  c.signal?.throwIfAborted();
  // Indexed before posting, so a crash after the post still closes the round.
  await store.setDue({ kind: 'close', team, roundId }, round.closesAt);
  const view = questionView(c.deck, card, round, c.schedule.timezone);
  let message: MessageRef;
  try {
    message = await underClaim(
      {
        store,
        team,
        roundId,
        generation,
        clock: deps.clock,
        leaseMs: settings.leaseMs,
        renewEveryMs: settings.renewEveryMs,
        timeoutMs: settings.postTimeoutMs,
        onRenewError: (err) => log.warn({ err, team, roundId }, 'daily claim renewal failed'),
        signal: c.signal,
      },
      (signal) =>
        c.chat.post(channelId, view, { key: roundId, since: round.opensAt, retry: generation > 1, signal }),
    );
  } catch (error) {
    // Given up by the caller: the claim stays held until its lease ends, then the next attempt
    // takes it over and posts (or finds) the same round.
    c.signal?.throwIfAborted();
    if (error instanceof ClaimLostError) {
      // A newer holder posts the same round: look again after its lease.
      log.warn({ team, channelId, roundId, generation }, 'daily post given up: the claim was taken over');
      return { status: 'busy', roundId, until: deps.clock.now() + settings.leaseMs };
    }
    // A rate limit is not a failure (nothing was sent): it does not use up the attempts. Its
    // retries are bounded by the round's window: a claim after the stored close posts nothing.
    const limited = error instanceof RateLimitedError;
    const final = !limited && c.attempt >= settings.maxAttempts;
    await store.failPost(team, roundId, generation, final, settings.keepMs, limited);
    log.warn({ err: error, team, channelId, roundId, attempt: c.attempt, final }, 'daily post failed');
    return final
      ? { status: 'failed', roundId, attempts: c.attempt, error }
      : { status: 'retry', roundId, attempt: c.attempt, error };
  }
  c.signal?.throwIfAborted();
  const rec = await store.recordPost(team, round, {
    generation,
    message,
    resetAsked: c.resetAsked,
    keepMs: settings.keepMs,
  });
  if (rec === 'lost') {
    // Taken over meanwhile: the newer holder records the same (idempotent) post.
    log.warn(
      { team, channelId, roundId, generation },
      'daily post not recorded: a newer claim holds the round',
    );
    return { status: 'taken', roundId };
  }
  if (rec === 'late') {
    // The round closed while the post was in flight (it had no message to reveal): close it again
    // now, so the results edit reaches the message that just landed.
    log.warn({ team, channelId, roundId, generation }, 'daily post landed after its round closed');
    await store.setDue({ kind: 'close', team, roundId }, deps.clock.now());
  }
  return { status: 'posted', roundId, message, closesAt: round.closesAt };
}
