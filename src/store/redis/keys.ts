import type { Platform, TeamRef, UserRef } from '../../engine/ports.js';

/**
 * Encodes one id segment of a key. Platform ids are usually `[A-Za-z0-9._-]` and stay as they are;
 * anything else (`{`, `}`, `:`, `%`, spaces...) is percent-encoded so it can neither break a hash
 * tag nor be confused with a key separator.
 */
export function seg(id: string): string {
  return encodeURIComponent(id);
}

/**
 * The one module of Redis key strings. Every key is `<prefix>:<{hash tag}>:<what>[:<id>]`, and the
 * hash tag decides the cluster slot, so one script only ever touches keys of one tag.
 *
 * User slot `{u:<platform>:<userId>}` (study data, written by the `grade` script):
 * - `cards:<deck>` hash cardId -> packed card state (<= 64 bytes, stays a listpack);
 * - `due:<deck>` sorted set cardId scored by due time in ms;
 * - `days:<deck>` hash of per-day counters of one deck: `r:<day>` reviews, `t:<day>` reviews of
 *   cards in review state, `p:<day>` of those recalled, `n:<day>` new cards introduced;
 * - `days` the same counters over all decks (`r`, `t`, `p` only: newPerDay is per deck);
 * - `log` list of review log lines, newest first, capped at {@link REVIEW_LOG_CAP};
 * - `decks` set of deck ids the user has card states in (for export).
 *
 * Global (its own slot): `users` set of `<platform>:<userId>` members, the export index. It is
 * written next to the grade script in the same pipeline, never inside it, so the grade stays one
 * atomic single-slot script.
 *
 * Team slot `{t:<platform>:<teamId>}` (daily quiz data, written by the `daily*` scripts and read by
 * `lbRead`): the builders after {@link Keys.parseUserMember}. What the values of these keys look
 * like (claim, round fields, answer, result, streak, due member) is defined once, in
 * `store/team-codec.ts`; the notes below only name the shape.
 */
export class Keys {
  constructor(readonly prefix = 'qb') {}

  /** Hash tag of a user's slot: `{u:<platform>:<userId>}`. */
  userTag(u: UserRef): string {
    return `{u:${u.platform}:${seg(u.userId)}}`;
  }

  /** A key in a user's slot: `<prefix>:{u:...}:<parts joined by ':'>`. */
  protected user(u: UserRef, ...parts: string[]): string {
    return [this.prefix, this.userTag(u), ...parts].join(':');
  }

  /** A key in a team's slot: `<prefix>:{t:<platform>:<teamId>}:<parts joined by ':'>`. */
  protected team(platform: Platform, teamId: string, ...parts: string[]): string {
    return [this.prefix, `{t:${platform}:${seg(teamId)}}`, ...parts].join(':');
  }

  /** Hash cardId -> packed state of one user's deck. */
  cards(u: UserRef, deckId: string): string {
    return this.user(u, 'cards', seg(deckId));
  }

  /** Sorted set cardId -> due ms of one user's deck. */
  due(u: UserRef, deckId: string): string {
    return this.user(u, 'due', seg(deckId));
  }

  /** Hash of per-day counters of one user's deck. */
  deckDays(u: UserRef, deckId: string): string {
    return this.user(u, 'days', seg(deckId));
  }

  /** Hash of per-day counters of one user over all decks. */
  days(u: UserRef): string {
    return this.user(u, 'days');
  }

  /** Capped list of one user's review log lines, newest first. */
  log(u: UserRef): string {
    return this.user(u, 'log');
  }

  /** Set of deck ids one user has card states in. */
  decks(u: UserRef): string {
    return this.user(u, 'decks');
  }

  /** Global set of users with study data (export index), members from {@link Keys.userMember}. */
  users(): string {
    return `${this.prefix}:users`;
  }

  /** Member of the {@link Keys.users} set for a user. */
  userMember(u: UserRef): string {
    return `${u.platform}:${u.userId}`;
  }

  /** Inverse of {@link Keys.userMember}; the platform never contains ':'. */
  parseUserMember(member: string): UserRef {
    const i = member.indexOf(':');
    if (i <= 0) throw new RangeError(`bad user member: ${member}`);
    return { platform: member.slice(0, i) as Platform, userId: member.slice(i + 1) };
  }

  // Team slot `{t:<platform>:<teamId>}` (daily quiz data, written by the `daily*` scripts; value formats in team-codec.ts).

  /** The start of every key in a team's slot, `<prefix>:{t:<platform>:<teamId>}:` (scripts build keys of the slot from it). */
  teamBase(t: TeamRef): string {
    return `${this.team(t.platform, t.teamId)}:`;
  }

  /** The `SCAN` pattern of every team key of a platform. */
  platformTeamsPattern(platform: Platform): string {
    return `${this.prefix}:{t:${platform}:*`;
  }

  /** The team of a key in a team slot, or null for any other key. */
  teamOfKey(key: string): TeamRef | null {
    const m = /^[^{]*\{t:([a-z]+):([^}]*)\}:/.exec(key.slice(this.prefix.length));
    if (!m || !key.startsWith(`${this.prefix}:{`)) return null;
    return { platform: m[1] as Platform, teamId: decodeURIComponent(m[2] as string) };
  }

  /** Hash channelId -> schedule JSON of a team. */
  teamSchedules(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'sched');
  }

  /** Hash of team settings (`tz`: timezone of the leaderboard periods). */
  teamMeta(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'meta');
  }

  /** Hash of one daily round (card, choice order, times, status, message, results): `roundFields` in team-codec.ts. */
  teamRound(t: TeamRef, roundId: string): string {
    return this.team(t.platform, t.teamId, 'round', seg(roundId));
  }

  /** Hash userId -> first answer of one round: `encodeAnswer` in team-codec.ts. */
  teamAnswers(t: TeamRef, roundId: string): string {
    return this.team(t.platform, t.teamId, 'ans', seg(roundId));
  }

  /** String: the exactly-once post claim of one round: `StoredClaim` in team-codec.ts. */
  teamClaim(t: TeamRef, roundId: string): string {
    return this.team(t.platform, t.teamId, 'claim', seg(roundId));
  }

  /** String: ms of a channel's last accepted post-now command (one per window; `lua/dailyPostNow-1.lua`). */
  teamPostNow(t: TeamRef, channelId: string): string {
    return this.team(t.platform, t.teamId, 'pnow', seg(channelId));
  }

  /** Set of card ids asked in a channel's current no-repeat cycle of a deck. */
  teamAsked(t: TeamRef, channelId: string, deckId: string): string {
    return this.team(t.platform, t.teamId, 'asked', seg(channelId), seg(deckId));
  }

  /** Sorted set roundId -> close ms: posted rounds not closed yet. */
  teamOpenRounds(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'open');
  }

  /** Sorted set userId -> points of one board: `w:<YYYY-Www>`, `m:<YYYY-MM>` or `all`. */
  teamBoard(t: TeamRef, board: string): string {
    return this.team(t.platform, t.teamId, 'lb', board);
  }

  /** Hash userId -> daily-quiz streak: `encodeStreak` in team-codec.ts. */
  teamStreaks(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'streak');
  }

  /** Hash userId -> display name, for leaderboards and results. */
  teamNames(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'names');
  }

  /**
   * Sorted set key suffix (`round:<id>`, `ans:<id>`, `claim:<id>`, `lb:<board>`) -> when that key of
   * the team may be deleted, by the caller's clock (retention; see store/retention.ts).
   */
  teamGc(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'gc');
  }

  /** Sorted set userId -> when they last answered a closed round (caller's ms): idle members are forgotten. */
  teamSeen(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'seen');
  }

  /** Capped list of the team's review log lines (`engine/fsrs/log.ts`), newest first: what FSRS fits on. */
  teamReviewLog(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'revlog');
  }

  /** Hash of the team's FSRS parameters and fit attempts: `p:` / `p:<deck>` params JSON, `a:` / `a:<deck>` attempt JSON. */
  teamFsrs(t: TeamRef): string {
    return this.team(t.platform, t.teamId, 'fsrs');
  }

  /** Global set of teams with a review log (the fit job's index), members from {@link Keys.teamMember}. */
  fsrsTeams(): string {
    return `${this.prefix}:fsrs:teams`;
  }

  /** Global string: the one fit lease (owner id, expiring). */
  fsrsLease(): string {
    return `${this.prefix}:fsrs:lease`;
  }

  /** Global set of teams with schedules (catch-up index), members from {@link Keys.teamMember}. */
  teams(): string {
    return `${this.prefix}:teams`;
  }

  /** Member of the {@link Keys.teams} set for a team. */
  teamMember(t: TeamRef): string {
    return `${t.platform}:${t.teamId}`;
  }

  /** Inverse of {@link Keys.teamMember}; the platform never contains ':'. */
  parseTeamMember(member: string): TeamRef {
    const i = member.indexOf(':');
    if (i <= 0) throw new RangeError(`bad team member: ${member}`);
    return { platform: member.slice(0, i) as Platform, teamId: member.slice(i + 1) };
  }

  /** Global sorted set of due daily work (open a channel's round, close a round), scored by due ms; members: `dueMember` in team-codec.ts. */
  dailyDue(): string {
    return `${this.prefix}:daily:due`;
  }
}

/** Review log lines kept per user (LTRIM 0..cap-1). */
export const REVIEW_LOG_CAP = 500;

/** Field names of the per-day counter hashes. */
export const dayField = {
  /** Reviews done. */
  reviews: (day: string) => `r:${day}`,
  /** Reviews of cards in review state. */
  recallTotal: (day: string) => `t:${day}`,
  /** Of those, recalled. */
  recallPassed: (day: string) => `p:${day}`,
  /** New cards introduced (per deck only). */
  newCards: (day: string) => `n:${day}`,
} as const;
