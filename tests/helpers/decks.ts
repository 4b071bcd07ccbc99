import { type DeckLoadResult, type DeckProblem, loadProblems } from '../../src/engine/deck/parse.js';
import type { Deck } from '../../src/engine/deck/types.js';

/** A deck load as assertions read it: the deck when it loads, and every problem either way. */
export function flat(r: DeckLoadResult): { deck?: Deck; problems: DeckProblem[] } {
  return r.ok ? { deck: r.value.deck, problems: r.value.problems } : { problems: loadProblems(r) };
}
