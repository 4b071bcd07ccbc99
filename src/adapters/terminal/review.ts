import { createInterface, emitKeypressEvents } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Actor } from '../../engine/api.js';
import type { QuizEngine } from '../../engine/engine.js';
import { isFailure } from '../../engine/errors.js';
import type { View } from '../../engine/views.js';
import { ansiInk, plainInk, renderView } from './render.js';

/** Options of {@link runTerminalReview}. */
export interface TerminalOptions {
  /** The engine. */
  engine: QuizEngine;
  /** Deck to review; the default deck when absent. */
  deckId?: string;
  /** Who is studying (platform `terminal`). */
  actor: Actor;
  /** Input; keypresses when a TTY, else one command a line. */
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  /** Output. */
  output: Writable & { isTTY?: boolean };
}

/** Reads keys: a TTY gives single keypresses; a pipe gives lines (empty line = Enter). */
function keySource(input: TerminalOptions['input']): { next(): Promise<string | null>; close(): void } {
  const queue: (string | null)[] = [];
  let wake: (() => void) | undefined;
  const push = (k: string | null) => {
    queue.push(k);
    wake?.();
  };
  let close: () => void;
  if (input.isTTY && input.setRawMode) {
    emitKeypressEvents(input);
    input.setRawMode(true);
    const onKey = (str: string | undefined, key: { name?: string; ctrl?: boolean }) => {
      if (key.ctrl && (key.name === 'c' || key.name === 'd')) push(null);
      else if (key.name === 'return' || key.name === 'enter' || key.name === 'space') push('');
      else if (key.name === 'escape') push('q');
      else if (str) push(str);
    };
    input.on('keypress', onKey);
    close = () => {
      input.off('keypress', onKey);
      input.setRawMode?.(false);
      input.pause();
    };
  } else {
    const rl = createInterface({ input, terminal: false });
    rl.on('line', (line) => push(line.trim()));
    rl.on('close', () => push(null));
    close = () => rl.close();
  }
  return {
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      return queue.shift() ?? null;
    },
    close,
  };
}

/**
 * Interactive review in a terminal: front, Enter/space reveals, 1-4 grades, q quits.
 * Ends with the stats. Returns the exit code.
 */
export async function runTerminalReview(o: TerminalOptions): Promise<number> {
  const ink = o.output.isTTY ? ansiInk : plainInk;
  const print = (v: View) => o.output.write(`\n${renderView(v, ink)}`);
  const keys = keySource(o.input);
  o.output.write(ink.dim('quizbot terminal review — Enter/space: show answer · 1-4: grade · q: quit\n'));
  let view = await o.engine.review(o.actor, o.deckId ?? null);
  print(view);
  if (view.code === 'unknown_deck') {
    // The notice says "list the decks": here is the list, instead of stats of no deck.
    keys.close();
    print(o.engine.decks());
    return 1;
  }
  try {
    while (view.buttons?.length && !view.code) {
      const buttons = view.buttons.flat();
      const key = await keys.next();
      if (key === null || key === 'q') break;
      let pressed: (typeof buttons)[number] | undefined;
      if (buttons.length === 1) pressed = key === '' || key === ' ' ? buttons[0] : undefined;
      else if (/^[1-9]$/.test(key)) pressed = buttons[Number(key) - 1];
      if (!pressed) {
        o.output.write(
          ink.dim(
            buttons.length === 1
              ? 'Press Enter to show the answer (q quits).\n'
              : `Press 1-${buttons.length} (q quits).\n`,
          ),
        );
        continue;
      }
      const res = await o.engine.action(o.actor, pressed.actionId);
      print(res.view);
      if (res.mode === 'update') view = res.view;
    }
  } finally {
    keys.close();
  }
  print(await o.engine.stats(o.actor, o.deckId ?? null));
  return isFailure(view.code) ? 1 : 0;
}
