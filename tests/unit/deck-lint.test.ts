import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deckLint } from '../../src/cli/deck.js';
import { loadDecks } from '../../src/deck-files.js';
import {
  comparisonKey,
  duplicateFrontsAcrossDecks,
  explanationRepeatsBack,
  nearDuplicateChoices,
} from '../../src/engine/deck/lint.js';
import { formatProblem, parseDeck } from '../../src/engine/deck/parse.js';
import { flat } from '../helpers/decks.js';

/** One card as YAML under `cards:`. */
function card(
  id: string,
  o: {
    front?: string;
    back?: string;
    explanation?: string;
    source?: string;
    choices?: string[];
    answer?: string;
  } = {},
): string {
  const choices = o.choices ?? ['a', 'b', 'c', 'd'];
  return [
    `  - id: ${id}`,
    `    front: ${JSON.stringify(o.front ?? `Front of ${id}`)}`,
    `    back: ${JSON.stringify(o.back ?? `Back of ${id}`)}`,
    ...(o.explanation ? [`    explanation: ${JSON.stringify(o.explanation)}`] : []),
    ...(o.source ? [`    source: ${JSON.stringify(o.source)}`] : []),
    '    quiz:',
    '      - question: Which?',
    `        choices: ${JSON.stringify(choices)}`,
    `        answer: ${JSON.stringify(o.answer ?? choices[0])}`,
  ].join('\n');
}

function deck(...cards: string[]): string {
  return `title: Test\ncards:\n${cards.join('\n')}\n`;
}

describe('comparisonKey', () => {
  it('ignores case, spacing and sentence punctuation', () => {
    expect(comparisonKey('  The  Pod. ')).toBe(comparisonKey('the pod'));
    expect(comparisonKey('What is a Pod?')).toBe(comparisonKey('what is a pod'));
    expect(comparisonKey('kube-proxy')).toBe(comparisonKey('Kube Proxy'));
    expect(comparisonKey('`kubectl apply`')).toBe(comparisonKey('kubectl apply'));
    expect(comparisonKey('"Always"')).toBe(comparisonKey('Always'));
    expect(comparisonKey('Never, ever!')).toBe(comparisonKey('never ever'));
  });

  it('keeps punctuation inside a token, where syntax questions live', () => {
    for (const [a, b] of [
      ['pods/log', 'pods.log'],
      ['pods/log', 'pods:log'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell-style syntax is the point here
      ['$(GREETING)', '${GREETING}'],
      ['%GREETING%', '{{GREETING}}'],
      ['_http._tcp.web', 'http.tcp.web'],
      ['/foo/bar/baz', '/foo/barbaz'],
      ['--dry-run', '-dry-run'],
      ['v1.25', 'v125'],
      ['1,000', '1000'],
      ['setns()', 'setns'],
      ['etcd', 'etc'],
    ])
      expect(comparisonKey(a as string), `${a} vs ${b}`).not.toBe(comparisonKey(b as string));
  });
});

describe('nearDuplicateChoices', () => {
  it('names the answer when a distractor only differs from it in case, spacing or punctuation', () => {
    expect(nearDuplicateChoices(['kube-proxy', 'kubelet', 'Kube Proxy', 'etcd'], 'kube-proxy')).toEqual([
      {
        index: 2,
        message:
          'choice "Kube Proxy" equals the answer "kube-proxy" apart from case, spacing or punctuation: make the distractor a different thing',
      },
    ]);
    // The answer written second is still named as the answer.
    expect(nearDuplicateChoices(['Pod.', 'pod', 'Node', 'Service'], 'pod')[0]?.message).toContain(
      'choice "Pod." equals the answer "pod"',
    );
  });

  it('reports two distractors alike; leaves exact duplicates to the schema and distinct ones alone', () => {
    expect(nearDuplicateChoices(['a', 'Node', 'node!', 'c'], 'a')).toEqual([
      { index: 2, message: 'choice "node!" equals choice 2 "Node" apart from case, spacing or punctuation' },
    ]);
    expect(nearDuplicateChoices(['a', 'b', 'b', 'c'], 'a')).toEqual([]);
    expect(nearDuplicateChoices(['v1.25', 'v1.26', 'v1.27', 'v1.28'], 'v1.25')).toEqual([]);
  });
});

describe('explanationRepeatsBack', () => {
  it('flags an explanation equal to the back or containing a back of five words or more', () => {
    expect(explanationRepeatsBack('etcd', 'etcd.')).toBe(true);
    expect(
      explanationRepeatsBack(
        'A Pod is the smallest deployable unit.',
        'A pod is the smallest deployable unit, made of containers.',
      ),
    ).toBe(true);
    expect(explanationRepeatsBack('Pods and Services', 'Pods run containers; Services route to Pods.')).toBe(
      false,
    );
    expect(explanationRepeatsBack('etcd', 'The API server stores all cluster data in etcd.')).toBe(false);
    expect(
      explanationRepeatsBack(
        'A Pod is the smallest deployable unit.',
        'Nothing smaller than a Pod is scheduled.',
      ),
    ).toBe(false);
  });
});

describe('duplicateFrontsAcrossDecks', () => {
  it('reports each later deck with the same front, naming the first', () => {
    const found = duplicateFrontsAcrossDecks([
      { id: 'a', file: 'a.yaml', cards: [{ id: 'x', front: 'What is a Pod?', back: '' }] },
      {
        id: 'b',
        file: 'b.yaml',
        cards: [
          { id: 'y', front: 'Other', back: '' },
          { id: 'z', front: 'what is a pod', back: '' },
        ],
      },
    ]);
    expect(found).toEqual([
      {
        file: 'b.yaml',
        deckId: 'b',
        cardIndex: 1,
        severity: 'error',
        message: 'the same front as card "x" of deck "a" (a.yaml): two cards must not ask the same thing',
      },
    ]);
  });
});

describe('parseDeck content rules: located, the deck still loads', () => {
  it('a near-duplicate of the answer is an error on the choice line', () => {
    const r = flat(
      parseDeck(deck(card('one', { choices: ['Pod', 'Node', 'pod.', 'Service'] })), 'd.yaml', 'd'),
    );
    expect(r.deck).toBeDefined();
    expect(r.problems.map(formatProblem)).toEqual([
      'd.yaml:8: card "one": choice "pod." equals the answer "Pod" apart from case, spacing or punctuation: make the distractor a different thing',
    ]);
    expect(r.problems[0]?.severity).toBeUndefined();
  });

  it('an explanation repeating the back is a warning on the explanation line', () => {
    const r = flat(
      parseDeck(deck(card('one', { back: 'Back of one', explanation: 'back of one' })), 'd.yaml', 'd'),
    );
    expect(r.deck).toBeDefined();
    expect(r.problems.map(formatProblem)).toEqual([
      'd.yaml:6: warning: card "one": the explanation repeats the back word for word: say why the answer is right instead',
    ]);
    expect(r.problems[0]?.severity).toBe('warning');
  });

  it('the same front twice in one deck is an error on the second front', () => {
    const r = flat(
      parseDeck(
        deck(card('one', { front: 'What is etcd?' }), card('two', { front: 'what is etcd' })),
        'd.yaml',
        'd',
      ),
    );
    expect(r.problems.map(formatProblem)).toEqual([
      'd.yaml:11: card "two": the same front as card "one": two cards must not ask the same thing',
    ]);
  });

  it('source must be an https URL, said with the value', () => {
    for (const bad of ['http://kubernetes.io/docs/', 'kubernetes.io/docs/', 'see the docs']) {
      const r = flat(parseDeck(deck(card('one', { source: bad })), 'd.yaml', 'd'));
      expect(r.deck).toBeUndefined();
      expect(r.problems.map(formatProblem)).toEqual([
        `d.yaml:6: card "one": source ${JSON.stringify(bad)} must be an https URL`,
      ]);
    }
    const ok = flat(
      parseDeck(deck(card('one', { source: 'https://kubernetes.io/docs/concepts/' })), 'd.yaml', 'd'),
    );
    expect(ok.problems).toEqual([]);
    expect(ok.deck?.cards[0]?.source).toBe('https://kubernetes.io/docs/concepts/');
  });
});

describe('loadDecks and deckLint across decks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quizbot-lint-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a front repeated in another deck: an error with that file, card and line; both decks load', async () => {
    await writeFile(join(dir, 'alpha.yaml'), deck(card('one', { front: 'What is a Pod?' })));
    await writeFile(join(dir, 'beta.yaml'), deck(card('first'), card('second', { front: 'What is a pod' })));
    const r = await loadDecks(dir);
    expect(r.decks.map((d) => d.id)).toEqual(['alpha', 'beta']);
    expect(r.problems.map(formatProblem)).toEqual([
      `${join(dir, 'beta.yaml')}:11: card "second": the same front as card "one" of deck "alpha" (${join(dir, 'alpha.yaml')}): two cards must not ask the same thing`,
    ]);
    const lint = await deckLint(dir);
    expect(lint.code).toBe(1);
    expect(lint.output.trimEnd().split('\n').at(-1)).toBe('1 problem in 1 file; 2 decks (3 cards) loaded');
  });

  it('warnings alone are shown and exit 0; with an error, exit 1 and both counted', async () => {
    await writeFile(
      join(dir, 'alpha.yaml'),
      deck(card('one', { back: 'Same words here', explanation: 'Same words here.' })),
    );
    const warned = await deckLint(dir);
    expect(warned.code).toBe(0);
    expect(warned.output).toContain('warning: card "one": the explanation repeats the back');
    expect(warned.output.trimEnd().split('\n').at(-1)).toBe('1 warning in 1 file; 1 deck (1 card) loaded');

    await writeFile(join(dir, 'beta.yaml'), deck(card('two', { choices: ['x', 'X', 'y', 'z'] })));
    const failed = await deckLint(dir);
    expect(failed.code).toBe(1);
    expect(failed.output.trimEnd().split('\n').at(-1)).toBe(
      '1 problem and 1 warning in 2 files; 2 decks (2 cards) loaded',
    );
  });
});
