/** A multiple-choice form of a card, used by daily channel quizzes. */
export interface QuizForm {
  /** The question as asked in the channel. */
  question: string;
  /** All choices, the correct one among them (4 to 6 in all). */
  choices: string[];
  /** The correct choice, exactly as it stands in `choices`. */
  answer: string;
}

/** One flashcard. `id` is stable: progress is keyed by it, so text edits keep progress. */
export interface DeckCard {
  /** Stable id, `[a-z0-9][a-z0-9_-]{0,39}`. */
  id: string;
  /** Question side. */
  front: string;
  /** Answer side. */
  back: string;
  /** Why the answer is right; shown after a daily answer and on reveal. */
  explanation?: string;
  /** https URL of the documentation page that states the fact; shown after answering. */
  source?: string;
  /** Free tags. */
  tags: string[];
  /** At least one multiple-choice form. */
  quiz: QuizForm[];
}

/** A loaded, validated deck. */
export interface Deck {
  /** Deck id: the file name without `.yaml`, `[a-z0-9][a-z0-9-]{0,31}`. */
  id: string;
  /** Human title. */
  title: string;
  /** Optional description. */
  description?: string;
  /** New cards a user may start per day (default 20). */
  newPerDay: number;
  /** FSRS desired retention (default 0.9); read-only: the engine keeps a scheduler per deck object. */
  readonly retention: number;
  /** Cards in deck order (new cards are introduced in this order). */
  cards: DeckCard[];
}

/** Loaded decks by id, plus the card lookup the engine needs. */
export class DeckSet {
  private readonly byId = new Map<string, Deck>();
  private readonly cards = new Map<string, Map<string, DeckCard>>();

  constructor(decks: Iterable<Deck>) {
    for (const d of decks) {
      this.byId.set(d.id, d);
      this.cards.set(d.id, new Map(d.cards.map((c) => [c.id, c])));
    }
  }

  /** The deck, or undefined. */
  get(deckId: string): Deck | undefined {
    return this.byId.get(deckId);
  }

  /** One card of a deck, or undefined. */
  card(deckId: string, cardId: string): DeckCard | undefined {
    return this.cards.get(deckId)?.get(cardId);
  }

  /** Adds or replaces one deck (the dashboard saved its file); every reader sees it at once. */
  replace(deck: Deck): void {
    this.byId.set(deck.id, deck);
    this.cards.set(deck.id, new Map(deck.cards.map((c) => [c.id, c])));
  }

  /** All decks, sorted by id. */
  list(): Deck[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}
