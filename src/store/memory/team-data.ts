import type { ChannelSchedule, DailyRound, RoundResult, Streak, TeamRef } from '../../engine/ports.js';

/** A round with what Redis keeps beside it (answers, results, bookkeeping). */
export interface MemoryRound extends Omit<DailyRound, 'status'> {
  /** `closing` only when imported from a Redis backup taken between the chunks of a close. */
  status: DailyRound['status'] | 'closing';
  /** With `closing`: answerers (in user-id order) that close already awarded. */
  closeCursor?: number | undefined;
  /** userId -> [display choice, answer ms, request id of the event that made it (when given)]. */
  answers: Record<string, [choice: number, at: number, requestId?: string]>;
  /** Results once closed. */
  result: RoundResult | null;
  /** Failed reveal edits so far. */
  revealFailures: number;
  /** Rate-limited post attempts, not counted as attempts (Redis: the round's `free` field). */
  freeAttempts?: number | undefined;
  /** When the round may be forgotten, ms (Redis: its TTL). */
  expiresAt: number;
}

/** A claim string (as Redis keeps it; see {@link StoredClaim} in team-codec.ts) and its expiry. */
export interface MemoryClaim {
  /** Claim state string. */
  v: string;
  /** When the claim may be forgotten, ms. */
  expiresAt: number;
}

/** One team's competition data. */
export interface MemoryTeamData {
  /** The team. */
  team: TeamRef;
  /** Timezone of the last schedule change, or null. */
  tz: string | null;
  /** channelId -> schedule. */
  schedules: Record<string, ChannelSchedule>;
  /** roundId -> claim. */
  claims: Record<string, MemoryClaim>;
  /** roundId -> round. */
  rounds: Record<string, MemoryRound>;
  /**
   * When the members' names, streaks and last-seen times go if nothing writes them again (a team
   * that stops: Redis' TTL on those keys), by the caller's clock; moved on by each answer and close.
   */
  membersUntil?: number;
  /** `<channel>\n<deck>` -> card ids asked in the current cycle. */
  asked: Record<string, string[]>;
  /** roundId -> close ms of posted, unclosed rounds. */
  open: Record<string, number>;
  /** board id -> userId -> points. */
  boards: Record<string, Record<string, number>>;
  /** board id -> when that week or month board may be forgotten, ms (retention; all-time boards are kept). */
  boardExp?: Record<string, number>;
  /** userId -> when they last answered a closed round, ms: idle members' names and streaks are forgotten. */
  seen?: Record<string, number>;
  /** userId -> streak. */
  streaks: Record<string, Streak>;
  /** userId -> display name. */
  names: Record<string, string>;
  /** channelId -> ms of the last accepted post-now (absent in documents written before it). */
  postNow?: Record<string, number>;
}

/** The team store's slice of the shared embedded-store document. */
export interface TeamSlice {
  /** `<platform>:<teamId>` -> data. */
  teams: Record<string, MemoryTeamData>;
  /** Due index: member (as in Redis) -> due ms. */
  due: Record<string, number>;
}

/** Documents that can hold a team slice (other stores add their own slices beside it). */
export interface TeamDoc {
  /** Created on first use. */
  team?: TeamSlice;
}

/** Expiry of something kept forever: `expiresAt: null` in the portable form. */
export const NEVER = Number.MAX_SAFE_INTEGER;

export function publicRound(r: MemoryRound): DailyRound {
  const {
    answers: _a,
    result: _r,
    revealFailures: _f,
    expiresAt: _e,
    closeCursor: _c,
    freeAttempts: _x,
    ...round
  } = r;
  // A closing round is not closed yet: the engine sees it open (its answers are refused anyway).
  return structuredClone({ ...round, status: round.status === 'closed' ? 'closed' : 'open' });
}

/** A fresh, empty team record. */
export function emptyTeam(team: TeamRef): MemoryTeamData {
  return {
    team: { ...team },
    tz: null,
    schedules: {},
    claims: {},
    rounds: {},
    asked: {},
    open: {},
    boards: {},
    streaks: {},
    names: {},
  };
}
