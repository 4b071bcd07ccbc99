import { encodeClaim } from '../team-codec.js';
import {
  type ExportClaim,
  type ExportRound,
  expired,
  exportedClaim,
  exportedTeam,
  isListedOpen,
  type TeamExport,
} from '../team-export.js';
import { type MemoryRound, type MemoryTeamData, NEVER, publicRound } from './team-data.js';

/*
 * The backup path of the embedded team store: one team's data out in portable form and one
 * validated team record back in (see team-export.ts).
 */

/** One team's data in portable form; expired rounds and claims left out. */
export function exportMemoryTeam(d: MemoryTeamData, now: number): TeamExport {
  const exp = (at: number) => (at >= NEVER ? null : at);
  const rounds: ExportRound[] = [];
  for (const r of Object.values(d.rounds)) {
    if (r.expiresAt <= now) continue;
    const answers: ExportRound['answers'] = {};
    for (const [userId, [choice, at, requestId]] of Object.entries(r.answers))
      answers[userId] = requestId ? { choice, at, requestId } : { choice, at };
    rounds.push({
      ...publicRound(r),
      ...(r.status === 'closing' ? { status: 'closing' as const, closeCursor: r.closeCursor ?? 0 } : {}),
      answers,
      result: r.result ? structuredClone(r.result) : null,
      revealFailures: r.revealFailures,
      expiresAt: exp(r.expiresAt),
    });
  }
  const claims: Record<string, ExportClaim> = {};
  for (const [roundId, c] of Object.entries(d.claims)) {
    if (c.expiresAt <= now) continue;
    const claim = exportedClaim(c.v, exp(c.expiresAt));
    if (claim) claims[roundId] = claim;
  }
  return exportedTeam({
    team: { platform: d.team.platform, teamId: d.team.teamId },
    timezone: d.tz,
    schedules: Object.values(d.schedules).map((s) => structuredClone(s)),
    rounds,
    claims,
    asked: Object.entries(d.asked).map(([key, cards]) => {
      const [channelId = '', deckId = ''] = key.split('\n');
      return { channelId, deckId, cards: [...cards] };
    }),
    boards: structuredClone(d.boards),
    streaks: structuredClone(d.streaks),
    names: { ...d.names },
  });
}

/**
 * Restores one validated team record into `d`: every schedule, round (with its answers), claim,
 * asked cycle, board, streak and name in it replaces the one with the same id; others are kept.
 * The open-rounds index follows the imported rounds.
 */
export function importMemoryTeam(d: MemoryTeamData, t: TeamExport, now: number): void {
  if (t.timezone !== null) d.tz = t.timezone;
  for (const s of t.schedules) d.schedules[s.channelId] = structuredClone(s);
  for (const r of t.rounds) {
    if (expired(r.expiresAt, now)) continue;
    const { answers, result, revealFailures, expiresAt, ...round } = structuredClone(r);
    const stored: MemoryRound = {
      ...round,
      answers: {},
      result,
      revealFailures,
      expiresAt: expiresAt ?? NEVER,
    };
    for (const [userId, a] of Object.entries(answers))
      stored.answers[userId] = a.requestId ? [a.choice, a.at, a.requestId] : [a.choice, a.at];
    d.rounds[r.roundId] = stored;
    if (isListedOpen(r)) d.open[r.roundId] = r.closesAt;
    else delete d.open[r.roundId];
  }
  for (const [roundId, c] of Object.entries(t.claims)) {
    if (!expired(c.expiresAt, now))
      d.claims[roundId] = { v: encodeClaim(c), expiresAt: c.expiresAt ?? NEVER };
  }
  for (const a of t.asked) d.asked[`${a.channelId}\n${a.deckId}`] = [...a.cards];
  for (const [board, scores] of Object.entries(t.boards)) d.boards[board] = { ...scores };
  for (const [userId, s] of Object.entries(t.streaks)) d.streaks[userId] = { ...s };
  for (const [userId, name] of Object.entries(t.names)) d.names[userId] = name;
}
