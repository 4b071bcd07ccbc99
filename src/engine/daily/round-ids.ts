import { createHash } from 'node:crypto';

const CHANNEL_TAG = /^[A-Za-z0-9_]{1,40}$/;
const ROUND_DATE = /-(\d{4})(\d{2})(\d{2})(?:-[A-Za-z0-9]{1,8})?$/;

/** The channel part of a round id: the channel id itself, or a digest of an unusual one. */
function channelTag(channelId: string): string {
  return CHANNEL_TAG.test(channelId)
    ? channelId
    : `h${createHash('sha256').update(channelId).digest('hex').slice(0, 16)}`;
}

/** Round id of a channel's round on a local date: `<channel>-<yyyymmdd>[-<suffix>]` (fits an action id). */
export function roundIdFor(channelId: string, date: string, suffix?: string): string {
  return `${channelTag(channelId)}-${date.replaceAll('-', '')}${suffix ? `-${suffix}` : ''}`;
}

/** Whether a round id names a round of this channel (checked without a store round trip). */
export function isRoundOfChannel(roundId: string, channelId: string): boolean {
  return roundId.startsWith(`${channelTag(channelId)}-`) && roundDate(roundId) !== null;
}

/** The local date a round id belongs to, or null. */
export function roundDate(roundId: string): string | null {
  const m = ROUND_DATE.exec(roundId);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** Request ids up to this length are stored as given; longer ones as a digest (keeps answer values small). */
const REQUEST_ID_MAX = 48;

/** The request id stored with an answer: the adapter's id, or a digest of a long one; undefined when none. */
export function requestKey(requestId: string | undefined): string | undefined {
  if (!requestId) return undefined;
  if (requestId.length <= REQUEST_ID_MAX) return requestId;
  return `#${createHash('sha256').update(requestId).digest('base64url').slice(0, 22)}`;
}
