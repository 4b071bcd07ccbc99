import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isCardId, isDeckId } from '../../src/engine/actions.js';
import {
  CARD_ID_PATTERN,
  DECK_ID_PATTERN,
  DeckFileSchema,
  deckJsonSchema,
  deckJsonSchemaText,
  duplicateCardIds,
} from '../../src/engine/deck/schema.js';

const SCHEMA_FILE = new URL('../../decks/deck.schema.json', import.meta.url);

const quiz = { question: 'Q?', choices: ['a', 'b', 'c', 'd'], answer: 'a' };
const card = { id: 'c1', front: 'F', back: 'B', quiz: [quiz] };
const deck = { title: 'T', cards: [card] };

describe('deck JSON Schema', () => {
  it('the committed decks/deck.schema.json equals the generated one', async () => {
    const generated = deckJsonSchemaText();
    // To regenerate after a schema change: UPDATE_DECK_SCHEMA=1 npx vitest run tests/unit/deck-schema
    if (process.env.UPDATE_DECK_SCHEMA === '1') await writeFile(SCHEMA_FILE, generated);
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(committed, 'decks/deck.schema.json is stale: run with UPDATE_DECK_SCHEMA=1').toBe(generated);
  });

  it('describes the input: strict objects, defaults optional, limits present', () => {
    const s = deckJsonSchema() as {
      additionalProperties: boolean;
      required: string[];
      properties: {
        cards: { items: { additionalProperties: boolean; properties: Record<string, unknown> } };
      };
    };
    expect(s.additionalProperties).toBe(false);
    expect(s.required.sort()).toEqual(['cards', 'title']);
    expect(s.properties.cards.items.additionalProperties).toBe(false);
    const text = JSON.stringify(s);
    expect(text).toContain('"maxLength":80');
    expect(text).toContain('"uniqueItems":true');
    expect(text).toContain(CARD_ID_PATTERN.source.replaceAll('\\', '\\\\'));
  });

  it('every deck file points editors at the schema', async () => {
    const text = await readFile(new URL('../../decks/kubernetes.yaml', import.meta.url), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./deck.schema.json');
  });
});

describe('DeckFileSchema', () => {
  it('id patterns agree with the action id rules', () => {
    for (const s of [
      'a',
      'kubernetes',
      'k8s-basics',
      'a_b',
      '-a',
      'A',
      'x'.repeat(32),
      'x'.repeat(33),
      'é',
      '',
    ]) {
      expect(DECK_ID_PATTERN.test(s), s).toBe(isDeckId(s));
    }
    for (const s of ['a', 'vm-pros', 'a_b', '_a', 'A', 'x'.repeat(40), 'x'.repeat(41), 'a b', '']) {
      expect(CARD_ID_PATTERN.test(s), s).toBe(isCardId(s));
    }
  });

  it('applies defaults and trims text', () => {
    const r = DeckFileSchema.parse({ ...deck, cards: [{ ...card, back: 'B\n' }] });
    expect(r.newPerDay).toBe(20);
    expect(r.retention).toBe(0.9);
    expect(r.cards[0]?.tags).toEqual([]);
    expect(r.cards[0]?.back).toBe('B');
  });

  it('rejects unknown fields at every level', () => {
    const paths = (v: unknown) =>
      DeckFileSchema.safeParse(v).error?.issues.map((i) => [i.code, i.path.join('.')]) ?? [];
    expect(paths({ ...deck, extra: 1 })).toEqual([['unrecognized_keys', '']]);
    expect(paths({ ...deck, cards: [{ ...card, extra: 1 }] })).toEqual([['unrecognized_keys', 'cards.0']]);
    expect(paths({ ...deck, cards: [{ ...card, quiz: [{ ...quiz, extra: 1 }] }] })).toEqual([
      ['unrecognized_keys', 'cards.0.quiz.0'],
    ]);
  });

  it('enforces the choice rules', () => {
    const issues = (q: object) =>
      DeckFileSchema.safeParse({
        ...deck,
        cards: [{ ...card, quiz: [{ ...quiz, ...q }] }],
      }).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ choices: ['a', 'b', 'c'] })).toHaveLength(1);
    expect(issues({ choices: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })).toHaveLength(1);
    expect(issues({ choices: ['a', 'b', 'c', 'x'.repeat(81)] })).toHaveLength(1);
    expect(issues({ choices: ['a', 'b', 'c', 'x'.repeat(80)] })).toEqual([]);
    expect(issues({ choices: ['a', 'b', 'b', 'c'] })).toEqual(['duplicate choice "b" (same as choice 2)']);
    expect(issues({ answer: 'z' })).toEqual(['choices must include the answer "z"']);
  });

  it('reports duplicate card ids, also from raw data of any shape', () => {
    const r = DeckFileSchema.safeParse({ ...deck, cards: [card, { ...card, extra: 1 }] });
    expect(r.error?.issues.map((i) => i.message)).toContain('duplicate card id "c1" (also card #1)');
    expect(duplicateCardIds({ cards: [card, 5, null, { id: 7 }, card] })).toEqual([
      { path: ['cards', 4, 'id'], message: 'duplicate card id "c1" (also card #1)' },
    ]);
    expect(duplicateCardIds('nonsense')).toEqual([]);
  });

  it('enforces numeric ranges', () => {
    expect(DeckFileSchema.safeParse({ ...deck, newPerDay: 1001 }).success).toBe(false);
    expect(DeckFileSchema.safeParse({ ...deck, newPerDay: 0 }).success).toBe(true);
    expect(DeckFileSchema.safeParse({ ...deck, retention: 0.69 }).success).toBe(false);
    expect(DeckFileSchema.safeParse({ ...deck, retention: 0.99 }).success).toBe(true);
  });
});
