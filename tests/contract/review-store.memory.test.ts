import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRef } from '../../src/engine/ports.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore, type ReviewDoc } from '../../src/store/memory/review-store.js';
import { reviewStoreContract } from './review-store.contract.js';

reviewStoreContract(
  'MemoryReviewStore',
  () => new MemoryReviewStore(new PersistedDoc<ReviewDoc>(null, () => ({}))),
);

describe('MemoryReviewStore persistence', () => {
  const alice: UserRef = { platform: 'terminal', userId: 'alice' };
  const T0 = Date.UTC(2025, 2, 3, 9);
  const state = 'v1|1|ssjiso|2.3065|2.1181|0|1|1|0|ssjic0';
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qb-memstore-'));
    file = join(dir, 'store.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () => {
    const doc = new PersistedDoc<ReviewDoc & { other?: { keep: number } }>(file, () => ({}), 5);
    return { doc, store: new MemoryReviewStore(doc) };
  };
  const grade = (store: MemoryReviewStore, cardId: string) =>
    store.applyGrade({
      user: alice,
      deckId: 'k8s',
      cardId,
      expected: null,
      next: state,
      due: T0,
      day: '2025-03-03',
      isNew: true,
      recalled: null,
      log: `log ${cardId}`,
    });

  it('keeps its data across re-opening the file, beside other slices', async () => {
    const first = open();
    first.doc.data.other = { keep: 42 };
    expect(await grade(first.store, 'a')).toBe('applied');
    first.doc.flush();

    const second = open();
    expect(second.doc.data.other).toEqual({ keep: 42 });
    expect(await second.store.getState(alice, 'k8s', 'a')).toBe(state);
    expect(await second.store.queue(alice, 'k8s', T0, T0 + 1000, '2025-03-03')).toEqual({
      dueCardId: 'a',
      dueNow: 1,
      dueToday: 1,
      nextDue: T0,
      newToday: 1,
      known: 1,
      dueState: state,
      dueIds: ['a'],
    });
    expect(await second.store.dayCounters(alice, null, ['2025-03-03'])).toEqual([
      { day: '2025-03-03', reviews: 1, recallTotal: 0, recallPassed: 0 },
    ]);
    expect(await second.store.reviewLog(alice)).toEqual(['log a']);
  });

  it('saves by itself: a grade resolves once its save is on disk', async () => {
    const first = open();
    await grade(first.store, 'a');
    expect(await open().store.getState(alice, 'k8s', 'a')).toBe(state);
  });

  it('a crash mid-write (stale temp file) leaves the main file whole', async () => {
    const first = open();
    await grade(first.store, 'a');
    first.doc.flush();
    const saved = readFileSync(file, 'utf8');

    // The process dies after writing half of the next save to its temp file, before the rename:
    // 'b' is graded in memory, and its save has not run yet when the temp file is cut short.
    const pending = grade(first.store, 'b');
    const half = JSON.stringify(first.doc.data).slice(0, 40);
    writeFileSync(`${file}.${process.pid}.tmp`, half);
    writeFileSync(`${file}.99999.tmp`, half);

    expect(readFileSync(file, 'utf8')).toBe(saved);
    const second = open();
    expect(await second.store.getState(alice, 'k8s', 'a')).toBe(state);
    expect(await second.store.getState(alice, 'k8s', 'b')).toBeNull();
    await pending;

    // The restarted process saves over its own stale temp file without trouble.
    await grade(second.store, 'c');
    second.doc.flush();
    const third = open();
    expect(await third.store.knownCards(alice, 'k8s')).toEqual(new Set(['a', 'c']));
    expect(readdirSync(dir).filter((f) => f === 'store.json')).toHaveLength(1);
  });
});
