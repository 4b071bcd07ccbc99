import type { DailyRound, DueItem, RoundResult, TeamRef } from '../engine/ports.js';

/*
 * Stored team formats: how a round, an answer, a round result and a due-index member are
 * written as Redis strings (the Lua scripts write the same), and read back.
 */

/** Round hash fields written at claim time (the rest are added by later scripts). */
export function roundFields(r: DailyRound): string[] {
  return [
    'id',
    r.roundId,
    'ch',
    r.channelId,
    'date',
    r.date,
    'deck',
    r.deckId,
    'card',
    r.cardId,
    'form',
    String(r.form),
    'order',
    r.order.join(','),
    'correct',
    String(r.correct),
    'opens',
    String(r.opensAt),
    'closes',
    String(r.closesAt),
    'prev',
    r.prevDate ?? '',
    'status',
    r.status,
  ];
}

/** Inverse of {@link roundFields} (plus `mch`/`msg`/`rv` written later); null when incomplete. */
export function parseRound(h: Record<string, string>): DailyRound | null {
  if (!h.id || !h.ch || !h.date || !h.deck || !h.card || !h.order) return null;
  return {
    roundId: h.id,
    channelId: h.ch,
    date: h.date,
    deckId: h.deck,
    cardId: h.card,
    form: Number(h.form ?? 0),
    order: h.order.split(',').map(Number),
    correct: Number(h.correct ?? 0),
    opensAt: Number(h.opens ?? 0),
    closesAt: Number(h.closes ?? 0),
    prevDate: h.prev ? h.prev : null,
    status: h.status === 'closed' ? 'closed' : 'open',
    message: h.msg ? { channelId: h.mch || h.ch, messageId: h.msg } : null,
    revealed: h.rv === '1',
  };
}

/** A stored daily answer: the display choice, the answer time and the request id it came with. */
export interface StoredAnswer {
  /** Display index of the choice. */
  choice: number;
  /** Answer time, ms. */
  at: number;
  /** Stable id of the platform event that made it, when the adapter gave one. */
  requestId?: string;
}

/** A value of the answers hash, as `lua/dailyAnswer-3.lua` writes it: `<choice>:<ms>[:<requestId>]`. */
export function encodeAnswer(a: { choice: number; at: number; requestId?: string | undefined }): string {
  return `${a.choice}:${a.at}${a.requestId ? `:${a.requestId}` : ''}`;
}

/** Inverse of {@link encodeAnswer} (values without a request id, as older versions wrote, too); null for anything else. */
export function parseAnswer(v: string): StoredAnswer | null {
  const m = /^(\d+):(\d+)(?::([\s\S]+))?$/.exec(v);
  if (!m) return null;
  const a: StoredAnswer = { choice: Number(m[1]), at: Number(m[2]) };
  if (m[3]) a.requestId = m[3];
  return a;
}

/** Parses the result JSON the close script stores (cjson writes an empty list as `{}`). */
export function parseResult(json: string): RoundResult {
  const raw = JSON.parse(json || '{}') as {
    answered?: number;
    right?: number;
    fastest?: { u: string; t: string | number; p: number; n: string }[] | Record<string, never>;
  };
  const fastest = Array.isArray(raw.fastest) ? raw.fastest : [];
  return {
    answered: raw.answered ?? 0,
    right: raw.right ?? 0,
    fastest: fastest.map((f) => ({ userId: f.u, name: f.n ? f.n : null, at: Number(f.t), points: f.p })),
  };
}

/** Due index member of an item (JSON array, so ids may hold any character). */
export function dueMember(item: DueItem): string {
  return item.kind === 'open'
    ? JSON.stringify(['o', item.team.platform, item.team.teamId, item.channelId])
    : JSON.stringify(['c', item.team.platform, item.team.teamId, item.roundId]);
}

/** Inverse of {@link dueMember}; null for anything else. */
export function parseDueMember(member: string): DueItem | null {
  try {
    const [k, platform, teamId, id] = JSON.parse(member) as [string, TeamRef['platform'], string, string];
    if (typeof teamId !== 'string' || typeof id !== 'string') return null;
    const team = { platform, teamId };
    if (k === 'o') return { kind: 'open', team, channelId: id };
    if (k === 'c') return { kind: 'close', team, roundId: id };
  } catch {
    // Not one of ours: ignored (and left alone).
  }
  return null;
}

/** Result JSON as the close script stores it (`t` and `n` as strings, no name = ''). */
export function resultJson(r: RoundResult): string {
  return JSON.stringify({
    answered: r.answered,
    right: r.right,
    fastest: r.fastest.map((f) => ({ u: f.userId, t: String(f.at), p: f.points, n: f.name ?? '' })),
  });
}
