import type { types } from '@slack/bolt';
import { truncate, type View, type ViewButton } from '../../engine/views.js';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/** Block Kit limits quizbot keeps to (Slack rejects a message that breaks any of them). */
export const BLOCK_LIMITS = {
  /** Blocks in a message. */
  messageBlocks: 50,
  /** Blocks in a Home tab view. */
  homeBlocks: 100,
  /** Section text. */
  sectionText: 3_000,
  /** One section field. */
  fieldText: 2_000,
  /** Fields in one section. */
  sectionFields: 10,
  /** Header text (plain text). */
  headerText: 150,
  /** Button label (plain text). */
  buttonText: 75,
  /** Button `action_id`. */
  actionId: 255,
  /** Button `value`. */
  buttonValue: 2_000,
  /** Elements in one actions block. */
  actionsElements: 25,
  /** Context element text. */
  contextText: 2_000,
  /** The top-level notification text. */
  fallbackText: 3_000,
} as const;

/** The marker shown where something was cut to fit. */
export const CUT_MARKER = '… (cut)';

/** What a chat.postMessage / respond() / chat.update needs: blocks plus the notification text. */
export interface SlackMessage {
  /** Notification and accessibility fallback. */
  text: string;
  /** Block Kit blocks. */
  blocks: KnownBlock[];
}

const TONE_PREFIX: Record<NonNullable<View['tone']>, string> = {
  info: '',
  success: ':white_check_mark: ',
  warning: ':warning: ',
  error: ':x: ',
};

/** User and channel mentions (`<@U123>`, `<#C123>`, `<#C123|name>`): the engine's views use them. */
const MENTION = /(<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+(?:\|[^<>|]*)?>)/;

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes the three characters Slack's mrkdwn reserves (`&`, `<`, `>`), keeping user and channel
 * mentions, which Slack renders as live names.
 */
export function escapeMrkdwn(s: string): string {
  return s
    .split(MENTION)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join('');
}

/** Light markdown (`**bold**`, `_italic_`) to Slack mrkdwn, escaped. */
export function toMrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(/\*\*(.+?)\*\*/gs, '*$1*');
}

/** Plain text for a notification: markers stripped. */
function toPlain(text: string): string {
  return text.replace(/\*\*(.+?)\*\*/gs, '$1');
}

/** Splits text into pieces of at most `max` characters, preferring line breaks. */
export function chunk(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.trim()) out.push(rest);
  return out;
}

function slackStyle(style: ViewButton['style']): Button['style'] | undefined {
  // Slack has two colours: primary (green) and danger (red); everything else is the default.
  if (style === 'primary' || style === 'success') return 'primary';
  if (style === 'danger') return 'danger';
  return undefined;
}

/** One button; the engine's action id travels as `value` (and as `action_id` when unique). */
export function renderButton(b: ViewButton, actionId: string): Button {
  const style = slackStyle(b.style);
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(b.label, BLOCK_LIMITS.buttonText, '…'), emoji: true },
    action_id: actionId.slice(0, BLOCK_LIMITS.actionId),
    value: b.actionId.slice(0, BLOCK_LIMITS.buttonValue),
    ...(style ? { style } : {}),
  };
}

/** Options of {@link renderView}. */
export interface RenderOptions {
  /** Block budget: 50 for messages (default), 100 for the Home tab. */
  maxBlocks?: number;
}

/**
 * Renders a view as Block Kit within Slack's limits: header, text sections (split at 3,000
 * characters), fields (10 per section), one actions block per button row, footer as context.
 * When the blocks would exceed the budget, text blocks are dropped from the end and a
 * `… (cut)` context marks the cut; the buttons always stay.
 */
export function renderView(view: View, opts: RenderOptions = {}): SlackMessage {
  const max = opts.maxBlocks ?? BLOCK_LIMITS.messageBlocks;
  const body: KnownBlock[] = [];
  const prefix = TONE_PREFIX[view.tone ?? 'info'];
  if (view.title) {
    body.push({
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(toPlain(view.title), BLOCK_LIMITS.headerText, '…'),
        emoji: true,
      },
    });
  }
  const text = view.text.trim() ? `${view.title ? '' : prefix}${toMrkdwn(view.text)}` : '';
  for (const part of chunk(text, BLOCK_LIMITS.sectionText)) {
    body.push({ type: 'section', text: { type: 'mrkdwn', text: part } });
  }
  const fields = view.fields ?? [];
  for (let i = 0; i < fields.length; i += BLOCK_LIMITS.sectionFields) {
    body.push({
      type: 'section',
      fields: fields.slice(i, i + BLOCK_LIMITS.sectionFields).map((f) => ({
        type: 'mrkdwn' as const,
        text: truncate(`*${escapeMrkdwn(f.name)}*\n${toMrkdwn(f.value)}`, BLOCK_LIMITS.fieldText, CUT_MARKER),
      })),
    });
  }
  const tail: KnownBlock[] = [];
  if (view.footer) {
    tail.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: truncate(toMrkdwn(view.footer), BLOCK_LIMITS.contextText, CUT_MARKER) },
      ],
    });
  }
  const seen = new Set<string>();
  for (const row of view.buttons ?? []) {
    if (row.length === 0) continue;
    const elements = row.slice(0, BLOCK_LIMITS.actionsElements).map((b, i) => {
      // Slack wants action_ids unique within a message; the engine reads `value` anyway.
      const id = seen.has(b.actionId) ? `${b.actionId}#${seen.size + i}` : b.actionId;
      seen.add(id);
      return renderButton(b, id);
    });
    tail.push({ type: 'actions', elements });
  }
  let blocks = [...body, ...tail];
  if (blocks.length > max) {
    const keep = Math.max(0, max - tail.length - 1);
    const marker: KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: CUT_MARKER }] };
    blocks = [...body.slice(0, keep), marker, ...tail].slice(0, max);
  }
  if (blocks.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '\u200b' } });
  const fallback = [view.title, toPlain(view.text)].filter(Boolean).join(' — ') || 'quizbot';
  return { text: truncate(escapeMrkdwn(fallback), BLOCK_LIMITS.fallbackText, CUT_MARKER), blocks };
}
