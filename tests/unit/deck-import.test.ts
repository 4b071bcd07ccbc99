import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deckImport } from '../../src/cli/deck.js';
import { htmlToText, importDeck, shortAnswer, slug } from '../../src/engine/deck/import.js';
import { formatProblem, parseDeck, parseDeckBytes } from '../../src/engine/deck/parse.js';
import { DECK_LIMITS } from '../../src/engine/deck/schema.js';
import type { Deck } from '../../src/engine/deck/types.js';
import { QuizError } from '../../src/engine/errors.js';

/** The emitted YAML loads as exactly the returned deck, and every quiz form is sound. */
function expectValid(yaml: string, deck: Deck): void {
  const r = parseDeck(yaml, `decks/${deck.id}.yaml`, deck.id);
  expect(r.problems.map(formatProblem)).toEqual([]);
  expect(r.deck).toEqual(deck);
  expect(yaml.split('\n')[0]).toBe('# yaml-language-server: $schema=./deck.schema.json');
  for (const c of deck.cards) {
    const q = c.quiz[0];
    expect(q?.choices).toHaveLength(4);
    expect(q?.choices).toContain(q?.answer);
    expect(new Set(q?.choices.map((x) => x.toLowerCase())).size).toBe(4);
  }
}

const ANKI = [
  '#separator:tab',
  '#html:true',
  '#notetype column:1',
  '#deck column:2',
  '#tags column:5',
  'Basic\tK8s::Core\tWhat is a <b>Pod</b>?\t"The smallest deployable unit<br>It holds:<ul><li>one or more containers</li><li>shared &quot;storage&quot;&nbsp;&amp; network</li></ul>"\tk8s pods',
  'Basic\tK8s::Core\tWhat is a Node?\tA worker machine\tk8s',
  'Basic\tK8s::Core\tWhat is a Service?\t"A stable name\nfor a set of pods"\t',
  'Basic\tK8s::Core\tWhat is the kubelet?\t<div>The node agent</div>\t',
  'Basic\tK8s::Core\tWhat is etcd?\tThe cluster&#39;s key-value store\t',
  '',
].join('\n');

describe('importDeck: Anki "Notes in Plain Text"', () => {
  it('reads headers, strips HTML, keeps a quoted multi-line field', () => {
    const r = importDeck(ANKI, { id: 'k8s' });
    expect(r.warnings).toEqual([]);
    expect(r.deck.title).toBe('K8s');
    expect(r.deck.cards.map((c) => c.id)).toEqual([
      'what-is-a-pod',
      'what-is-a-node',
      'what-is-a-service',
      'what-is-the-kubelet',
      'what-is-etcd',
    ]);
    const pod = r.deck.cards[0];
    expect(pod?.front).toBe('What is a Pod?');
    expect(pod?.back).toBe(
      'The smallest deployable unit\nIt holds:\n- one or more containers\n- shared "storage" & network',
    );
    expect(pod?.tags).toEqual(['k8s', 'pods']);
    expect(r.deck.cards[2]?.back).toBe('A stable name\nfor a set of pods');
    expect(r.deck.cards[3]?.back).toBe('The node agent');
    expect(r.deck.cards[4]?.back).toBe("The cluster's key-value store");
    expectValid(r.yaml, r.deck);
  });

  it('auto-detects the format from the header lines', () => {
    expect(importDeck(ANKI, { id: 'k8s', format: 'auto' }).deck).toEqual(
      importDeck(ANKI, { id: 'k8s', format: 'anki' }).deck,
    );
  });

  it('reads a #columns header and turns cloze notes into blanks', () => {
    const text = [
      '#separator:semicolon',
      '#html:false',
      '#columns:Text;Back Extra',
      '{{c1::etcd}} stores the cluster state;consistent and highly available',
      '{{c1::kube-proxy}} maintains network rules on nodes;',
      'A {{c1::Deployment::workload}} manages ReplicaSets;',
      '{{c1::kubectl}} is the command-line tool;',
      '',
    ].join('\n');
    const r = importDeck(text, { id: 'cloze', format: 'anki' });
    expect(r.deck.cards[0]).toMatchObject({
      front: '[…] stores the cluster state',
      back: 'etcd',
      explanation: 'consistent and highly available',
    });
    expect(r.deck.cards[2]?.front).toBe('A [… workload] manages ReplicaSets');
    expectValid(r.yaml, r.deck);
  });
});

describe('importDeck: Quizlet, CSV, TSV', () => {
  const QUIZLET =
    'Pod\tSmallest deployable unit\nNode\tWorker machine\n"Service" object\tStable network name\n\nNamespace\tVirtual cluster\nno tab here\n';

  it('reads a Quizlet export (term TAB definition)', () => {
    const r = importDeck(QUIZLET, { id: 'quizlet', format: 'quizlet', title: 'From Quizlet' });
    expect(r.deck.title).toBe('From Quizlet');
    expect(r.deck.cards.map((c) => [c.front, c.back])).toEqual([
      ['Pod', 'Smallest deployable unit'],
      ['Node', 'Worker machine'],
      ['"Service" object', 'Stable network name'],
      ['Namespace', 'Virtual cluster'],
    ]);
    expect(r.warnings).toEqual(['line 6: no tab between term and definition; skipped']);
    expectValid(r.yaml, r.deck);
  });

  it('auto-detects tab-separated text', () => {
    const r = importDeck(QUIZLET, { id: 'quizlet' });
    expect(r.deck.cards).toHaveLength(4);
  });

  it('reads CSV with a BOM, CRLF, a header, quoted fields and tags', () => {
    const csv =
      '\uFEFFfront,back,explanation,tags\r\n' +
      'Pod,"Smallest unit, holds containers",Pods are scheduled as a whole,k8s core\r\n' +
      '\r\n' +
      'Node,Worker machine,,k8s\r\n' +
      'Service,"Stable ""name""\r\nfor pods",,\r\n' +
      'Ingress,HTTP routing into the cluster,,\r\n';
    const r = importDeck(csv, { id: 'csv' });
    expect(r.deck.cards.map((c) => c.front)).toEqual(['Pod', 'Node', 'Service', 'Ingress']);
    expect(r.deck.cards[0]).toMatchObject({
      back: 'Smallest unit, holds containers',
      explanation: 'Pods are scheduled as a whole',
      tags: ['k8s', 'core'],
    });
    expect(r.deck.cards[2]?.back).toBe('Stable "name"\nfor pods');
    expect(r.yaml).not.toContain('\r');
    expectValid(r.yaml, r.deck);
  });

  it('reads CSV without a header as front,back[,explanation,tags]', () => {
    const r = importDeck('a,1\nb,2\nc,3\nd,4,why\n', { id: 'plain', format: 'csv' });
    expect(r.deck.cards.map((c) => c.front)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.deck.cards[3]?.explanation).toBe('why');
  });

  it('keeps two notes with one front but different backs, with a warning', () => {
    const r = importDeck('a\t1\na\t2\nb\t3\nc\t4\n', { id: 'same', format: 'quizlet' });
    expect(r.deck.cards.map((c) => c.id)).toEqual(['a', 'a-2', 'b', 'c']);
    expect(r.warnings).toEqual(['line 2: same front as line 1 but another back; kept both']);
  });

  it('drops duplicate rows with a warning naming the lines; skips empty ones', () => {
    const tsv =
      'front\tback\nPod\tUnit\nNode\tMachine\npod\tunit\nService\tName\n\tno front\nIngress\tRouting\nNode\tMachine\n';
    const r = importDeck(tsv, { id: 'dups', format: 'tsv' });
    expect(r.deck.cards.map((c) => c.front)).toEqual(['Pod', 'Node', 'Service', 'Ingress']);
    expect(r.warnings).toEqual([
      'line 4: duplicate of line 2; dropped',
      'line 6: empty front; skipped',
      'line 8: duplicate of line 3; dropped',
    ]);
  });

  it('makes ids unique and fitting the id format', () => {
    const long = 'A very long question about the Kubernetes control plane and its components';
    const text = `${long}\tx\n${long}!\ty\nÉtat du nœud\tz\n???\tw\n`;
    const r = importDeck(text, { id: 'ids', format: 'quizlet' });
    const ids = r.deck.cards.map((c) => c.id);
    expect(ids[0]).toBe(slug(long));
    expect(ids[1]).toBe(`${slug(long)}-2`);
    expect(ids[2]).toBe('etat-du-n-ud');
    expect(ids[3]).toBe('card');
    for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9_-]{0,39}$/);
    expect(r.warnings).toEqual([]);
  });

  it('is deterministic: the same input gives the same file', () => {
    const a = importDeck(QUIZLET, { id: 'q' });
    const b = importDeck(QUIZLET, { id: 'q' });
    expect(a.yaml).toBe(b.yaml);
  });

  it('fewer than 4 usable cards is a clear error', () => {
    const call = () => importDeck('a\t1\nb\t2\nb\t2\n\tx\n', { id: 'few' });
    expect(call).toThrow(QuizError);
    expect(call).toThrow(/found 2 usable cards: at least 4 cards with different answers/);
    expect(() => importDeck('a\tsame\nb\tsame\nc\tsame\nd\tother\n', { id: 'few' })).toThrow(
      /\(2 with different answers\)/,
    );
  });

  it('refuses a bad deck id', () => {
    expect(() => importDeck(QUIZLET, { id: 'Bad Id' })).toThrow(/not a valid deck id/);
  });

  it('reports broken quoting as a clear error', () => {
    expect(() => importDeck('front,back\n"open,x\nb,c\n', { id: 'broken', format: 'csv' })).toThrow(
      /cannot read the file as ","-separated text: Quote Not Closed/,
    );
  });
});

/** The bytes the importer writes load, through the loader's own size check, as the returned deck. */
function expectLoads(yaml: string, deck: Deck): Uint8Array {
  const bytes = new TextEncoder().encode(yaml);
  expect(bytes.length).toBeLessThanOrEqual(DECK_LIMITS.maxFileBytes);
  const r = parseDeckBytes(bytes, `${deck.id}.yaml`);
  expect(r.problems.filter((p) => p.severity !== 'warning').map(formatProblem)).toEqual([]);
  // Both decks come from the same mapping (deckOf), so key order agrees; a deep toEqual of 5,000
  // cards costs seconds.
  expect(JSON.stringify(r.deck)).toBe(JSON.stringify(deck));
  return bytes;
}

/** n notes, `front<TAB>back`, every answer different. */
function tsv(n: number, back: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `word ${i}\t${back(i)}`).join('\n');
}

/**
 * Guard for the two tests that write and parse a file near 1 MiB: about 2 s of CPU, but on a
 * loaded 2-core machine the default 20 s was exceeded. A guard against hanging, not a timing.
 */
const BIG_FILE_GUARD_MS = 120_000;

describe('importDeck: the card limit and the file-size limit agree', () => {
  it(
    'a 5,000-word vocabulary deck keeps every card and loads',
    () => {
      const r = importDeck(
        tsv(DECK_LIMITS.cardsMax, (i) => `meaning ${i}`),
        { id: 'vocab', format: 'tsv' },
      );
      expect(r.warnings).toEqual([]);
      expect(r.deck.cards).toHaveLength(DECK_LIMITS.cardsMax);
      expectLoads(r.yaml, r.deck);
    },
    BIG_FILE_GUARD_MS,
  );

  it(
    'keeps the first cards that fit in a deck file, says so, and the file loads',
    () => {
      const n = 1200;
      const r = importDeck(
        tsv(n, (i) => `meaning ${i} ${'and more '.repeat(100)}`),
        { id: 'long', format: 'tsv' },
      );
      const kept = r.deck.cards.length;
      expect(kept).toBeGreaterThan(100);
      expect(kept).toBeLessThan(n);
      expect(r.deck.cards.map((c) => c.front)).toEqual(Array.from({ length: kept }, (_, i) => `word ${i}`));
      expect(r.warnings).toEqual([
        `only the first ${kept} cards fit in a deck file (at most 1 MiB); the other ${n - kept} were dropped: split the export into several decks`,
      ]);
      const bytes = expectLoads(r.yaml, r.deck);
      // As many as fit: one more card of this size would not.
      const perCard = bytes.length / kept;
      expect(bytes.length + perCard).toBeGreaterThan(DECK_LIMITS.maxFileBytes * 0.99);
    },
    BIG_FILE_GUARD_MS,
  );

  it('writes a file that loads as the returned deck for any texts (YAML quoting, unicode, line breaks)', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
    const note = fc.tuple(text, text, fc.option(text, { nil: undefined }));
    fc.assert(
      fc.property(fc.array(note, { minLength: 4, maxLength: 12 }), (notes) => {
        const rows = notes.map(([f, b, e], i) => [`${f} ${i}`, `${b} ${i}`, e ?? ''].map(csvField).join(','));
        const r = importDeck(`front,back,explanation\n${rows.join('\n')}\n`, { id: 'any', format: 'csv' });
        expectValid(r.yaml, r.deck);
        expectLoads(r.yaml, r.deck);
      }),
      { numRuns: 60 },
    );
  });
});

function csvField(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

describe('helpers', () => {
  it('shortAnswer fits a button and keeps lists readable', () => {
    expect(shortAnswer('- Isolation.\n- Manage dependencies.')).toBe('Isolation.; Manage dependencies.');
    expect(shortAnswer('Build once:\n- Faster\n- Portable')).toBe('Build once: Faster; Portable');
    const long = shortAnswer('word '.repeat(40));
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith('…')).toBe(true);
  });

  it('htmlToText', () => {
    expect(htmlToText('a<br/>b<div>c</div>&lt;tag&gt; [sound:x.mp3]')).toBe('a\nb\nc\n<tag>');
  });
});

describe('deckImport (CLI)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quizbot-import-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes decks/<id>.yaml and refuses to overwrite it without force', async () => {
    const input = join(dir, 'export.txt');
    await writeFile(input, ANKI);
    const decksDir = join(dir, 'decks');
    const first = await deckImport(input, { id: 'k8s', decksDir });
    expect(first.code).toBe(0);
    expect(first.output).toContain(`wrote ${join(decksDir, 'k8s.yaml')}: deck "k8s" with 5 cards`);
    const written = await readFile(join(decksDir, 'k8s.yaml'), 'utf8');
    expect(parseDeck(written, 'k8s.yaml', 'k8s').deck?.cards).toHaveLength(5);

    await writeFile(join(decksDir, 'k8s.yaml'), 'hand edits');
    const again = await deckImport(input, { id: 'k8s', decksDir });
    expect(again.code).toBe(1);
    expect(again.output).toBe(
      `error: ${join(decksDir, 'k8s.yaml')} already exists; use --force to overwrite it\n`,
    );
    expect(await readFile(join(decksDir, 'k8s.yaml'), 'utf8')).toBe('hand edits');

    const forced = await deckImport(input, { id: 'k8s', decksDir, force: true });
    expect(forced.code).toBe(0);
    expect(await readFile(join(decksDir, 'k8s.yaml'), 'utf8')).toBe(written);
  });

  it('reports file errors in one line, never a stack trace', async () => {
    const missing = await deckImport(join(dir, 'nope.txt'), { id: 'x', out: join(dir, 'x.yaml') });
    expect(missing).toEqual({
      code: 1,
      output: `error: cannot read ${join(dir, 'nope.txt')}: no such file or folder\n`,
    });

    const latin1 = join(dir, 'latin1.txt');
    await writeFile(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x09, 0x78, 0x0a]));
    const bad = await deckImport(latin1, { id: 'x', out: join(dir, 'x.yaml') });
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/not UTF-8/);

    const few = join(dir, 'few.txt');
    await writeFile(few, 'a\t1\n');
    const r = await deckImport(few, { id: 'x', out: join(dir, 'x.yaml') });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/^error: .*few\.txt: found 1 usable card:/);
    expect(r.output).not.toMatch(/\n\s+at /);

    expect((await deckImport(few, { id: 'Bad Id' })).output).toMatch(/not a valid deck id/);
    expect((await deckImport(few, { id: 'x', format: 'xls' as 'csv' })).output).toMatch(
      /unknown format "xls"/,
    );
  });
});
