import { createEmptyCard, fsrs, generatorParameters, Rating } from 'ts-fsrs';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/engine/api.js';
import { unpackCard } from '../../src/engine/cardstate.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { DEFAULT_W } from '../../src/engine/fsrs/params.js';
import type { GradeRead, ReviewStore, TeamRef } from '../../src/engine/ports.js';
import { ReviewService } from '../../src/engine/review.js';
import { shortDuration } from '../../src/engine/time.js';
import type { View } from '../../src/engine/views.js';
import { MemoryFsrsStore } from '../../src/store/memory/fsrs-store.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { actor, ManualClock, testDeck } from '../helpers/engine.js';
import { fittedParams } from '../helpers/fsrs-params.js';

/*
 * A grade schedules with the weights the store read beside the card: a team's fitted ones (the
 * deck's own first), or FSRS's defaults in a DM and for a team without a fit. The engine keeps one
 * scheduler per deck and weight array, so this holds it to: every actor gets its own weights however
 * grades interleave, adopted weights apply from the next read, and it holds both when the store
 * hands out the same array while it keeps the weights (Redis, WeightsCache) and when it parses a
 * new one per read (the embedded store).
 */

const T0 = Date.UTC(2026, 10, 30, 9);
const teamA: TeamRef = { platform: 'discord', teamId: 'A' };
const teamB: TeamRef = { platform: 'discord', teamId: 'B' };

/** Weights whose first Easy interval is told apart: w[3] is the initial stability after Easy. */
const W = (easyStability: number) => DEFAULT_W.map((x, i) => (i === 3 ? easyStability : x));

const params = (w: number[]) => fittedParams(w, T0);

/** Due of a new card rated Easy at `now`, as ts-fsrs schedules it with `w` (null: its defaults). */
function easyDue(w: number[] | null, now: number, retention = 0.9): number {
  const f = fsrs(
    generatorParameters({ request_retention: retention, enable_fuzz: false, ...(w ? { w } : {}) }),
  );
  return f.next(createEmptyCard(new Date(now)), new Date(now), Rating.Easy).card.due.getTime();
}

/** The embedded store as it is, or one that hands out the same weights array while nothing changed. */
function keptWeights(store: MemoryReviewStore): ReviewStore {
  const kept = new Map<string, readonly number[] | null>();
  const readForGrade = store.readForGrade.bind(store);
  return Object.assign(Object.create(store) as MemoryReviewStore, {
    async readForGrade(...args: Parameters<ReviewStore['readForGrade']>): Promise<GradeRead> {
      const read = await readForGrade(...args);
      const key = JSON.stringify(read.w);
      if (!kept.has(key)) kept.set(key, read.w);
      return { ...read, w: kept.get(key) ?? null };
    },
  });
}

function button(view: View, label: RegExp): string {
  const b = view.buttons?.flat().find((x) => label.test(x.label));
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(view.buttons)}`);
  return b.actionId;
}

describe.each([
  ['a new array per read (embedded store)', false],
  ['the same array while kept (as Redis)', true],
])('grades schedule with the weights read beside the card: %s', (_name, keep) => {
  function rig() {
    const clock = new ManualClock(T0);
    const doc = new PersistedDoc(null, () => ({}));
    const memory = new MemoryReviewStore(doc);
    const store = keep ? keptWeights(memory) : memory;
    const decks = new DeckSet([testDeck(8)]);
    const engine = new QuizEngine({ review: new ReviewService({ store, decks, clock }), decks });
    return { clock, store, decks, engine, fsrs: new MemoryFsrsStore(doc) };
  }

  /**
   * Rates the actor's next (new) card Easy; returns that card's stored due, once the Easy button's
   * label (drawn at "Show answer" with the same scheduler) has been checked against it.
   */
  async function easy(r: ReturnType<typeof rig>, who: Actor): Promise<number> {
    const card = await r.engine.review(who, 'test');
    const shown = await r.engine.action(who, button(card, /Show answer/));
    const label = shown.view.buttons?.flat().find((b) => b.label.startsWith('Easy'))?.label;
    const graded = await r.engine.action(who, button(shown.view, /^Easy/));
    expect(graded.view.text).toContain('Easy — next review in');
    const id = /Question (\d+)\?/.exec(card.text)?.[1];
    const state = await r.store.getState(who.user, 'test', `c${id}`);
    const due = unpackCard(state as string).due.getTime();
    expect(label).toBe(`Easy · ${shortDuration(due - T0)}`);
    return due;
  }

  it("each actor's grade uses its own team's weights, the deck's own first, defaults in a DM", async () => {
    const r = rig();
    await r.fsrs.saveParams(teamA, null, params(W(20)));
    await r.fsrs.saveParams(teamB, null, params(W(3)));
    await r.fsrs.saveParams(teamB, 'test', params(W(40)));
    const inA = actor('a', { team: teamA });
    const inB = actor('b', { team: teamB });
    const unfitted = actor('u', { team: { platform: 'discord', teamId: 'C' } });
    const dm = actor('d', { team: null });
    const expected = new Map<Actor, number>([
      [inA, easyDue(W(20), T0)],
      [inB, easyDue(W(40), T0)],
      [unfitted, easyDue(null, T0)],
      [dm, easyDue(null, T0)],
    ]);
    // The three weight sets give three different intervals, so a mix-up cannot pass.
    expect(new Set(expected.values()).size).toBe(3);
    for (const who of [inA, inB, dm, unfitted, inA, dm, inB, unfitted])
      expect(await easy(r, who)).toBe(expected.get(who));
  });

  it('weights adopted for a team apply from its next grade; a reset goes back to the defaults', async () => {
    const r = rig();
    const inA = actor('a', { team: teamA });
    await r.fsrs.saveParams(teamA, null, params(W(20)));
    expect(await easy(r, inA)).toBe(easyDue(W(20), T0));
    await r.fsrs.saveParams(teamA, null, params(W(5)));
    expect(await easy(r, inA)).toBe(easyDue(W(5), T0));
    await r.fsrs.resetParams(teamA);
    expect(await easy(r, inA)).toBe(easyDue(null, T0));
  });

  it('a deck replaced with another retention schedules with it from the next grade, in a team and in a DM', async () => {
    const r = rig();
    const inA = actor('a', { team: teamA });
    const dm = actor('d', { team: null });
    await r.fsrs.saveParams(teamA, null, params(W(20)));
    expect(await easy(r, inA)).toBe(easyDue(W(20), T0));
    expect(await easy(r, dm)).toBe(easyDue(null, T0));
    r.decks.replace(testDeck(8, { retention: 0.8 }));
    // A lower retention schedules longer intervals: the new deck's schedulers differ from the old.
    expect(easyDue(W(20), T0, 0.8)).toBeGreaterThan(easyDue(W(20), T0));
    expect(easyDue(null, T0, 0.8)).toBeGreaterThan(easyDue(null, T0));
    expect(await easy(r, inA)).toBe(easyDue(W(20), T0, 0.8));
    expect(await easy(r, dm)).toBe(easyDue(null, T0, 0.8));
  });
});
