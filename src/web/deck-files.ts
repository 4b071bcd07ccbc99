import { createHash } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { type DeckProblem, loadProblems, parseDeck } from '../engine/deck/parse.js';
import type { Deck, DeckSet } from '../engine/deck/types.js';

/** A problem of the edited card, with its line inside the card text when known. */
export interface CardProblem {
  /** 1-based line in the card's YAML, or undefined for deck-wide problems. */
  line?: number;
  /** The engine's message. */
  message: string;
  /** Warnings do not stop a save. */
  warning: boolean;
}

/** Result of checking an edited card against the whole deck with the engine's parser. */
export interface CardCheck {
  /** Problems of this card (and of the deck when it no longer parses). */
  problems: CardProblem[];
  /** The deck as it would be saved, when it parses and the card has no errors. */
  deck?: Deck;
  /** The new file text. */
  text?: string;
  /** The card id in the edited text, when it has one. */
  cardId?: string;
}

/** A deck file's text and a version tag (hash), so a save notices a concurrent change. */
export interface DeckSource {
  text: string;
  version: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 16);

/**
 * Deck files under DECKS_DIR, edited card by card. The YAML document is edited in place (comments
 * and the other cards stay as they were), the whole new file goes through the engine's
 * `parseDeck` (schema and lint), and only a clean card is written: to a temporary file, then
 * renamed over the deck, then swapped into the running DeckSet. Saves are serialised per process,
 * and the version tag refuses a save over a file that changed since the editor was opened.
 */
export class DeckFiles {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cardTexts = new Map<string, { version: string; cards: Map<string, string> }>();

  constructor(
    private readonly dir: string,
    private readonly decks: DeckSet,
  ) {}

  private path(deckId: string): string {
    return join(this.dir, `${deckId}.yaml`);
  }

  /** The deck file's text and version. */
  async source(deckId: string): Promise<DeckSource> {
    const text = await readFile(this.path(deckId), 'utf8');
    return { text, version: hash(text) };
  }

  /** One card as YAML text, as it stands in the file (comments included). */
  async cardText(deckId: string, cardId: string): Promise<{ text: string; version: string } | null> {
    const src = await this.source(deckId);
    let cached = this.cardTexts.get(deckId);
    // Parsing a large deck costs tens of ms: the card texts are kept per file version.
    if (cached?.version !== src.version) {
      cached = { version: src.version, cards: splitCards(src.text) };
      this.cardTexts.set(deckId, cached);
    }
    const text = cached.cards.get(cardId);
    return text === undefined ? null : { text, version: src.version };
  }

  /** Checks `cardText` in place of card `originalId` (or appended when null) with the deck parser. */
  check(deckId: string, fileText: string, cardText: string, originalId: string | null): CardCheck {
    const cardDoc = parseDocument(cardText, { lineCounter: new LineCounter() });
    if (cardDoc.errors.length > 0 || !isMap(cardDoc.contents)) {
      const lc = new LineCounter();
      parseDocument(cardText, { lineCounter: lc });
      const problems = cardDoc.errors.map((e) => ({
        line: lc.linePos(e.pos[0]).line,
        message: `YAML syntax error: ${e.message.split('\n')[0]}`,
        warning: false,
      }));
      if (problems.length === 0)
        problems.push({
          line: 1,
          message: 'a card is a mapping of fields (front:, back:, quiz: ...)',
          warning: false,
        });
      return { problems };
    }
    const cardId = String(cardDoc.contents.get('id') ?? '');
    const doc = parseDocument(fileText);
    const cards = doc.get('cards', true);
    if (!isSeq(cards)) return { problems: [{ message: 'the deck file has no cards list', warning: false }] };
    let index =
      originalId === null ? -1 : cards.items.findIndex((n) => isMap(n) && n.get('id') === originalId);
    if (index < 0) {
      cards.items.push(cardDoc.contents);
      index = cards.items.length - 1;
    } else cards.items[index] = cardDoc.contents;
    const text = doc.toString({ lineWidth: 0 });
    const file = this.path(deckId);
    const r = parseDeck(text, file, deckId);
    const start = cardStartLine(text, index);
    const mine = (p: DeckProblem) => p.card === cardId || p.card === `#${index + 1}` || p.card === undefined;
    const problems: CardProblem[] = loadProblems(r)
      .filter(mine)
      .map((p) => ({
        ...(p.line !== undefined && start !== undefined && p.card !== undefined
          ? { line: p.line - start + 1 }
          : {}),
        message: p.message,
        warning: p.severity === 'warning',
      }));
    const clean = r.ok && !problems.some((p) => !p.warning);
    return { problems, ...(clean ? { deck: r.value.deck, text } : {}), ...(cardId ? { cardId } : {}) };
  }

  /**
   * Saves the card when it checks clean and the file is still at `version`. Returns the check; on
   * `conflict` nothing is written (the caller keeps the admin's text on the page).
   */
  save(
    deckId: string,
    cardText: string,
    originalId: string | null,
    version: string,
  ): Promise<CardCheck & { saved: boolean; conflict: boolean }> {
    const run = async () => {
      const src = await this.source(deckId);
      if (src.version !== version) return { problems: [], saved: false, conflict: true };
      const c = this.check(deckId, src.text, cardText, originalId);
      if (!c.deck || c.text === undefined) return { ...c, saved: false, conflict: false };
      const tmp = `${this.path(deckId)}.${process.pid}.tmp`;
      await writeFile(tmp, c.text, 'utf8');
      await rename(tmp, this.path(deckId));
      this.decks.replace(c.deck);
      return { ...c, saved: true, conflict: false };
    };
    return this.serial(run);
  }

  /**
   * Writes a new deck file `<id>.yaml` (an imported deck, already checked by the engine) and adds
   * the deck to the running DeckSet. Never overwrites: a loaded deck with that id, or any file of
   * that name, gives `exists`. The text goes to a temporary file first, then is hard-linked to its
   * name (which fails when the name exists, even against a concurrent writer), so a reader never
   * sees half a file.
   */
  create(deck: Deck, yaml: string): Promise<CreateResult> {
    const run = async (): Promise<CreateResult> => {
      if (this.decks.get(deck.id)) return { created: false, exists: true };
      const tmp = `${this.path(deck.id)}.${process.pid}.tmp`;
      await writeFile(tmp, yaml, 'utf8');
      try {
        await link(tmp, this.path(deck.id));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { created: false, exists: true };
        throw err;
      } finally {
        await unlink(tmp).catch(() => {});
      }
      this.decks.replace(deck);
      return { created: true };
    };
    return this.serial(run);
  }

  /** Runs file writes one at a time in this process. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }
}

/** Result of {@link DeckFiles.create}: `exists` when that deck id is taken (nothing written). */
export type CreateResult = { created: true } | { created: false; exists: true };

/** Each card of a deck file as its own YAML text, by card id. */
function splitCards(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const doc = parseDocument(text);
  const cards = doc.get('cards', true);
  if (!isSeq(cards)) return out;
  for (const node of cards.items) {
    if (!isMap(node)) continue;
    const one = parseDocument('{}');
    one.contents = node as typeof one.contents;
    out.set(String(node.get('id')), one.toString({ lineWidth: 0 }));
  }
  return out;
}

/** 1-based line where card `index` starts in the deck text. */
function cardStartLine(text: string, index: number): number | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const cards = doc.get('cards', true);
  const node = isSeq(cards) ? cards.items[index] : undefined;
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}
