import type { View } from '../../engine/views.js';

/** Terminal styling; plain when the output is not a TTY. */
export interface Ink {
  bold(s: string): string;
  dim(s: string): string;
  color(tone: View['tone'], s: string): string;
}

export const plainInk: Ink = { bold: (s) => s, dim: (s) => s, color: (_t, s) => s };

export const ansiInk: Ink = {
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  color: (tone, s) => {
    const code = tone === 'success' ? 32 : tone === 'warning' ? 33 : tone === 'error' ? 31 : 36;
    return `\x1b[${code}m${s}\x1b[39m`;
  },
};

/** Light markdown (`**bold**`, `_italic_`) to terminal text. */
function inline(text: string, ink: Ink): string {
  return text
    .replace(/\*\*(.+?)\*\*/gs, (_m, b: string) => ink.bold(b))
    .replace(/(^|\s)_(.+?)_(?=\s|$)/gms, '$1$2');
}

/** The key a button answers to in the terminal: Enter for a single button, else 1..n. */
export function keyFor(view: View, index: number): string {
  const count = view.buttons?.flat().length ?? 0;
  return count === 1 ? 'Enter' : String(index + 1);
}

/** Renders a view as terminal lines. */
export function renderView(view: View, ink: Ink = plainInk): string {
  const out: string[] = [];
  if (view.title) out.push(ink.color(view.tone ?? 'info', ink.bold(`── ${view.title} ──`)));
  if (view.text) out.push(inline(view.text, ink));
  for (const f of view.fields ?? []) out.push(`${ink.dim(`${f.name}:`)} ${f.value}`);
  if (view.footer) out.push(ink.dim(view.footer));
  const buttons = view.buttons?.flat() ?? [];
  if (buttons.length) out.push(buttons.map((b, i) => `[${keyFor(view, i)}] ${b.label}`).join('   '));
  return `${out.join('\n')}\n`;
}
