import type { Actor } from '../../src/engine/api.js';
import { type Deck, DeckSet } from '../../src/engine/deck/types.js';
import type { ChatPort, Clock, MessageRef, TeamRef } from '../../src/engine/ports.js';
import { seededRandom } from '../../src/engine/shuffle.js';
import type { View } from '../../src/engine/views.js';

/** A settable clock. */
export class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
  set(iso: string | number): void {
    this.ms = typeof iso === 'number' ? iso : Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A small deck with `n` cards, each with one 4-choice question; card i's answer is `right i`. */
export function makeDeck(n = 3, id = 'k8s'): Deck {
  return {
    id,
    title: 'Kubernetes',
    newPerDay: 20,
    retention: 0.9,
    cards: Array.from({ length: n }, (_, i) => ({
      id: `c${i}`,
      front: `front ${i}`,
      back: `back ${i}`,
      explanation: `because ${i}`,
      tags: [],
      quiz: [
        {
          question: `question ${i}?`,
          choices: [`right ${i}`, `wrong a${i}`, `wrong b${i}`, `wrong c${i}`],
          answer: `right ${i}`,
        },
      ],
    })),
  };
}

/** The deck set of {@link makeDeck}. */
export function makeDecks(n = 3): DeckSet {
  return new DeckSet([makeDeck(n)]);
}

/** A deterministic random source. */
export function testRandom(seed = 42): () => number {
  return seededRandom(seed);
}

export const TEAM: TeamRef = { platform: 'discord', teamId: 'g1' };

/** An actor in {@link TEAM}. */
export function actor(userId: string, isAdmin = false, displayName?: string): Actor {
  const a: Actor = { user: { platform: 'discord', userId }, team: TEAM, isAdmin };
  if (displayName) a.displayName = displayName;
  return a;
}

/** One recorded post. */
export interface Posted {
  channelId: string;
  view: View;
  ref: MessageRef;
  at: number;
}

/** A ChatPort that records posts and edits; it can fail or delay on demand. */
export class RecordingChat implements ChatPort {
  readonly posts: Posted[] = [];
  readonly updates: { ref: MessageRef; view: View; at: number }[] = [];
  /** Posts that fail next (counts down). */
  failPosts = 0;
  /** Edits that fail next (counts down). */
  failUpdates = 0;
  /** Max random delay per call, ms (to interleave concurrent callers). */
  jitterMs = 0;
  private n = 0;
  private readonly rnd = seededRandom(7);

  constructor(private readonly clock: Clock) {}

  private async delay(): Promise<void> {
    if (this.jitterMs > 0) await new Promise((r) => setTimeout(r, Math.floor(this.rnd() * this.jitterMs)));
  }

  async post(channelId: string, view: View): Promise<MessageRef> {
    await this.delay();
    if (this.failPosts > 0) {
      this.failPosts--;
      throw new Error('platform says no');
    }
    const ref = { channelId, messageId: `m${++this.n}` };
    this.posts.push({ channelId, view, ref, at: this.clock.now() });
    return ref;
  }

  async update(ref: MessageRef, view: View): Promise<void> {
    await this.delay();
    if (this.failUpdates > 0) {
      this.failUpdates--;
      throw new Error('edit refused');
    }
    this.updates.push({ ref, view, at: this.clock.now() });
  }

  /** Posts per channel. */
  countByChannel(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.posts) out[p.channelId] = (out[p.channelId] ?? 0) + 1;
    return out;
  }
}

/** The action id of button `i` of a posted view. */
export function buttonId(view: View, i: number): string {
  const b = view.buttons?.flat()[i];
  if (!b) throw new Error(`no button ${i}`);
  return b.actionId;
}

/** The round id inside a posted view's buttons. */
export function roundOf(view: View): string {
  return buttonId(view, 0).split(':')[2] as string;
}

/** Display index of the correct choice in a posted view (its label reads `X. right N`). */
export function correctIndex(view: View): number {
  const i = (view.buttons?.flat() ?? []).findIndex((b) => /\. right \d+$/.test(b.label));
  if (i < 0) throw new Error('no correct button');
  return i;
}
