import { decode as decodeEntities } from 'html-entities';
import { DECK_LIMITS } from './schema.js';

/* Text helpers of the deck importer: HTML to text, tidying, labels, ids and titles. */

export function looksLikeHtml(s: string): boolean {
  return /<\/?[a-z][a-z0-9]*(\s[^>]*)?\/?>|&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(s);
}

/** Anki HTML to plain text: line breaks kept, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  // Block tags become one break however they nest (`<div>a</div><div>b</div>` is two lines, not three).
  const text = html
    .replace(/\[sound:[^\]]*\]/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li(\s[^>]*)?>/gi, '\uE000- ')
    .replace(/<\/?(div|p|li|h[1-6]|tr|ul|ol|blockquote|pre)(\s[^>]*)?>/gi, '\uE000')
    .replace(/<[^>]*>/g, '')
    .replace(/^[\s\uE000]*\uE000/, '')
    .replace(/\s*\uE000[\s\uE000]*/g, '\n');
  return tidy(decodeEntities(text, { level: 'html5' }).replace(/\u00a0/g, ' '));
}

/** Trims lines, collapses blank runs and trims the whole. */
export function tidy(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function splitTags(s: string): string[] {
  return s
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** Comparison form: case and spacing do not make two texts different. */
export function norm(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Cuts at a word boundary to at most `max` characters, ending with `…` when cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

/** The back as one button label (at most 80 characters): list items joined by `;`, then cut. */
export function shortAnswer(back: string): string {
  let out = '';
  for (const raw of back.split('\n')) {
    const item = /^\s*(?:[-*•+]|\d+[.)])\s+(.*)$/.exec(raw);
    const line = (item ? (item[1] ?? '') : raw).trim();
    if (line === '') continue;
    const sep = out === '' ? '' : item && !out.endsWith(':') ? '; ' : ' ';
    out += sep + line;
  }
  return truncate(out.replace(/\s+/g, ' '), DECK_LIMITS.choiceMax);
}

/** A card id from a front: lowercase ASCII words joined by `-`, at most 32 characters. */
export function slug(front: string): string {
  const s = front
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length <= 32) return s || 'card';
  const cut = s.slice(0, 33);
  const dash = cut.lastIndexOf('-');
  return (dash >= 16 ? cut.slice(0, dash) : s.slice(0, 32)).replace(/-+$/, '');
}

export function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let k = 2; taken.has(id); k++) id = `${base}-${k}`;
  taken.add(id);
  return id;
}

export function titleOf(id: string): string {
  const words = id.replace(/-+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** 32-bit FNV-1a hash: the seed of a card's shuffles. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
