import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fsrs, type Grade, generatorParameters } from 'ts-fsrs';
import { loadDecks } from '../src/deck-files.js';
import type { Logger } from '../src/engine/api.js';
import { newCard, packCard } from '../src/engine/cardstate.js';
import { type Deck, type DeckCard, DeckSet } from '../src/engine/deck/types.js';
import type { ChannelSchedule } from '../src/engine/ports.js';
import { seededRandom } from '../src/engine/shuffle.js';

/** Repository root (bench/..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const DAY = 86_400_000;

/**
 * Card ids shaped like the real deck's (`why-not-processes`, `cgroups`: 6 to 18 characters,
 * about 12 on average), so key and field sizes in Redis are realistic.
 */
export function cardId(i: number): string {
  return `card-${String(i).padStart(6, '0')}`;
}

/** A synthetic deck of `n` cards (ids from {@link cardId}) with one quiz form each. */
export function benchDeck(id: string, n: number): Deck {
  const cards: DeckCard[] = Array.from({ length: n }, (_, i) => ({
    id: cardId(i),
    front: `What does object ${i} of the cluster do?`,
    back: `It keeps ${i} replicas running.`,
    explanation: `Controllers reconcile the desired state ${i}.`,
    tags: [],
    quiz: [{ question: `Pick ${i}`, choices: [`A${i}`, 'B', 'C', 'D'], answer: `A${i}` }],
  }));
  return { id, title: `Bench deck ${id}`, newPerDay: 20, retention: 0.9, cards };
}

/** The project's real decks (decks/*.yaml), as the bot loads them. */
export async function realDecks(root = ROOT): Promise<DeckSet> {
  const { decks, problems } = await loadDecks(join(root, 'decks'));
  if (decks.length === 0)
    throw new Error(`no deck loaded from decks/: ${JSON.stringify(problems).slice(0, 300)}`);
  return new DeckSet(decks);
}

/** A Discord-like user id (19-digit snowflake) for index `i` of a group. */
export function snowflakeUser(group: number, i: number): string {
  return String(1_100_000_000_000_000_000n + BigInt(group) * 10_000_000n + BigInt(i));
}

/** A realistic stored card state: FSRS after a few reviews, packed as the store keeps it. */
export interface PooledState {
  /** Packed state (cardstate.ts). */
  packed: string;
  /** Due time, ms. */
  due: number;
  /** Review count inside the state. */
  reps: number;
}

/**
 * `n` card states produced by ts-fsrs itself: each card is reviewed 1 to 8 times with a realistic
 * mix of ratings (10% Again, 15% Hard, 60% Good, 15% Easy) over the last months, then packed.
 */
export function statePool(n: number, now: number, seed = 42): PooledState[] {
  const rnd = seededRandom(seed);
  const f = fsrs(generatorParameters({ request_retention: 0.9, enable_fuzz: false }));
  const out: PooledState[] = [];
  while (out.length < n) {
    let t = now - (30 + Math.floor(rnd() * 150)) * DAY;
    let card = newCard(t);
    const reviews = 1 + Math.floor(rnd() * 8);
    for (let k = 0; k < reviews; k++) {
      const r = rnd();
      const grade = (r < 0.1 ? 1 : r < 0.25 ? 2 : r < 0.85 ? 3 : 4) as Grade;
      card = f.next(card, new Date(t), grade).card;
      const next = Math.max(card.due.getTime(), t + 10 * 60_000);
      if (next > now) break;
      t = next;
    }
    out.push({ packed: packCard(card), due: card.due.getTime(), reps: card.reps });
  }
  return out;
}

/** A logger that drops everything but counts errors and warnings (and keeps the first few). */
export function countingLogger(): Logger & { errors: number; warnings: number; first: string[] } {
  const log = {
    errors: 0,
    warnings: 0,
    first: [] as string[],
    error(obj: object, msg: string) {
      log.errors++;
      if (log.first.length < 5) log.first.push(`${msg} ${JSON.stringify(obj).slice(0, 200)}`);
    },
    warn(obj: object, msg: string) {
      log.warnings++;
      if (log.first.length < 5) log.first.push(`warn: ${msg} ${JSON.stringify(obj).slice(0, 200)}`);
    },
    info() {},
    debug() {},
  };
  return log;
}

/**
 * A daily schedule whose window is open now: every weekday, posting two minutes ago (UTC),
 * closing after 8 hours. Rounds of it can be opened at once (post-now or a scheduler tick).
 */
export function openSchedule(channelId: string, deckId: string, now: number): ChannelSchedule {
  const start = new Date(now - 2 * 60_000);
  const hh = String(start.getUTCHours()).padStart(2, '0');
  const mm = String(start.getUTCMinutes()).padStart(2, '0');
  return {
    channelId,
    deckId,
    time: `${hh}:${mm}`,
    timezone: 'UTC',
    weekdays: [1, 2, 3, 4, 5, 6, 7],
    close: { kind: 'after', minutes: 480 },
    paused: false,
    updatedBy: 'bench',
    updatedAt: now,
  };
}
