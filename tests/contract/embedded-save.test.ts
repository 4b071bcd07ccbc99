import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import type { View } from '../../src/engine/views.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { actor, ManualClock, testDeck } from '../helpers/engine.js';

function button(view: View, label: RegExp): string {
  const b = view.buttons?.flat().find((x) => label.test(x.label));
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(view)}`);
  return b.actionId;
}

const dir = mkdtempSync(join(tmpdir(), 'qb-embedded-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A save that fails (disk full, read-only folder). Made here by a directory standing where the
 * store's file goes, so the rename onto it fails even for root, which ignores file permissions.
 */
describe('the embedded store when a save fails', () => {
  it('answers the user with an error, stays up, and the next save writes everything', async () => {
    const file = join(dir, 'quizbot.json');
    const doc = new PersistedDoc<object>(file, () => ({}), 5);
    const decks = new DeckSet([testDeck(3)]);
    const engine = new QuizEngine({
      review: new ReviewService({
        store: new MemoryReviewStore(doc),
        decks,
        clock: new ManualClock(Date.UTC(2026, 10, 25, 9)),
      }),
      decks,
    });
    const alice = actor('alice');
    const gradeNext = async () => {
      const card = await engine.review(alice, 'test');
      const shown = await engine.action(alice, button(card, /Show answer/));
      return engine.action(alice, button(shown.view, /^Good/));
    };

    mkdirSync(join(file, 'blocker'), { recursive: true });
    const failed = await gradeNext();
    expect(failed.mode).toBe('reply');
    expect(failed.view.code).toBe('save_failed');
    expect(failed.view.text).toMatch(/could not save/i);

    // Still up, and the disk has room again: the next change saves both grades.
    rmSync(file, { recursive: true });
    const ok = await gradeNext();
    expect(ok.mode).toBe('update');
    expect(ok.view.code).toBeUndefined();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      review: { users: Record<string, { decks: { test: { cards: Record<string, string> } } }> };
    };
    const cards = Object.values(saved.review.users)[0]?.decks.test.cards ?? {};
    expect(Object.keys(cards).sort()).toEqual(['c1', 'c2']);
  });

  it('retries a failed save by itself, without waiting for another change', async () => {
    const file = join(dir, 'retry.json');
    const doc = new PersistedDoc<{ n?: number }>(file, () => ({}), 5, 20);
    mkdirSync(join(file, 'blocker'), { recursive: true });
    doc.data.n = 1;
    await expect(doc.changed()).rejects.toThrow(/could not save/);
    rmSync(file, { recursive: true });
    await doc.saved();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 1 });
  });

  it('a change made while a save is failing is not lost when it finally succeeds', async () => {
    const file = join(dir, 'later.json');
    writeFileSync(file, '{}');
    const doc = new PersistedDoc<{ a?: number; b?: number }>(file, () => ({}), 5, 60_000);
    rmSync(file);
    mkdirSync(join(file, 'x'), { recursive: true });
    doc.data.a = 1;
    await expect(doc.changed()).rejects.toThrow(/could not save/);
    rmSync(file, { recursive: true });
    doc.data.b = 2;
    await doc.changed();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: 1, b: 2 });
  });

  it('the team store reports a failed save to its caller too, and saves at the next change', async () => {
    const file = join(dir, 'team.json');
    const doc = new PersistedDoc<object>(file, () => ({}), 5, 60_000);
    const store = new MemoryTeamStore(doc);
    const team = { platform: 'slack', teamId: 'T1' } as const;
    const schedule = (channelId: string) => ({
      channelId,
      deckId: 'test',
      time: '09:00',
      timezone: 'UTC',
      weekdays: [1, 2, 3, 4, 5],
      close: { kind: 'after' as const, minutes: 480 },
      paused: false,
      updatedBy: 'admin',
      updatedAt: 0,
    });
    mkdirSync(join(file, 'blocker'), { recursive: true });
    await expect(store.putSchedule(team, schedule('C1'))).rejects.toMatchObject({ code: 'save_failed' });
    rmSync(file, { recursive: true });
    await store.putSchedule(team, schedule('C2'));
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"C1"');
    expect(text).toContain('"C2"');
  });
});
