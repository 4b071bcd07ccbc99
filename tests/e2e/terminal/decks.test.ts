import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecks } from '../../../src/engine/deck/loader.js';
import type { Deck } from '../../../src/engine/deck/types.js';

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

  it('quizbot review --deck <id> works for every deck: first card, then its back with the source', async () => {
    // Three processes at a time: enough to be quick, light enough for a loaded 2-core machine.
    const runs: Awaited<ReturnType<typeof run>>[] = [];
    for (let i = 0; i < decks.length; i += 3) {
      const batch = decks.slice(i, i + 3).map((d) => run(['review', '--deck', d.id], '\nq\n'));
      runs.push(...(await Promise.all(batch)));
    }
    runs.forEach((r, i) => {
      const d = decks[i] as Deck;
      expect(r.code, d.id).toBe(0);
      expect(r.out, d.id).toContain(d.cards[0]?.front.split('\n')[0]);
      expect(r.out, d.id).toContain(`Source: ${d.cards[0]?.source}`);
    });
  });

  it('an unknown deck lists the decks and exits 1', async () => {
    const r = await run(['review', '--deck', 'no-such-deck'], '');
    expect(r.code).toBe(1);
    expect(r.out).toContain('There is no deck with that name');
    for (const d of decks) expect(r.out).toContain(`• ${d.id} — `);
  });
});
