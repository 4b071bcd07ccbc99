import { z } from 'zod';

/**
 * Deck file schema: what a `decks/<deck-id>.yaml` file may contain.
 *
 * Strict at every level (an unknown field is an error, so a typo such as `anwser` never passes
 * silently). Cross-field rules (answer among the choices, distinct choices, unique card ids) are
 * refinements, so they do not appear in the JSON Schema: the loader reports them with a line.
 */

/** Defaults of a deck file, in one place. */
export const DECK_DEFAULTS = {
  newPerDay: 20,
  retention: 0.9,
} as const;

/** Limits of a deck file. Choice texts fit a Discord button label (80 characters). */
export const DECK_LIMITS = {
  /** Deck files larger than this are refused before parsing. */
  maxFileBytes: 1024 * 1024,
  titleMax: 100,
  descriptionMax: 2000,
  newPerDayMax: 1000,
  retentionMin: 0.7,
  retentionMax: 0.99,
  frontMax: 1000,
  backMax: 3000,
  explanationMax: 1000,
  sourceMax: 500,
  questionMax: 300,
  choiceMax: 80,
  choicesMin: 4,
  choicesMax: 6,
  tagMax: 40,
  tagsMax: 20,
  quizFormsMax: 10,
  cardsMax: 5000,
} as const;

/** Deck id: the file name stem. Same rule as `isDeckId` in `engine/actions.ts`. */
export const DECK_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** Card id: stable key of progress. Same rule as `isCardId` in `engine/actions.ts`. */
export const CARD_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;

const L = DECK_LIMITS;

/** Human wording of the id rules, shared by schema messages and the loader. */
export const DECK_ID_RULE =
  'lowercase letters, digits and "-", at most 32 characters, starting with a letter or digit';
export const CARD_ID_RULE =
  'lowercase letters, digits, "-" and "_", at most 40 characters, starting with a letter or digit';

const text = (max: number, description: string) => z.string().trim().min(1).max(max).describe(description);

/** One multiple-choice form of a card. */
export const QuizFormSchema = z
  .strictObject({
    question: text(L.questionMax, 'The question as asked in the channel.'),
    choices: z
      .array(text(L.choiceMax, 'One choice: a button label, at most 80 characters.'))
      .min(L.choicesMin)
      .max(L.choicesMax)
      .meta({
        uniqueItems: true,
        description: 'All choices, the correct one among them (4 to 6, distinct).',
      }),
    answer: text(L.choiceMax, 'The correct choice, exactly as written in `choices`.'),
  })
  .superRefine((q, ctx) => {
    const seen = new Map<string, number>();
    q.choices.forEach((c, i) => {
      const first = seen.get(c);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['choices', i],
          message: `duplicate choice "${c}" (same as choice ${first + 1})`,
        });
      } else {
        seen.set(c, i);
      }
    });
    if (!q.choices.includes(q.answer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['answer'],
        message: `choices must include the answer "${q.answer}"`,
      });
    }
  });

/** One flashcard. */
export const DeckCardSchema = z.strictObject({
  id: z
    .string()
    .regex(CARD_ID_PATTERN, { error: `is not a valid card id (${CARD_ID_RULE})` })
    .describe('Stable id: progress is keyed by it, so never change it once users study the card.'),
  front: text(L.frontMax, 'Question side.'),
  back: text(L.backMax, 'Answer side (markdown: bullet lines stay lists).'),
  explanation: text(L.explanationMax, 'Why the answer is right; shown after a daily answer.').optional(),
  source: z
    .url({ protocol: /^https$/, error: 'must be an https URL' })
    .max(L.sourceMax)
    .optional()
    .describe('https URL of the documentation page that states the fact; shown after answering.'),
  tags: z.array(z.string().trim().min(1).max(L.tagMax)).max(L.tagsMax).default([]).describe('Free tags.'),
  quiz: z
    .array(QuizFormSchema)
    .min(1)
    .max(L.quizFormsMax)
    .describe('At least one multiple-choice form, used by daily channel quizzes.'),
});

/** A whole deck file. */
export const DeckFileSchema = z
  .strictObject({
    id: z
      .string()
      .regex(DECK_ID_PATTERN, { error: `is not a valid deck id (${DECK_ID_RULE})` })
      .optional()
      .describe('Optional; when given it must equal the file name without `.yaml`.'),
    title: text(L.titleMax, 'Human title of the deck.'),
    description: text(L.descriptionMax, 'What the deck covers.').optional(),
    newPerDay: z
      .int()
      .min(0)
      .max(L.newPerDayMax)
      .default(DECK_DEFAULTS.newPerDay)
      .describe('New cards a user may start per day.'),
    retention: z
      .number()
      .min(L.retentionMin)
      .max(L.retentionMax)
      .default(DECK_DEFAULTS.retention)
      .describe('FSRS desired retention: the probability of recalling a card when it is due.'),
    cards: z
      .array(DeckCardSchema)
      .min(1)
      .max(L.cardsMax)
      .describe('Cards in the order new cards are introduced.'),
  })
  .superRefine(
    (deck, ctx) => {
      for (const issue of duplicateCardIds(deck)) ctx.addIssue({ code: 'custom', ...issue });
    },
    // Also when other parts are invalid, so one typo does not hide a duplicate id.
    { when: () => true },
  )
  .meta({
    title: 'quizbot deck',
    description: 'A quizbot deck: flashcards with multiple-choice forms. The file name is the deck id.',
  });

/**
 * Duplicate card ids in raw deck data (untrusted: any shape). Exported because zod skips
 * refinements after some failures (e.g. a non-integer `newPerDay`); the loader runs it as well.
 */
export function duplicateCardIds(data: unknown): { path: (string | number)[]; message: string }[] {
  const cards: unknown =
    typeof data === 'object' && data !== null ? (data as { cards?: unknown }).cards : undefined;
  if (!Array.isArray(cards)) return [];
  const out: { path: (string | number)[]; message: string }[] = [];
  const seen = new Map<string, number>();
  cards.forEach((c: unknown, i) => {
    const id = typeof c === 'object' && c !== null ? (c as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else
      out.push({ path: ['cards', i, 'id'], message: `duplicate card id "${id}" (also card #${first + 1})` });
  });
  return out;
}

/** A deck file as written (defaults not yet applied). */
export type DeckFileInput = z.input<typeof DeckFileSchema>;
/** A validated deck file (defaults applied, strings trimmed). */
export type DeckFile = z.output<typeof DeckFileSchema>;

/** Allowed field names at each level, for "unknown field" messages. */
export const DECK_FIELDS = {
  deck: Object.keys(DeckFileSchema.shape),
  card: Object.keys(DeckCardSchema.shape),
  quiz: Object.keys(QuizFormSchema.shape),
} as const;

/**
 * The JSON Schema of deck files (for editors, via `yaml-language-server`). It describes the
 * input: fields with defaults are optional. `decks/deck.schema.json` is this, committed.
 */
export function deckJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(DeckFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The committed file's text: `deckJsonSchema()` pretty-printed, with a final newline. */
export function deckJsonSchemaText(): string {
  return `${JSON.stringify(deckJsonSchema(), null, 2)}\n`;
}
