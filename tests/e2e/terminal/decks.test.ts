import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTerminalReview } from '../../../src/adapters/terminal/review.js';
import { loadDecks } from '../../../src/deck-files.js';
import { type Deck, DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../../src/store/memory/review-store.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'qb-decks-'));

function run(args: string[], input: string) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, HTTP_PORT: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

let decks: Deck[];
beforeAll(async () => {
  decks = (await loadDecks(join(ROOT, 'decks'))).decks;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('terminal: the bundled decks (spawned)', () => {
  it('quizbot decks lists every deck with its card count', async () => {
    const r = await run(['decks'], '');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const d of decks) expect(r.out).toContain(`• ${d.id} — ${d.title} (${d.cards.length} cards)`);
  });

  it('the terminal review works for every deck: first card, then its back with the source', async () => {
    // In-process (the same runTerminalReview that `quizbot review --deck <id>` runs): one spawned
    // process per deck is too heavy for a loaded 2-core machine; the spawned path is covered above.
    const set = new DeckSet(decks);
    const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
    const engine = new QuizEngine({
      decks: set,
      review: new ReviewService({ store, decks: set, clock: { now: () => 0 } }),
    });
    for (const d of decks) {
      const input = new PassThrough();
      const output = new PassThrough();
      let out = '';
      output.on('data', (c) => (out += c));
      input.end('\nq\n');
      const code = await runTerminalReview({
        engine,
        deckId: d.id,
        actor: { user: { platform: 'terminal', userId: 'tester' }, team: null, isAdmin: true },
        input,
        output,
      });
      expect(code, d.id).toBe(0);
      expect(out, d.id).toContain(d.cards[0]?.front.split('\n')[0]);
      expect(out, d.id).toContain(`Source: ${d.cards[0]?.source}`);
    }
  });

  it('an unknown deck lists the decks and exits 1', async () => {
    const r = await run(['review', '--deck', 'no-such-deck'], '');
    expect(r.code).toBe(1);
    expect(r.out).toContain('There is no deck with that name');
    for (const d of decks) expect(r.out).toContain(`• ${d.id} — `);
  });
});
