import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { deckLint } from '../../src/cli/deck.js';
import { loadDecks } from '../../src/deck-files.js';
import { formatProblem } from '../../src/engine/deck/parse.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';

const DIR = 'decks';

describe('the bundled decks', () => {
  it('load with no problem and no warning', async () => {
    const { decks, problems } = await loadDecks(DIR);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(decks.length).toBeGreaterThan(0);
    const lint = await deckLint(DIR);
    expect(lint.code).toBe(0);
    expect(lint.output).toMatch(/no problems\n$/);
  });

  it('every card has an https source, an explanation and at least one 4-choice quiz form', async () => {
    const { decks } = await loadDecks(DIR);
    const missing: string[] = [];
    for (const d of decks) {
      for (const c of d.cards) {
        const where = `${d.id}/${c.id}`;
        if (!c.source?.startsWith('https://')) missing.push(`${where}: source`);
        if (!c.explanation?.trim()) missing.push(`${where}: explanation`);
        if (c.quiz.length === 0) missing.push(`${where}: quiz`);
        for (const q of c.quiz) {
          if (q.choices.length < 4) missing.push(`${where}: fewer than 4 choices`);
          if (!q.choices.includes(q.answer)) missing.push(`${where}: answer not among the choices`);
        }
        if (c.tags.length === 0) missing.push(`${where}: tags`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the seed deck keeps its content: only source lines were added to it', async () => {
    const text = await readFile(`${DIR}/kubernetes.yaml`, 'utf8');
    const withoutSources = text.replace(/^ {4}source: .*\n/gm, '');
    // sha256 of decks/kubernetes.yaml as seeded, before sources were added.
    expect(createHash('sha256').update(withoutSources).digest('hex')).toBe(
      'ebfc88deaf8e3cd58d4480f81c20e3f22d65be0524d055304cb07aefe48d7640',
    );
    expect(text.match(/^ {4}source: https:\/\/\S+$/gm)).toHaveLength(12);
  });

  it('/decks lists every bundled deck with its card count', async () => {
    const { decks } = await loadDecks(DIR);
    const set = new DeckSet(decks);
    const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
    const engine = new QuizEngine({
      decks: set,
      review: new ReviewService({ store, decks: set, clock: { now: () => 0 } }),
    });
    const view = engine.decks();
    for (const d of decks) expect(view.text).toContain(`**${d.id}** — ${d.title} (${d.cards.length} cards)`);
    const total = decks.reduce((n, d) => n + d.cards.length, 0);
    expect(view.footer).toBe(`${total} cards in ${decks.length} deck${decks.length === 1 ? '' : 's'}`);
  });
});
