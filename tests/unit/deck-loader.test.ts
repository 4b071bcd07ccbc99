import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deckLint } from '../../src/cli/deck.js';
import { loadDeckFile, loadDecks } from '../../src/deck-files.js';
import { type DeckProblem, formatProblem, parseDeck } from '../../src/engine/deck/parse.js';
import { flat } from '../helpers/decks.js';

const KUBERNETES = 'decks/kubernetes.yaml';

/** A valid deck; `cards` replaces the card list (YAML text indented under `cards:`). */
function deckText(cards = GOOD_CARDS, head = 'title: Test deck\n'): string {
  return `# yaml-language-server: $schema=./deck.schema.json\n${head}cards:\n${cards}`;
}

const GOOD_CARDS = `  - id: one
    front: First
    back: Answer one
    quiz:
      - question: Which?
        choices: [a, b, c, d]
        answer: a
  - id: two
    front: Second
    back: Answer two
    quiz:
      - question: Which one?
        choices: [a, b, c, d]
        answer: b
`;

function only(problems: DeckProblem[]): DeckProblem {
  expect(problems.map(formatProblem)).toHaveLength(1);
  return problems[0] as DeckProblem;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quizbot-decks-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the kubernetes deck', () => {
  it('loads with all 12 seed cards, each answer among its choices', async () => {
    const { deck, problems } = flat(await loadDeckFile(KUBERNETES));
    expect(problems.map(formatProblem)).toEqual([]);
    if (!deck) throw new Error('no deck');
    expect(deck.id).toBe('kubernetes');
    expect(deck.title).toBe('Kubernetes');
    expect(deck.description).toBeTruthy();
    expect(deck.cards.map((c) => c.front)).toEqual([
      'Virtual machines pros',
      'Virtual machines cons',
      'Why not use simple processes instead of VMs?',
      'Containers',
      'Containers promises',
      'chroot',
      'Docker',
      'Kernel namespaces',
      'How many namespaces',
      'Implementation of kernel namespaces',
      'Uses for kernel namespaces',
      'Cgroups',
    ]);
    expect(new Set(deck.cards.map((c) => c.id)).size).toBe(12);
    for (const c of deck.cards) {
      expect(c.tags.length, c.id).toBeGreaterThan(0);
      expect(c.explanation, c.id).toBeTruthy();
      expect(c.quiz.length, c.id).toBeGreaterThan(0);
      for (const q of c.quiz) {
        expect(q.choices, c.id).toContain(q.answer);
        expect(new Set(q.choices).size, c.id).toBe(q.choices.length);
        for (const choice of q.choices) expect(choice.length, choice).toBeLessThanOrEqual(80);
      }
    }
  });

  it('keeps the facts of the seed, typos fixed', async () => {
    const { deck } = flat(await loadDeckFile(KUBERNETES));
    const back = (id: string) => deck?.cards.find((c) => c.id === id)?.back ?? '';
    expect(back('containers')).toContain('IP address, file systems, etc.');
    expect(back('namespace-count')).toContain('There are currently 6 namespaces:');
    for (const ns of ['mnt', 'pid', 'net', 'ipc', 'uts', 'user'])
      expect(back('namespace-count')).toContain(`- ${ns} (`);
    expect(back('vm-pros').split('\n')).toHaveLength(5);
    expect(back('namespace-syscalls')).toMatch(/setns\(\) - allows for joining an existing namespace/);
    expect(back('chroot')).toContain(
      'All application dependencies need to be copied into the chroot directory.',
    );
    const count = deck?.cards.find((c) => c.id === 'namespace-count')?.quiz[0];
    expect(count?.answer).toBe('6');
  });
});

describe('parseDeck problems carry file, card and line', () => {
  const parse = (text: string, id = 'x') => flat(parseDeck(text, `decks/${id}.yaml`, id));

  it('accepts a good deck, strips a BOM, applies defaults', () => {
    const r = parse(`\uFEFF${deckText()}`);
    expect(r.problems).toEqual([]);
    expect(r.deck?.newPerDay).toBe(20);
    expect(r.deck?.retention).toBe(0.9);
    expect(r.deck?.cards[1]?.tags).toEqual([]);
  });

  it('YAML syntax error', () => {
    const text = deckText(GOOD_CARDS.replace('front: Second', 'front: [Second'));
    const p = only(parse(text).problems);
    expect(p).toMatchObject({ file: 'decks/x.yaml', card: 'two' });
    expect(p.message).toMatch(/^YAML syntax error/);
    expect(p.line).toBeGreaterThanOrEqual(12);
    expect(p.line).toBeLessThanOrEqual(13);
    expect(parse(text).deck).toBeUndefined();
  });

  it('duplicate YAML keys', () => {
    const p = only(
      parse(deckText(GOOD_CARDS.replace('back: Answer two', 'back: Answer two\n    back: again'))).problems,
    );
    expect(p).toMatchObject({ file: 'decks/x.yaml', card: 'two', line: 14 });
    expect(p.message).toMatch(/unique/);
  });

  it('duplicate card ids', () => {
    const p = only(parse(deckText(GOOD_CARDS.replace('id: two', 'id: one'))).problems);
    expect(p).toEqual({
      file: 'decks/x.yaml',
      card: 'one',
      line: 11,
      message: 'duplicate card id "one" (also card #1)',
    });
  });

  it('duplicate card ids are found even beside a type error', () => {
    const r = parse(deckText(GOOD_CARDS.replace('id: two', 'id: one'), 'title: T\nnewPerDay: 1.5\n'));
    expect(r.problems.map(formatProblem)).toEqual([
      'decks/x.yaml:3: newPerDay must be a whole number, not a number',
      'decks/x.yaml:12: card "one": duplicate card id "one" (also card #1)',
    ]);
  });

  it('empty front', () => {
    const p = only(parse(deckText(GOOD_CARDS.replace('front: Second', 'front: "   "'))).problems);
    expect(p).toEqual({ file: 'decks/x.yaml', card: 'two', line: 12, message: 'front must not be empty' });
  });

  it('answer missing from the choices', () => {
    const p = only(parse(deckText(GOOD_CARDS.replace('answer: b', 'answer: e'))).problems);
    expect(p).toEqual({
      file: 'decks/x.yaml',
      card: 'two',
      line: 17,
      message: 'choices must include the answer "e"',
    });
    expect(formatProblem(p)).toBe('decks/x.yaml:17: card "two": choices must include the answer "e"');
  });

  it('duplicate choices', () => {
    const p = only(
      parse(
        deckText(GOOD_CARDS.replace('[a, b, c, d]\n        answer: b', '[a, b, c, a]\n        answer: b')),
      ).problems,
    );
    expect(p).toMatchObject({ file: 'decks/x.yaml', card: 'two', line: 16 });
    expect(p.message).toBe('duplicate choice "a" (same as choice 1)');
  });

  it('too few choices, too long a choice', () => {
    const r = parse(
      deckText(
        GOOD_CARDS.replace(
          '[a, b, c, d]\n        answer: b',
          `[a, b, "${'x'.repeat(81)}"]\n        answer: b`,
        ),
      ),
    );
    expect(r.problems.map(formatProblem)).toEqual([
      'decks/x.yaml:16: card "two": quiz 1 choice 3 is too long (81 characters, at most 80)',
      'decks/x.yaml:16: card "two": quiz 1 choices must have at least 4 entries (has 3)',
    ]);
  });

  it('unknown fields at every level, with a suggestion', () => {
    const text = deckText(
      GOOD_CARDS.replace('back: Answer two', 'back: Answer two\n    tagz: [x]').replace(
        'answer: b',
        'answer: b\n        anwser: b',
      ),
      'title: T\nauthor: me\n',
    );
    expect(parse(text).problems).toEqual([
      {
        file: 'decks/x.yaml',
        line: 3,
        message: 'unknown field "author" (allowed: id, title, description, newPerDay, retention, cards)',
      },
      { file: 'decks/x.yaml', card: 'two', line: 15, message: 'unknown field "tagz" (did you mean "tags"?)' },
      {
        file: 'decks/x.yaml',
        card: 'two',
        line: 20,
        message: 'quiz 1: unknown field "anwser" (did you mean "answer"?)',
      },
    ]);
  });

  it('bad card id', () => {
    const p = only(parse(deckText(GOOD_CARDS.replace('id: two', 'id: Two Words'))).problems);
    expect(p).toMatchObject({ file: 'decks/x.yaml', card: 'Two Words', line: 11 });
    expect(p.message).toMatch(/^id "Two Words" is not a valid card id/);
  });

  it('a card without id is named by its position', () => {
    const p = only(parse(deckText(GOOD_CARDS.replace('  - id: two\n    front', '  - front'))).problems);
    expect(p).toEqual({ file: 'decks/x.yaml', card: '#2', line: 11, message: 'id is missing' });
    expect(formatProblem(p)).toBe('decks/x.yaml:11: card #2: id is missing');
  });

  it('file stem that is not a deck id', () => {
    const r = flat(parseDeck(deckText(), 'decks/My Deck.yaml', 'My Deck'));
    const p = only(r.problems);
    expect(p.file).toBe('decks/My Deck.yaml');
    expect(p.card).toBeUndefined();
    expect(p.message).toMatch(/^file name "My Deck" is not a valid deck id/);
    expect(r.deck).toBeUndefined();
  });

  it('id field that differs from the file name', () => {
    const p = only(parse(deckText(GOOD_CARDS, 'id: other\ntitle: T\n')).problems);
    expect(p).toEqual({
      file: 'decks/x.yaml',
      line: 2,
      message: 'id "other" must equal the file name "x" (or be left out)',
    });
  });

  it('empty file, wrong top-level shape', () => {
    expect(only(parse('').problems).message).toMatch(/empty/);
    expect(only(parse('- a\n- b\n').problems).message).toMatch(/must be a mapping/);
  });
});

describe('loadDeckFile', () => {
  it('non-UTF-8 bytes: file, card and line of the bad byte', async () => {
    const file = join(dir, 'bad.yaml');
    const text = deckText(GOOD_CARDS.replace('Answer two', 'Answer tw@'));
    const bytes = Buffer.from(text, 'utf8');
    bytes[bytes.indexOf('@'.charCodeAt(0))] = 0xff;
    await writeFile(file, bytes);
    const r = flat(await loadDeckFile(file));
    expect(r.deck).toBeUndefined();
    const p = only(r.problems);
    expect(p).toMatchObject({ file, card: 'two', line: 13 });
    expect(p.message).toMatch(/not valid UTF-8/);
  });

  it('a UTF-8 BOM is fine', async () => {
    const file = join(dir, 'bom.yaml');
    await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(deckText())]));
    const r = flat(await loadDeckFile(file));
    expect(r.problems).toEqual([]);
    expect(r.deck?.id).toBe('bom');
  });

  it('refuses files over 1 MiB before parsing', async () => {
    const file = join(dir, 'big.yaml');
    await writeFile(file, `${deckText()}#${'x'.repeat(1024 * 1024)}\n`);
    const p = only(flat(await loadDeckFile(file)).problems);
    expect(p.file).toBe(file);
    expect(p.card).toBeUndefined();
    expect(p.line).toBeUndefined();
    expect(p.message).toMatch(/too large .*at most 1 MiB/);
  });

  it('file stem that is not a deck id', async () => {
    const file = join(dir, 'Bad_Name.yaml');
    await writeFile(file, deckText());
    const r = flat(await loadDeckFile(file));
    expect(r.deck).toBeUndefined();
    expect(formatProblem(only(r.problems))).toMatch(
      /Bad_Name\.yaml: file name "Bad_Name" is not a valid deck id/,
    );
  });

  it('a missing file is a problem', async () => {
    const p = only(flat(await loadDeckFile(join(dir, 'nope.yaml'))).problems);
    expect(p.message).toMatch(/no such file/);
  });
});

describe('loadDecks', () => {
  it('a broken deck beside a good one: the good one still loads', async () => {
    await writeFile(join(dir, 'good.yaml'), deckText());
    await writeFile(join(dir, 'broken.yml'), deckText(GOOD_CARDS.replace('answer: b', 'answer: z')));
    await writeFile(join(dir, 'notes.txt'), 'not a deck');
    const r = await loadDecks(dir);
    expect(r.decks.map((d) => d.id)).toEqual(['good']);
    expect(r.problems.map(formatProblem)).toEqual([
      `${join(dir, 'broken.yml')}:17: card "two": choices must include the answer "z"`,
    ]);
  });

  it('two files for one deck id: the second is reported', async () => {
    await writeFile(join(dir, 'a.yaml'), deckText());
    await writeFile(join(dir, 'a.yml'), deckText());
    const r = await loadDecks(dir);
    expect(r.decks.map((d) => d.id)).toEqual(['a']);
    expect(only(r.problems).message).toMatch(/already defined by/);
  });

  it('a missing folder is a problem, not a crash', async () => {
    const r = await loadDecks(join(dir, 'missing'));
    expect(r.decks).toEqual([]);
    expect(only(r.problems)).toEqual({ file: join(dir, 'missing'), message: 'deck folder not found' });
  });

  it('an empty folder is a problem', async () => {
    await mkdir(join(dir, 'empty'));
    expect(only((await loadDecks(join(dir, 'empty'))).problems).message).toMatch(/no deck files/);
  });

  it('loads the repository decks without problems', async () => {
    const r = await loadDecks('decks');
    expect(r.problems.map(formatProblem)).toEqual([]);
    expect(r.decks.map((d) => d.id)).toContain('kubernetes');
  });
});

describe('deckLint', () => {
  it('exit 0 and a summary when every deck is fine', async () => {
    await writeFile(join(dir, 'good.yaml'), deckText());
    const r = await deckLint(dir);
    expect(r.code).toBe(0);
    expect(r.output).toBe(`${dir}: 1 deck (2 cards) loaded, no problems\n`);
  });

  it('exit 1, one line per problem, then a summary', async () => {
    await writeFile(join(dir, 'good.yaml'), deckText());
    await writeFile(
      join(dir, 'bad.yaml'),
      deckText(GOOD_CARDS.replace('answer: b', 'answer: z').replace('front: First', 'front: ""')),
    );
    const r = await deckLint(dir);
    expect(r.code).toBe(1);
    expect(r.output.trimEnd().split('\n')).toEqual([
      `${join(dir, 'bad.yaml')}:5: card "one": front must not be empty`,
      `${join(dir, 'bad.yaml')}:17: card "two": choices must include the answer "z"`,
      '2 problems in 1 file; 1 deck (2 cards) loaded',
    ]);
  });

  it('exit 1 for a missing folder', async () => {
    const r = await deckLint(join(dir, 'missing'));
    expect(r.code).toBe(1);
    expect(r.output).toContain('deck folder not found');
  });

  it('the repository decks lint clean', async () => {
    expect((await deckLint('decks')).code).toBe(0);
  });
});
