import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
  ButtonStyle,
  ComponentType,
} from 'discord.js';
import { truncate, type View, type ViewButton } from '../../engine/views.js';

/** Discord's message limits that a rendered view must respect (a message over any of them is rejected). */
export const DISCORD_LIMITS = {
  customId: 100,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rows: 5,
  content: 2_000,
  embedTitle: 256,
  embedDescription: 4_096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  embedTotal: 6_000,
} as const;

/** Embed colours by view tone (Discord's brand palette). */
export const TONE_COLORS: Record<NonNullable<View['tone']>, number> = {
  info: 0x5865f2,
  success: 0x57f287,
  warning: 0xfee75c,
  error: 0xed4245,
};

const STYLES: Record<
  NonNullable<ViewButton['style']>,
  ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger
> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
};

/** A button row as the Discord API takes it. */
export type ButtonRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

/** A view rendered for Discord: one embed and its button rows, valid for both REST and discord.js. */
export interface RenderedMessage {
  /** Exactly one embed. */
  embeds: APIEmbed[];
  /** Button rows; empty clears the buttons of an edited message. */
  components: ButtonRow[];
}

/** What rendering had to leave out, so the caller can log it. */
export interface RenderReport {
  /** Buttons dropped: invalid or duplicate custom_id, or beyond 5 rows of 5. */
  droppedButtons: string[];
  /** Fields dropped beyond the embed's limits. */
  droppedFields: number;
}

const EMPTY = '\u200b';

function fieldsOf(view: View, report: RenderReport): APIEmbedField[] {
  const all = view.fields ?? [];
  const fields = all.slice(0, DISCORD_LIMITS.embedFields).map((f) => {
    const field: APIEmbedField = {
      name: truncate(f.name, DISCORD_LIMITS.fieldName) || EMPTY,
      value: truncate(f.value, DISCORD_LIMITS.fieldValue) || EMPTY,
    };
    if (f.inline) field.inline = true;
    return field;
  });
  report.droppedFields = all.length - fields.length;
  return fields;
}

/** The embed of a view: title, text as description, fields, footer, colour from the tone; within every limit. */
export function renderEmbed(view: View, report: RenderReport = newReport()): APIEmbed {
  const embed: APIEmbed = { color: TONE_COLORS[view.tone ?? 'info'] };
  const title = view.title ? truncate(view.title, DISCORD_LIMITS.embedTitle) : '';
  const footer = view.footer ? truncate(view.footer, DISCORD_LIMITS.footer) : '';
  const fields = fieldsOf(view, report);
  const size = (fs: APIEmbedField[]) => fs.reduce((n, f) => n + f.name.length + f.value.length, 0);
  // The 6,000-character total: keep at least a readable description, drop trailing fields first.
  while (fields.length > 0 && title.length + footer.length + size(fields) > DISCORD_LIMITS.embedTotal - 500) {
    fields.pop();
    report.droppedFields++;
  }
  const room = Math.min(
    DISCORD_LIMITS.embedDescription,
    DISCORD_LIMITS.embedTotal - title.length - footer.length - size(fields),
  );
  const description = truncate(view.text, room);
  if (title) embed.title = title;
  if (description) embed.description = description;
  if (fields.length) embed.fields = fields;
  if (footer) embed.footer = { text: footer };
  if (!title && !description && !fields.length) embed.description = EMPTY;
  return embed;
}

/** Button rows of a view: at most 5 rows of 5 (longer rows wrap), custom_ids valid and unique. */
export function renderButtons(view: View, report: RenderReport = newReport()): ButtonRow[] {
  const rows: ButtonRow[] = [];
  const seen = new Set<string>();
  for (const row of view.buttons ?? []) {
    let current: APIButtonComponentWithCustomId[] = [];
    const flush = () => {
      if (current.length) rows.push({ type: ComponentType.ActionRow, components: current });
      current = [];
    };
    for (const b of row) {
      const valid =
        b.actionId.length > 0 && b.actionId.length <= DISCORD_LIMITS.customId && !seen.has(b.actionId);
      if (!valid || rows.length >= DISCORD_LIMITS.rows) {
        report.droppedButtons.push(b.actionId.slice(0, 120));
        continue;
      }
      seen.add(b.actionId);
      current.push({
        type: ComponentType.Button,
        style: STYLES[b.style ?? 'secondary'],
        label: truncate(b.label, DISCORD_LIMITS.buttonLabel, '…') || '…',
        custom_id: b.actionId,
      });
      if (current.length === DISCORD_LIMITS.buttonsPerRow) flush();
    }
    flush();
  }
  return rows;
}

/** A fresh, empty report. */
export function newReport(): RenderReport {
  return { droppedButtons: [], droppedFields: 0 };
}

/** Renders a view as one embed plus button rows, never over a Discord limit; what was left out goes into `report`. */
export function renderView(view: View, report: RenderReport = newReport()): RenderedMessage {
  return { embeds: [renderEmbed(view, report)], components: renderButtons(view, report) };
}

/** Plain-text content, cut to Discord's 2,000 characters with a marker. */
export function renderContent(text: string): string {
  return truncate(text, DISCORD_LIMITS.content);
}

/**
 * discord.js's `jsonTransformer` client option for what this module renders: the payload as it is.
 * Rendered embeds and rows are already in the API's snake_case shape; the default transformer would
 * walk every one of them again, key by key (lodash.snakecase), for each reply.
 */
export function asApiPayload(payload: unknown): unknown {
  return payload;
}
