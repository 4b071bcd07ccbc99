/**
 * Message metadata and `conversations.history`, as Slack documents them:
 * - `chat.postMessage` takes `metadata: {event_type, event_payload}` (a JSON string in a form
 *   body); a malformed one is refused with `invalid_metadata_format`;
 * - `conversations.history` returns a channel's messages newest first, only those after `oldest`
 *   and before `latest` (the bounds themselves only with `inclusive`), at most `limit` (default
 *   100, at most 999) a page with `has_more` and `response_metadata.next_cursor`; a message's
 *   `metadata` is included only when asked with `include_all_metadata=true`.
 */

/** Message metadata as posted and returned. */
export interface MessageMetadata {
  /** The app's event type, e.g. `quizbot_round`. */
  event_type: string;
  /** Free-form JSON object. */
  event_payload: Record<string, unknown>;
}

/** Metadata from `chat.postMessage` arguments: absent, valid, or `invalid`. */
export function parseMetadata(raw: unknown): MessageMetadata | undefined | 'invalid' {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'object' || raw === null) return 'invalid';
  const m = raw as Record<string, unknown>;
  const payload = m.event_payload;
  if (typeof m.event_type !== 'string' || m.event_type === '') return 'invalid';
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'invalid';
  return { event_type: m.event_type, event_payload: payload as Record<string, unknown> };
}

/** A stored channel message, as much as history needs. */
export interface HistoryMessage {
  /** Message ts. */
  ts: string;
  /** Text. */
  text: unknown;
  /** Blocks. */
  blocks: unknown;
  /** Posting bot. */
  bot_id: string;
  /** Posting bot user. */
  user: string;
  /** Metadata, if posted with it. */
  metadata?: MessageMetadata;
}

function flag(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

/** One page of `conversations.history` over a channel's messages (given oldest first). */
export function historyPage(all: HistoryMessage[], args: Record<string, unknown>): Record<string, unknown> {
  const oldest = args.oldest === undefined ? 0 : Number(args.oldest);
  const latest = args.latest === undefined ? Number.POSITIVE_INFINITY : Number(args.latest);
  if (Number.isNaN(oldest) || Number.isNaN(latest)) return { ok: false, error: 'invalid_ts_oldest' };
  const inclusive = flag(args.inclusive);
  const limit = Math.min(999, Math.max(1, Number(args.limit ?? 100) || 100));
  const withMeta = flag(args.include_all_metadata);
  const inRange = all
    .filter((m) => {
      const t = Number(m.ts);
      return (inclusive ? t >= oldest : t > oldest) && (inclusive ? t <= latest : t < latest);
    })
    .reverse();
  const start = typeof args.cursor === 'string' && args.cursor ? Number(args.cursor) || 0 : 0;
  const page = inRange.slice(start, start + limit);
  const more = start + limit < inRange.length;
  return {
    ok: true,
    messages: page.map((m) => ({
      type: 'message',
      user: m.user,
      bot_id: m.bot_id,
      text: m.text,
      blocks: m.blocks,
      ts: m.ts,
      ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
    })),
    has_more: more,
    pin_count: 0,
    response_metadata: { next_cursor: more ? String(start + limit) : '' },
  };
}
