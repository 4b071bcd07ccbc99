import type { Actor } from '../../src/engine/api.js';
import type { Deck, DeckCard } from '../../src/engine/deck/types.js';
import type { Clock } from '../../src/engine/ports.js';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A small deck with `n` cards `c1..cn`. */
export function testDeck(n: number, over: Partial<Deck> = {}): Deck {
  const cards: DeckCard[] = Array.from({ length: n }, (_, i) => ({
    id: `c${i + 1}`,
    front: `Question ${i + 1}?`,
    back: `Answer ${i + 1}`,
    explanation: `Because ${i + 1}.`,
    tags: [],
    quiz: [{ question: `Pick ${i + 1}`, choices: [`A${i + 1}`, 'W1', 'W2', 'W3'], answer: `A${i + 1}` }],
  }));
  return { id: 'test', title: 'Test deck', newPerDay: 20, retention: 0.9, cards, ...over };
}

/** A plain actor on a platform. */
export function actor(userId: string, over: Partial<Actor> = {}): Actor {
  return {
    user: { platform: 'discord', userId },
    team: { platform: 'discord', teamId: 'g1' },
    isAdmin: false,
    ...over,
  };
}
