import { encode } from 'html-entities';

/** HTML that is already safe (built by {@link html}); anything else is escaped when interpolated. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.value;
  if (Array.isArray(p)) return (p as readonly Part[]).map(render).join('');
  return encode(String(p), { mode: 'specialChars' });
}

/** Tagged template: every interpolated value is escaped unless it is {@link Html}. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/**
 * Engine view text (light markdown: `**bold**`, bullet lines, `<@id>` / `<#id>` mentions) as HTML:
 * escaped first, then bold and line breaks, so nothing in the text can become markup.
 */
export function viewText(text: string): Html {
  const plain = text.replace(/<@!?([^>]+)>/g, '@$1').replace(/<#([^>|]+)(?:\|[^>]*)?>/g, '#$1');
  const escaped = encode(plain, { mode: 'specialChars' })
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\n/g, '<br>');
  return new Html(escaped);
}
