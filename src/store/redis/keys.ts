import calculateSlot from 'cluster-key-slot';
import type { Platform, TeamRef, UserRef } from '../../engine/ports.js';

/**
 * Buckets of each global index (users, teams, FSRS teams, the daily due queue). Fixed: a member's
 * bucket is `slot(member) % INDEX_BUCKETS`, so changing it would strand members in old buckets.
 * 16 spreads an index over every master of a cluster of up to 16 (no single slot is a hot spot)
 * while a full walk stays 16 small reads.
 */
export const INDEX_BUCKETS = 16;

/** The bucket of an index member (CRC16 as Redis Cluster hashes keys, so it is stable everywhere). */
export function bucketOf(member: string): number {
  return calculateSlot(member) % INDEX_BUCKETS;
}

/** Ids made only of characters encodeURIComponent leaves alone; any other id goes through it. */
const PLAIN = /^[\w.-]*$/;

/**
 * Encodes one id segment of a key. Platform ids are usually `[A-Za-z0-9._-]` and stay as they are;
 * anything else (`{`, `}`, `:`, `%`, spaces...) is percent-encoded so it can neither break a hash
 * tag nor be confused with a key separator.
 */
export function seg(id: string): string {
  // Platform ids and deck ids are almost always plain; every click builds several keys from them.
  return PLAIN.test(id) ? id : encodeURIComponent(id);
}

/**
 * The one module of Redis key strings. Every key is `<prefix>:<{hash tag}>:<what>[:<id>]`, and the
 * hash tag decides the cluster slot, so one script only ever touches keys of one tag.
 *
 * User slot `{u:<platform>:<userId>}` (study data, written by the `grade` script):
 * - `states:<deck>` hash card key -> stored card state (`toStoredState` in engine/cardstate.ts:
 *   the packed state without version and due, about 30 bytes, so the hash stays a listpack);
 * - `queue:<deck>` sorted set card key scored by due time in ms (the due of each state);
 *   a card key is the deck's short number for a card id ({@link Keys.cardKeyIds}), so the id is
 *   not stored twice per user; before it, `cards:<deck>` and `due:<deck>` held the same by card id
 *   with the full packed state ({@link Keys.legacyCards}, migrated at start: migrate-states.ts);
 * - `days:<deck>` hash of per-day counters of one deck: `r:<day>` reviews, `t:<day>` reviews of
 *   cards in review state, `p:<day>` of those recalled, `n:<day>` new cards introduced;
 * - `days` the same counters over all decks (`r`, `t`, `p` only: newPerDay is per deck);
 * - `log` list of review log lines, newest first, capped at {@link REVIEW_LOG_CAP};
 * - `decks` set of deck ids the user has card states in (for export);
 * - `tz` string: the user's study timezone (`/settings timezone`), read with the card on a grade.
 *
 * Global indexes are split into {@link INDEX_BUCKETS} hash-tagged buckets, each its own slot:
 * `<prefix>:{users:<b>}` set of `<platform>:<userId>` members (the export index),
 * `<prefix>:{teams:<b>}` (catch-up index), `<prefix>:{fsrs:<b>}:teams` (fit index) and
 * `<prefix>:{due:<b>}` (daily due queue); a member lives in bucket {@link bucketOf}(member). They
 * are written beside the slot's own script or transaction, never inside it (store/redis/batch.ts
 * sends one pipeline per slot on a cluster), so every script, pipeline and MULTI touches one slot.
 * Before the buckets each index was one key (`users`, `teams`, `fsrs:teams`, `daily:due`):
 * {@link Keys.legacyIndexes} names them for the migration at start (store/redis/migrate.ts).
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
    const head = `${this.prefix}:${this.userTag(u)}`;
    return parts.length ? `${head}:${parts.join(':')}` : head;
  }

  /** A key in a team's slot: `<prefix>:{t:<platform>:<teamId>}:<parts joined by ':'>`. */
  protected team(platform: Platform, teamId: string, ...parts: string[]): string {
    const head = `${this.prefix}:{t:${platform}:${seg(teamId)}}`;
    return parts.length ? `${head}:${parts.join(':')}` : head;
  }

  /** Hash card key -> stored state (`toStoredState`) of one user's deck. */
  cards(u: UserRef, deckId: string): string {
    return this.user(u, 'states', seg(deckId));
  }

  /** Sorted set card key -> due ms of one user's deck. */
  due(u: UserRef, deckId: string): string {
    return this.user(u, 'queue', seg(deckId));
  }

  /** Before card keys: hash cardId -> packed state of one user's deck (read only by the migration). */
  legacyCards(u: UserRef, deckId: string): string {
    return this.user(u, 'cards', seg(deckId));
  }

  /** Before card keys: sorted set cardId -> due ms of one user's deck (read only by the migration). */
  legacyDue(u: UserRef, deckId: string): string {
    return this.user(u, 'due', seg(deckId));
  }

  /** Hash cardId -> card key of a deck, in the deck's own slot `{k:<deck>}` (`lua/cardKeys-2.lua`). */
  cardKeyIds(deckId: string): string {
    return `${this.prefix}:{k:${seg(deckId)}}:ids`;
  }

  /** String: the last card key assigned in a deck (a counter beside {@link Keys.cardKeyIds}). */
  cardKeyCounter(deckId: string): string {
    return `${this.prefix}:{k:${seg(deckId)}}:next`;
  }

  /** SCAN pattern of every legacy cards hash ({@link Keys.legacyCards}) of any user. */
  legacyCardsPattern(): string {
    return `${globEscape(this.prefix)}:{u:*}:cards:*`;
  }

  /** The user and deck of a {@link Keys.legacyCards} key, or null for any other key. */
  parseLegacyCards(key: string): { user: UserRef; deckId: string } | null {
    const head = `${this.prefix}:{u:`;
    const m = /^([a-z]+):([^}]*)\}:cards:([^:]*)$/.exec(key.startsWith(head) ? key.slice(head.length) : '');
    if (!m) return null;
    const user = { platform: m[1] as Platform, userId: decodeURIComponent(m[2] as string) };
    return { user, deckId: decodeURIComponent(m[3] as string) };
  }

  /** Hash: progress of the migration to card keys (`bucket`, `cursor`, `done`), its own slot. */
  statesMigration(): string {
    return `${this.prefix}:{migrate}:states`;
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

  /** String: one user's study timezone (IANA name). */
  timezone(u: UserRef): string {
    return this.user(u, 'tz');
  }

  /** Set of deck ids one user has card states in. */
  decks(u: UserRef): string {
    return this.user(u, 'decks');
  }

  /** The bucket of the users index (export index) holding `u`, members from {@link Keys.userMember}. */
  users(u: UserRef): string {
    return this.usersBucket(bucketOf(this.userMember(u)));
  }

  /** Bucket `b` of the users index: a set in its own slot `{users:<b>}`. */
  usersBucket(b: number): string {
    return `${this.prefix}:{users:${b}}`;
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

  /** The bucket of the fit job's index (teams with a review log) holding `t`, members from {@link Keys.teamMember}. */
  fsrsTeams(t: TeamRef): string {
    return this.fsrsTeamsBucket(bucketOf(this.teamMember(t)));
  }

  /** Bucket `b` of the fit job's index: a set in its own slot `{fsrs:<b>}`. */
  fsrsTeamsBucket(b: number): string {
    return `${this.prefix}:{fsrs:${b}}:teams`;
  }

  /** Global string: the one fit lease (owner id, expiring). */
  fsrsLease(): string {
    return `${this.prefix}:fsrs:lease`;
  }

  /** The bucket of the team index (teams with schedules, for catch-up) holding `t`, members from {@link Keys.teamMember}. */
  teams(t: TeamRef): string {
    return this.teamsBucket(bucketOf(this.teamMember(t)));
  }

  /** Bucket `b` of the team index: a set in its own slot `{teams:<b>}`. */
  teamsBucket(b: number): string {
    return `${this.prefix}:{teams:${b}}`;
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

  /**
   * The bucket of the daily due queue holding a member (`dueMember` in team-codec.ts): sorted set of
   * due daily work (open a channel's round, close a round), scored by due ms.
   */
  dailyDue(member: string): string {
    return this.dailyDueBucket(bucketOf(member));
  }

  /** Bucket `b` of the daily due queue: a sorted set in its own slot `{due:<b>}`. */
  dailyDueBucket(b: number): string {
    return `${this.prefix}:{due:${b}}`;
  }

  /** Every bucket key of one index, by `bucket(b)`. */
  static buckets(bucket: (b: number) => string): string[] {
    return Array.from({ length: INDEX_BUCKETS }, (_, b) => bucket(b));
  }

  /** The single-key indexes of before the buckets, and the bucket each member moves to (migrate.ts). */
  legacyIndexes(): { key: string; type: 'set' | 'zset'; bucket: (member: string) => string }[] {
    const p = this.prefix;
    return [
      { key: `${p}:users`, type: 'set', bucket: (m) => this.usersBucket(bucketOf(m)) },
      { key: `${p}:teams`, type: 'set', bucket: (m) => this.teamsBucket(bucketOf(m)) },
      { key: `${p}:fsrs:teams`, type: 'set', bucket: (m) => this.fsrsTeamsBucket(bucketOf(m)) },
      { key: `${p}:daily:due`, type: 'zset', bucket: (m) => this.dailyDue(m) },
    ];
  }

  /** SCAN pattern of every key in a team's slot (glob characters of the prefix and id escaped). */
  teamPattern(t: TeamRef): string {
    return `${globEscape(this.team(t.platform, t.teamId))}:*`;
  }

  /** Global sorted set `<platform>:<teamId>` (as {@link Keys.teamMember}) -> when the team's data is to be deleted, ms. */
  teamErasures(): string {
    return `${this.prefix}:erase:teams`;
  }

  // Slack installations (OAuth distribution) in their own slots, apart from the team's data, so
  // deleting a team's data leaves a workspace that still has the app installed working.

  /** String: the sealed installation of a workspace (`team`) or an Enterprise Grid org install (`org`). */
  slackInstall(kind: 'team' | 'org', id: string): string {
    return [this.prefix, `{i:slack:${kind}:${seg(id)}}`, 'install'].join(':');
  }

  /** String: the owner of the token-refresh lock of an installation (expiring). */
  slackInstallLock(kind: 'team' | 'org', id: string): string {
    return [this.prefix, `{i:slack:${kind}:${seg(id)}}`, 'lock'].join(':');
  }

  /** Set: the workspaces an org-wide install has served (for its uninstall). */
  slackOrgTeams(enterpriseId: string): string {
    return [this.prefix, `{i:slack:org:${seg(enterpriseId)}}`, 'teams'].join(':');
  }

  /** String: the Enterprise Grid org of a workspace served by an org-wide install. */
  slackOrgOf(teamId: string): string {
    return [this.prefix, `{i:slack:team:${seg(teamId)}}`, 'org'].join(':');
  }

  /** String: Redis time (ms) of the next free slot of a rate all processes share (`lua/rateSlot-1.lua`); its own slot. */
  rateSlot(name: string): string {
    return `${this.prefix}:{rate:${seg(name)}}`;
  }
}

/** Escapes Redis glob characters, so a literal key part matches only itself in SCAN MATCH. */
export function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
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
