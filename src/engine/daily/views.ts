import { encodeAction } from '../actions.js';
import type { ChartSpec } from '../charts.js';
import type { Deck, DeckCard, DeckSet } from '../deck/types.js';
import { displayName } from '../leaderboard.js';
import type { DailyRound, Platform, RoundResult } from '../ports.js';
import { shortDuration } from '../time.js';
import { truncate, type View, type ViewButton, withSource } from '../views.js';
import { chunk, hhmm, LETTERS, took } from './format.js';

type QuizForm = DeckCard['quiz'][number];

/** The deck, card and quiz form a round asks, or null when the deck or card is gone. */
function roundCard(decks: DeckSet, round: DailyRound): { deck: Deck; card: DeckCard; q: QuizForm } | null {
  const deck = decks.get(round.deckId);
  const card = decks.card(round.deckId, round.cardId);
  const q = card?.quiz[round.form];
  return deck && card && q ? { deck, card, q } : null;
}

/** `B. text` of a displayed choice, or null when unknown. */
export function choiceText(decks: DeckSet, round: DailyRound, display: number): string | null {
  const c = roundCard(decks, round);
  const text = c?.q.choices[round.order[display] ?? -1];
  return text === undefined ? null : `${LETTERS[display]}. ${text}`;
}

/** The private reply to an accepted answer given at `at` (the recorded time, so a repeat reads the same). */
export function answerView(decks: DeckSet, round: DailyRound, choice: number, at: number): View {
  const c = roundCard(decks, round);
  const footer = `Points are awarded when the question closes (in ${shortDuration(round.closesAt - at)}).`;
  if (!c) return { text: 'Your answer is recorded.', private: true, tone: 'info', footer };
  const right = choice === round.correct;
  const answer = choiceText(decks, round, round.correct) ?? c.q.answer;
  const why = c.card.explanation ?? c.card.back;
  const head = right
    ? `✅ Right: **${answer}**`
    : `❌ Not quite: you picked **${choiceText(decks, round, choice) ?? '?'}**. The answer is **${answer}**.`;
  return {
    text: withSource(`${head}\n\n${why}`, c.card.source, 3000),
    private: true,
    tone: right ? 'success' : 'error',
    footer,
  };
}

function choiceLines(q: QuizForm, round: DailyRound, reveal: boolean): string[] {
  return round.order.map((ci, i) => {
    const text = q.choices[ci] ?? '';
    if (!reveal) return `**${LETTERS[i]}.** ${text}`;
    return i === round.correct ? `✅ **${LETTERS[i]}. ${text}**` : `▫️ ${LETTERS[i]}. ${text}`;
  });
}

/** The public question post: the question, the choices and one button per choice (5 a row). */
export function questionView(deck: Deck, card: DeckCard, round: DailyRound, tz: string): View {
  const q = card.quiz[round.form] as QuizForm;
  const buttons: ViewButton[] = round.order.map((ci, i) => ({
    actionId: encodeAction({ kind: 'answer', roundId: round.roundId, choice: i }),
    label: truncate(`${LETTERS[i]}. ${q.choices[ci] ?? ''}`, 75, '…'),
    style: 'secondary',
  }));
  return {
    title: `Daily quiz · ${deck.title}`,
    text: truncate(`${q.question}\n\n${choiceLines(q, round, false).join('\n')}`, 2900),
    buttons: chunk(buttons, 5),
    private: false,
    tone: 'info',
    footer: `Your first answer counts · closes at ${hhmm(round.closesAt, tz)} (${tz})`,
  };
}

/**
 * The closed round's chart: how many picked each choice, the right one in the accent colour; null
 * for a round closed before picks were recorded, or with no answer.
 */
export function picksChart(
  choices: readonly string[] | undefined,
  round: Pick<DailyRound, 'order' | 'correct'>,
  result: RoundResult,
): ChartSpec | null {
  if (!result.picks || result.answered === 0) return null;
  const picks = round.order.map((_, i) => result.picks?.[i] ?? 0);
  const labels = round.order.map((ci, i) =>
    choices ? truncate(`${LETTERS[i]}. ${choices[ci] ?? ''}`, 28, '…') : (LETTERS[i] ?? '?'),
  );
  const counts = picks.map((n, i) => `${LETTERS[i]} ${n}${i === round.correct ? ' (right)' : ''}`);
  return {
    name: 'round',
    alt: `How the ${result.answered} answers were spread over the choices: ${counts.join(', ')}.`,
    panels: [
      {
        kind: 'bars',
        title: `Answers per choice · ${result.answered} in all`,
        labels,
        values: picks,
        highlight: [round.correct],
        unit: 'answers',
      },
    ],
  };
}

/** The edited post after closing: the answer revealed, counts, share right, fastest, picks chart. */
export function resultView(decks: DeckSet, platform: Platform, round: DailyRound, result: RoundResult): View {
  const c = roundCard(decks, round);
  const share = result.answered === 0 ? 0 : Math.round((100 * result.right) / result.answered);
  const fastest = result.fastest.map(
    (w, i) =>
      `${i + 1}. ${displayName(platform, w.userId, w.name)} · ${took(w.at - round.opensAt)} · +${w.points}`,
  );
  const fields = [
    { name: 'Answered', value: String(result.answered), inline: true },
    { name: 'Right', value: `${share}% (${result.right}/${result.answered})`, inline: true },
    { name: 'Fastest', value: fastest.length ? fastest.join('\n') : 'nobody this time', inline: false },
  ];
  const chart = picksChart(c?.q.choices, round, result);
  const withChart = chart ? { chart } : {};
  if (!c) {
    return {
      title: 'Daily quiz · closed',
      text: 'This question is closed.',
      fields,
      private: false,
      tone: 'info',
      ...withChart,
    };
  }
  const why = c.card.explanation ?? c.card.back;
  return {
    ...withChart,
    title: `Daily quiz · ${c.deck.title} · closed`,
    text: withSource(
      `${c.q.question}\n\n${choiceLines(c.q, round, true).join('\n')}\n\n${why}`,
      c.card.source,
      2900,
    ),
    fields,
    private: false,
    tone: 'success',
    footer: 'Closed · points are on the leaderboard',
  };
}
