/**
 * Content rules of decks beyond their shape: near-duplicate choices, an explanation that only
 * repeats the back, the same front in two cards (also across decks). Pure: no file I/O, so the
 * loader, the CLI and tests share it.
 */

/** One content finding; `path` is relative to the deck data (`['cards', 3, 'explanation']`). */
export interface LintFinding {
  path: (string | number)[];
  message: string;
  /** Errors fail `deck lint`; warnings are shown and do not. */
  severity: 'error' | 'warning';
}

/** The card fields the content rules read. */
export interface LintCard {
  id: string;
  front: string;
  back: string;
  explanation?: string | undefined;
}

/**
 * A text's comparison key: case, spacing and sentence punctuation ignored (`"Pod."` = `"pod"`,
 * `kube-proxy` = `Kube Proxy`). Punctuation inside a token is kept, because there it is the
 * content of syntax questions: `pods/log` vs `pods.log`, `$(VAR)` vs `${VAR}`, `v1.25` vs `v125`,
 * `--dry-run` vs `-dry-run` stay different.
 */
export function comparisonKey(text: string): string {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      // Markdown code marks are invisible once rendered.
      .replace(/`/g, '')
      // A hyphen joining two words is spacing: kube-proxy, kube proxy, kubeproxy.
      .replace(/(?<=[\p{L}\p{N}])-(?=[\p{L}\p{N}])/gu, '')
      // Sentence punctuation: before a space or at the end, not inside a token.
      .replace(/[.,;:!?\u2026]+(?=\s|$)/gu, '')
      // Quotes around a word or the whole text.
      .replace(/(^|\s)["'\u201C\u201D\u2018\u2019]+|["'\u201C\u201D\u2018\u2019]+(?=\s|$)/gu, '$1')
      .replace(/\s+/gu, '')
  );
}

/**
 * Choices of one quiz form that are equal apart from case, spacing or punctuation (exact
 * duplicates are reported by the schema). Each message names the earlier choice it repeats,
 * and says so when that is the answer: a player could not tell them apart.
 */
export function nearDuplicateChoices(
  choices: readonly string[],
  answer: string,
): { index: number; message: string }[] {
  const out: { index: number; message: string }[] = [];
  const seen = new Map<string, number>();
  choices.forEach((c, i) => {
    const key = comparisonKey(c);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const earlier = choices[first] as string;
    if (earlier === c) return; // exact duplicate: the schema's message already covers it
    const isAnswer = c === answer || earlier === answer;
    const other = c === answer ? c : earlier;
    const self = c === answer ? earlier : c;
    out.push({
      index: i,
      message: isAnswer
        ? `choice "${self}" equals the answer "${other}" apart from case, spacing or punctuation: make the distractor a different thing`
        : `choice "${c}" equals choice ${first + 1} "${earlier}" apart from case, spacing or punctuation`,
    });
  });
  return out;
}

const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/** Backs shorter than this may fairly appear in an explanation (`etcd`, `A ReplicaSet`). */
const REPEAT_MIN_WORDS = 5;

/**
 * True when the explanation repeats the back word for word: it equals the back, or contains all
 * of a back of at least {@link REPEAT_MIN_WORDS} words in order. Case and punctuation ignored.
 */
export function explanationRepeatsBack(back: string, explanation: string): boolean {
  const b = words(back);
  const e = words(explanation);
  if (b.length === 0) return false;
  if (b.join(' ') === e.join(' ')) return true;
  if (b.length < REPEAT_MIN_WORDS) return false;
  return ` ${e.join(' ')} `.includes(` ${b.join(' ')} `);
}

/** Content findings of one deck's cards (paths into the deck data). */
export function lintCards(
  cards: readonly (LintCard & { quiz: readonly { choices: readonly string[]; answer: string }[] })[],
): LintFinding[] {
  const out: LintFinding[] = [];
  const fronts = new Map<string, string>();
  cards.forEach((card, ci) => {
    card.quiz.forEach((q, qi) => {
      for (const d of nearDuplicateChoices(q.choices, q.answer)) {
        out.push({
          path: ['cards', ci, 'quiz', qi, 'choices', d.index],
          message: d.message,
          severity: 'error',
        });
      }
    });
    if (card.explanation !== undefined && explanationRepeatsBack(card.back, card.explanation)) {
      out.push({
        path: ['cards', ci, 'explanation'],
        message: 'the explanation repeats the back word for word: say why the answer is right instead',
        severity: 'warning',
      });
    }
    const key = comparisonKey(card.front);
    const first = fronts.get(key);
    if (first === undefined) fronts.set(key, card.id);
    else
      out.push({
        path: ['cards', ci, 'front'],
        message: `the same front as card "${first}": two cards must not ask the same thing`,
        severity: 'error',
      });
  });
  return out;
}

/** One deck as the cross-deck rule sees it. */
export interface LintDeck {
  id: string;
  file: string;
  cards: readonly LintCard[];
}

/** A cross-deck finding: the deck file and card it is about. */
export interface CrossDeckFinding {
  file: string;
  deckId: string;
  cardIndex: number;
  message: string;
  severity: 'error';
}

/**
 * Fronts that appear in more than one deck (case, spacing and punctuation ignored). The first
 * deck in the given order keeps the front; each later one is reported, naming the first.
 */
export function duplicateFrontsAcrossDecks(decks: readonly LintDeck[]): CrossDeckFinding[] {
  const owner = new Map<string, { deckId: string; cardId: string; file: string }>();
  const out: CrossDeckFinding[] = [];
  for (const deck of decks) {
    deck.cards.forEach((card, i) => {
      const key = comparisonKey(card.front);
      const first = owner.get(key);
      if (first && first.deckId !== deck.id) {
        out.push({
          file: deck.file,
          deckId: deck.id,
          cardIndex: i,
          message: `the same front as card "${first.cardId}" of deck "${first.deckId}" (${first.file}): two cards must not ask the same thing`,
          severity: 'error',
        });
      }
      if (!first) owner.set(key, { deckId: deck.id, cardId: card.id, file: deck.file });
    });
  }
  return out;
}
