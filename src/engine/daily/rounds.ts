import type { DeckCard } from '../deck/types.js';
import { boardsFor } from '../leaderboard.js';
import type { ChannelSchedule, DailyRound, TeamRef } from '../ports.js';
import { closeAt, occurrenceOn, previousScheduledDate } from '../schedule.js';
import { drawSeed, pick, seededRandom, shuffle } from '../shuffle.js';
import { LETTERS, mention } from './format.js';
import { withTimeout } from './outbound.js';
import { postClaimed } from './post-round.js';
import { roundDate, roundIdFor } from './round-ids.js';
import type { CloseOptions, CloseReport, DailyDeps, OpenOptions, OpenOutcome } from './settings.js';
import { resultView } from './views.js';

/**
 * The round to ask: a card not yet asked in this cycle (all of them again once every card was
 * asked), one of its quiz forms, and its choices shuffled.
 */
function drawRound(
  deps: DailyDeps,
  cards: DeckCard[],
  asked: Set<string>,
  base: Pick<DailyRound, 'roundId' | 'channelId' | 'date' | 'deckId' | 'opensAt' | 'closesAt'>,
  s: ChannelSchedule,
): { round: DailyRound; resetAsked: boolean } {
  let fresh = cards.filter((c) => !asked.has(c.id));
  const resetAsked = fresh.length === 0;
  if (resetAsked) fresh = cards;
  const rng = seededRandom(drawSeed(deps.random));
  const card = fresh[pick(rng, fresh.length)] as DeckCard;
  const form = pick(rng, card.quiz.length);
  const q = card.quiz[form] as DeckCard['quiz'][number];
  const order = shuffle(
    q.choices.map((_, i) => i),
    rng,
  ).slice(0, LETTERS.length);
  const answerAt = q.choices.indexOf(q.answer);
  const round: DailyRound = {
    roundId: base.roundId,
    channelId: base.channelId,
    date: base.date,
    deckId: base.deckId,
    cardId: card.id,
    form,
    order,
    correct: Math.max(0, order.indexOf(answerAt)),
    opensAt: base.opensAt,
    closesAt: base.closesAt,
    prevDate: previousScheduledDate(s.weekdays, base.date),
    status: 'open',
    message: null,
    revealed: false,
  };
  return { round, resetAsked };
}

/**
 * Opens the channel's round of a local date, exactly once across processes and faults: claims it
 * (the first claim fixes the card and the choice order; a retry or a takeover gets that same round
 * back, with its answers), then posts it idempotently under the claim (see {@link postClaimed}).
 * Redis round trips: schedule, asked cards, claim, close index, record (5), plus one per lease
 * renewal while a post is in flight longer than `renewEveryMs`.
 */
export async function openRound(
  deps: DailyDeps,
  team: TeamRef,
  channelId: string,
  date: string,
  opts: OpenOptions = {},
): Promise<OpenOutcome> {
  const { store } = deps;
  const now = opts.now ?? deps.clock.now();
  const owner = opts.owner ?? deps.owner;
  const roundId = roundIdFor(channelId, date, opts.suffix);
  const s = await store.getSchedule(team, channelId);
  if (!s)
    return {
      status: 'skipped',
      roundId,
      reason: `No daily quiz is scheduled in ${mention(team.platform, channelId)}.`,
    };
  const deck = deps.decks.get(s.deckId);
  const cards = deck?.cards.filter((c) => c.quiz.length > 0) ?? [];
  if (!deck || cards.length === 0) {
    return {
      status: 'skipped',
      roundId,
      reason: `Deck \`${s.deckId}\` is not loaded or has no questions.`,
    };
  }
  const chat = deps.chat(team.platform);
  if (!chat) return { status: 'skipped', roundId, reason: `No ${team.platform} connection to post with.` };
  const closesAt = opts.postNow ? closeAt(s, now) : occurrenceOn(s, date).close;
  if (closesAt <= now) return { status: 'skipped', roundId, reason: 'The round’s window has passed.' };

  const asked = await store.askedCards(team, channelId, deck.id);
  const base = { roundId, channelId, date, deckId: deck.id, opensAt: now, closesAt };
  const drawn = drawRound(deps, cards, asked, base, s);
  const { maxAttempts, leaseMs, keepMs } = deps.settings;
  opts.signal?.throwIfAborted();
  const claim = await store.claimRound(team, drawn.round, { owner, now, leaseMs, maxAttempts, keepMs });
  if (claim.status === 'posted') return { status: 'taken', roundId };
  if (claim.status === 'busy') return { status: 'busy', roundId, until: claim.until };
  if (claim.status === 'failed') return { status: 'failed', roundId, attempts: claim.attempts };
  if (claim.round.closesAt <= now) {
    // A retry or takeover posts the stored round, whose close may be earlier than today's
    // schedule says: past it, the round is never posted (it would close at once, empty).
    await store.failPost(team, roundId, claim.generation, true, keepMs);
    return { status: 'skipped', roundId, reason: 'The round’s window has passed.' };
  }
  // The asked cycle only changes when a post is recorded, so this holds for the claimed card too.
  return postClaimed(deps, {
    team,
    chat,
    deck,
    schedule: s,
    round: claim.round,
    generation: claim.generation,
    attempt: claim.attempt,
    resetAsked: drawn.resetAsked,
    signal: opts.signal,
  });
}

/**
 * Closes a round: one idempotent script awards the points (a second close awards nothing),
 * then the post is edited to show the answer and the results, unless it shows them already.
 */
export async function closeRound(
  deps: DailyDeps,
  team: TeamRef,
  roundId: string,
  opts: CloseOptions = {},
): Promise<CloseReport> {
  const { store } = deps;
  const { signal } = opts;
  const now = opts.now ?? deps.clock.now();
  const date = roundDate(roundId);
  if (!date) return { status: 'unknown', revealed: true, failures: 0 };
  const { points, speedBonus, fastest, keepMs } = deps.settings;
  signal?.throwIfAborted();
  const out = await store.closeRound(team, roundId, {
    now,
    boards: boardsFor(date),
    points,
    bonus: speedBonus,
    fastest,
    keepMs,
    ...(signal ? { signal } : {}),
  });
  if (out.status === 'unknown') return { status: 'unknown', revealed: true, failures: 0 };
  const { round, result } = out;
  if (round.revealed) return { status: out.status, revealed: true, failures: 0 };
  signal?.throwIfAborted();
  if (!round.message) {
    await store.noteReveal(team, roundId, true);
    return { status: out.status, revealed: true, failures: 0 };
  }
  const chat = deps.chat(team.platform);
  try {
    if (!chat) throw new Error(`no ${team.platform} chat port`);
    const { message } = round;
    const view = resultView(deps.decks, team.platform, round, result);
    await withTimeout(deps.settings.postTimeoutMs, (s) => chat.update(message, view, { signal: s }), signal);
  } catch (error) {
    // Given up by the caller: the next close edits again (an edit is idempotent).
    signal?.throwIfAborted();
    const failures = await store.noteReveal(team, roundId, false);
    deps.log.warn({ err: error, team, roundId, failures }, 'daily results edit failed');
    return { status: out.status, revealed: false, failures, error };
  }
  signal?.throwIfAborted();
  await store.noteReveal(team, roundId, true);
  return { status: out.status, revealed: true, failures: 0 };
}
