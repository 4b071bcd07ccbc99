import type { Redis } from 'ioredis';
import { fromStoredState, storedStateBody, toStoredState } from '../../engine/cardstate.js';
import { pickWeights } from '../../engine/fsrs/params.js';
import {
  type DayCounters,
  type GradeAndQueue,
  type GradeRead,
  type GradeWrite,
  type NextQueue,
  QUEUE_DUE_IDS,
  type QueueQuery,
  type QueueSnapshot,
  type ReviewStore,
  type TeamRef,
  type UserExport,
  type UserRef,
} from '../../engine/ports.js';
import { paramsField } from '../fsrs-fields.js';
import { oldestKeptDay, RETENTION } from '../retention.js';
import { SlotBatch } from './batch.js';
import { CardKeys } from './card-keys.js';
import { guard } from './connect.js';
import { dayField, Keys, REVIEW_LOG_CAP } from './keys.js';
import { exportRedisUser, importRedisUser } from './review-export.js';
import {
  type LeanQueueReply,
  type ScriptArgs,
  type ScriptedPipeline,
  type ScriptedRedis,
  type ScriptReply,
  scripted,
} from './scripts.js';
import { noWait, type WaitPolicy, waitTarget } from './wait.js';
import { WeightsCache } from './weights-cache.js';

/**
 * Due ids a grade's next-card snapshot carries: the click shows the first that is still in the deck,
 * and reads the whole queue when none is (ReviewService.next), so a few are enough; each id left
 * out is one reply element less to decode on the hot path.
 */
const GRADE_DUE_IDS = 4;

/**
 * Turns the `queue` script's reply (card keys, stored state) into a snapshot (card ids, packed
 * state). The oldest due card is the first of the due queue, so its due is the earliest score.
 */
async function parseQueue<R extends LeanQueueReply>(
  cardKeys: CardKeys,
  deckId: string,
  reply: R,
): Promise<R extends ScriptReply<'queue'> ? QueueSnapshot : NextQueue>;
async function parseQueue(cardKeys: CardKeys, deckId: string, reply: LeanQueueReply): Promise<NextQueue> {
  const [, dueNow, dueToday, nextDue, newToday, known, dueState, dueKeys] = reply;
  const dueIds = cardKeys.cachedIds(deckId, dueKeys) ?? (await cardKeys.idsOf(deckId, dueKeys));
  return {
    dueCardId: dueIds[0] ?? null,
    dueNow,
    dueToday,
    nextDue: nextDue === null ? null : Number(nextDue),
    newToday,
    known,
    dueState: dueState && nextDue !== null ? fromStoredState(dueState, Number(nextDue)) : null,
    dueIds,
  };
}

/** The packed state of a stored one read with its due score (HGET and ZSCORE replies). */
function packedOf(stored: unknown, score: unknown): string | null {
  return typeof stored === 'string' ? fromStoredState(stored, Number(score ?? Number.NaN)) : null;
}

/**
 * Study data in Redis, in the user's slot (see {@link Keys}). Expects a client made by
 * `connectRedis` (scripts defined). Every Redis failure surfaces as QuizError('store_unavailable').
 * Card states are kept by card key in their stored form (`toStoredState`); this class translates
 * at its edge, so callers speak card ids and packed states, as with the embedded store.
 */
export class RedisReviewStore implements ReviewStore {
  private readonly scripts: ScriptedRedis;

  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
    /** Replicas a grade waits for before it is acknowledged (`REDIS_WAIT_REPLICAS`). */
    private readonly wait: WaitPolicy = noWait,
    /** Card id <-> card key of every deck (shared with the migration at start). */
    readonly cardKeys = new CardKeys(redis, keys),
    /** Teams' fitted FSRS weights, kept a short while (see WeightsCache). */
    private readonly weights = new WeightsCache(),
  ) {
    this.scripts = scripted(redis);
  }

  /**
   * Learns (assigning new ones) the card keys of these decks' cards, one round trip per deck, so
   * that no read or grade of a deck's card needs one later (called when decks load).
   */
  async prepareDecks(decks: readonly { id: string; cards: readonly { id: string }[] }[]): Promise<void> {
    for (const d of decks)
      if (d.cards.length)
        await this.cardKeys.assign(
          d.id,
          d.cards.map((c) => c.id),
        );
  }

  /** Arguments of the `queue` script for one user's deck. */
  private queueArgs(user: UserRef, deckId: string, q: QueueQuery): ScriptArgs<'queue'> {
    const k = this.keys;
    return [
      k.cards(user, deckId),
      k.due(user, deckId),
      k.deckDays(user, deckId),
      String(q.now),
      String(q.endOfDay),
      q.day,
      String(QUEUE_DUE_IDS),
    ];
  }

  /** One round trip: the `queue` script. */
  async queue(
    user: UserRef,
    deckId: string,
    now: number,
    endOfDay: number,
    day: string,
  ): Promise<QueueSnapshot> {
    const args = this.queueArgs(user, deckId, { now, endOfDay, day });
    return parseQueue(this.cardKeys, deckId, await guard('queue', () => this.scripts.queue(...args)));
  }

  /** One round trip: HGET of the state with ZSCORE of its due (plus one the first time a card key is needed). */
  async getState(user: UserRef, deckId: string, cardId: string): Promise<string | null> {
    const key = await this.cardKeys.keyOf(deckId, cardId);
    const cards = this.keys.cards(user, deckId);
    const due = this.keys.due(user, deckId);
    const [stored, score] = await guard('getState', () =>
      new SlotBatch(this.redis).on(cards, (p) => p.hget(cards, key).zscore(due, key)).exec(),
    );
    return packedOf(stored, score);
  }

  /**
   * One round trip: the `gradeRead` script (the state, its due, the timezone: one command, no
   * pipeline object) and, with a team whose weights this process has not kept (WeightsCache), HMGET
   * of its deck and team weights sent at the same time.
   */
  async readForGrade(
    user: UserRef,
    deckId: string,
    cardId: string,
    team: TeamRef | null,
  ): Promise<GradeRead> {
    const key = this.cardKeys.cached(deckId, cardId) ?? (await this.cardKeys.keyOf(deckId, cardId));
    const args: ScriptArgs<'gradeRead'> = [
      this.keys.cards(user, deckId),
      this.keys.due(user, deckId),
      this.keys.timezone(user),
      key,
    ];
    const fsrs = team ? this.keys.teamFsrs(team) : null;
    const wKey = fsrs && `${fsrs}\n${deckId}`;
    let w = wKey ? this.weights.get(wKey) : null;
    let read: ScriptReply<'gradeRead'>;
    if (fsrs && wKey && w === undefined) {
      // The team's weights live in the team's slot: read at once beside the script, each command
      // alone (no pipeline object; on a cluster each goes to its own slot's node).
      const [r, hm] = await guard('readForGrade', () =>
        Promise.all([
          this.scripts.gradeRead(...args),
          this.redis.hmget(fsrs, paramsField(deckId), paramsField(null)),
        ]),
      );
      read = r;
      w = pickWeights(hm[0], hm[1]);
      this.weights.set(wKey, w);
    } else read = await guard('readForGrade', () => this.scripts.gradeRead(...args));
    const [stored, score, tz] = read;
    return { state: packedOf(stored, score), w: w ?? null, tz: tz ?? null };
  }

  /** One round trip: GET. */
  async getTimezone(user: UserRef): Promise<string | null> {
    return guard('getTimezone', () => this.redis.get(this.keys.timezone(user)));
  }

  /**
   * One round trip: DEL, or SET with (same batch, its own slot) the user's entry in the export
   * index, so that a user who set a timezone and never studied is exported too.
   */
  async setTimezone(user: UserRef, tz: string | null): Promise<void> {
    const k = this.keys;
    const key = k.timezone(user);
    await guard('setTimezone', async () => {
      if (tz === null) await this.redis.del(key);
      else
        await new SlotBatch(this.redis)
          .on(key, (p) => p.set(key, tz))
          .on(k.users(user), (p) => p.sadd(k.users(user), k.userMember(user)))
          .exec();
    });
  }

  /** One round trip: HKEYS (plus one when this process has not seen one of the card keys yet). */
  async knownCards(user: UserRef, deckId: string): Promise<Set<string>> {
    const keys = await guard('knownCards', () => this.redis.hkeys(this.keys.cards(user, deckId)));
    return new Set(keys.length ? await this.cardKeys.idsOf(deckId, keys) : []);
  }

  /**
   * One round trip: the atomic `grade` script in the user's slot. For a card's first state the same
   * batch also adds the user to their bucket of the `users` export index (idempotent, its own slot).
   */
  async applyGrade(w: GradeWrite): Promise<'applied' | 'conflict'> {
    const key = this.cardKeys.cached(w.deckId, w.cardId) ?? (await this.cardKeys.keyOf(w.deckId, w.cardId));
    return this.outcome(w, await this.execGrade(w, this.gradeArgs(w, key, null)));
  }

  /**
   * One round trip running one script: the `grade` script reads the next-card snapshot itself
   * (ARGV[12..15]), lean while a card is due (see NextQueue). Beside it, as in applyGrade, the
   * writes in other slots (export index, the team's log) when there are any.
   */
  async applyGradeThenQueue(w: GradeWrite, q: QueueQuery): Promise<GradeAndQueue> {
    const key = this.cardKeys.cached(w.deckId, w.cardId) ?? (await this.cardKeys.keyOf(w.deckId, w.cardId));
    const results = await this.execGrade(w, this.gradeArgs(w, key, q));
    const reply = results[0];
    if (!Array.isArray(reply)) throw new Error(`grade script: unexpected reply ${String(reply)}`);
    const [applied, ...queue] = reply as [number, ...LeanQueueReply];
    results[0] = applied;
    const snapshot = await parseQueue(this.cardKeys, w.deckId, queue);
    return { outcome: await this.outcome(w, results), queue: snapshot };
  }

  /**
   * The grade's outcome. The team's log line went out with the grade script, in the team's slot, so
   * it could not depend on the grade script's answer: on a conflict (rare: a double click, another
   * replica) it is taken back, which costs that path one more round trip.
   */
  private async outcome(w: GradeWrite, results: unknown[]): Promise<'applied' | 'conflict'> {
    if (results[0] === 1) return 'applied';
    const t = w.team;
    if (t) await guard('applyGrade', () => this.redis.lrem(this.keys.teamReviewLog(t.ref), 1, t.line));
    return 'conflict';
  }

  /** The grade script's arguments: the card's key, and states in their stored form. */
  private gradeArgs(w: GradeWrite, key: string, q: QueueQuery | null): ScriptArgs<'grade'> {
    if (!Number.isFinite(w.due)) throw new RangeError(`grade due is not a finite time: ${w.due}`);
    const expected = w.expected === null ? '' : storedStateBody(w.expected);
    const next = toStoredState(w.next, w.due);
    const k = this.keys;
    const u = w.user;
    const args: ScriptArgs<'grade'> = [
      k.cards(u, w.deckId),
      k.due(u, w.deckId),
      k.deckDays(u, w.deckId),
      k.days(u),
      k.log(u),
      k.decks(u),
      key,
      expected,
      next,
      String(w.due),
      w.day,
      w.isNew ? '1' : '0',
      w.recalled === null ? '' : w.recalled ? '1' : '0',
      w.log,
      String(REVIEW_LOG_CAP),
      w.deckId,
      oldestKeptDay(w.day),
    ];
    if (q) args.push(String(q.now), String(q.endOfDay), String(GRADE_DUE_IDS), q.day);
    return args;
  }

  /**
   * The grade script (which also reads the next-card snapshot when `q` is given) and, in the same
   * round trip, the writes in other slots: the user's entry in the export index (a card's first
   * state), the team's review log and the team's entry in the fit job's index. Without WAIT each is
   * sent alone, all at once: no pipeline object, which ioredis builds by copying every defined script
   * onto it (about 10 µs a click), and on a cluster each command follows its own slot. With
   * `REDIS_WAIT_REPLICAS`, WAIT must follow the grade on its connection, so the writes go as one
   * pipeline per slot (batch.ts) and the reply waits until that many replicas have the grade.
   */
  private async execGrade(w: GradeWrite, args: ScriptArgs<'grade'>): Promise<unknown[]> {
    const k = this.keys;
    const u = w.user;
    const cards = k.cards(u, w.deckId);
    const node = waitTarget(this.redis, this.wait, cards, 'grade');
    const team = w.team;
    // The team's review log lives in the team's slot, so it cannot be in the grade script
    // (~45 bytes kept per review).
    const teamLog: ScriptArgs<'teamLog'> | null = team
      ? [k.teamReviewLog(team.ref), team.line, RETENTION.teamReviewLogLines, RETENTION.teamReviewLogIdleMs]
      : null;
    const index = team ? k.fsrsTeams(team.ref) : null;
    if (node === null) {
      return guard('applyGrade', () => {
        const sent: Promise<unknown>[] = [this.scripts.grade(...args)];
        if (w.expected === null) sent.push(this.redis.sadd(k.users(u), k.userMember(u)));
        if (team && teamLog && index)
          sent.push(this.scripts.teamLog(...teamLog), this.redis.sadd(index, k.teamMember(team.ref)));
        return Promise.all(sent);
      });
    }
    const batch = new SlotBatch<ScriptedPipeline>(this.redis);
    batch.on(cards, (p) => p.grade(...args));
    const waited = batch.length;
    batch.wait(cards, this.wait.replicas, this.wait.timeoutMs);
    if (w.expected === null) batch.on(k.users(u), (p) => p.sadd(k.users(u), k.userMember(u)));
    if (team && teamLog && index) {
      batch.on(teamLog[0], (p) => p.teamLog(...teamLog));
      batch.on(index, (p) => p.sadd(index, k.teamMember(team.ref)));
    }
    const res = await guard('applyGrade', () => batch.exec());
    this.wait.check('grade', res[waited], node);
    return res;
  }

  /** One round trip: a pipeline of ZRANGEBYSCORE on each deck's due queue. */
  async dueTimes(user: UserRef, deckIds: string[], until: number): Promise<number[]> {
    if (deckIds.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const d of deckIds) pipe.zrangebyscore(this.keys.due(user, d), '-inf', `(${until}`, 'WITHSCORES');
    const res = await guard('dueTimes', async () => (await pipe.exec()) ?? []);
    const out: number[] = [];
    for (const [err, flat] of res) {
      if (err) throw err;
      const f = flat as string[];
      for (let i = 1; i < f.length; i += 2) out.push(Number(f[i]));
    }
    return out.sort((a, b) => a - b);
  }

  /** One round trip: HMGET of the day fields. */
  async dayCounters(user: UserRef, deckId: string | null, days: string[]): Promise<DayCounters[]> {
    if (days.length === 0) return [];
    const key = deckId === null ? this.keys.days(user) : this.keys.deckDays(user, deckId);
    const fields = days.flatMap((d) => [
      dayField.reviews(d),
      dayField.recallTotal(d),
      dayField.recallPassed(d),
    ]);
    const values = await guard('dayCounters', () => this.redis.hmget(key, ...fields));
    const at = (i: number) => Number(values[i] ?? 0);
    return days.map((day, i) => ({
      day,
      reviews: at(3 * i),
      recallTotal: at(3 * i + 1),
      recallPassed: at(3 * i + 2),
    }));
  }

  /** Review log lines of a user, newest first (one round trip: LRANGE). */
  async reviewLog(user: UserRef, limit = REVIEW_LOG_CAP): Promise<string[]> {
    return guard('reviewLog', () => this.redis.lrange(this.keys.log(user), 0, limit - 1));
  }

  /** Every user in the `users` index with their card states (SSCAN of each bucket, then per user decks and hashes). */
  async *exportUsers(): AsyncIterable<UserExport> {
    for (const bucket of Keys.buckets((b) => this.keys.usersBucket(b))) {
      let cursor = '0';
      do {
        const [nextCursor, members] = await guard('exportUsers', () =>
          this.redis.sscan(bucket, cursor, 'COUNT', 100),
        );
        cursor = nextCursor;
        for (const member of members) yield await this.exportUser(this.keys.parseUserMember(member));
      } while (cursor !== '0');
    }
  }

  /** See exportRedisUser (review-export.ts). */
  private exportUser(user: UserRef): Promise<UserExport> {
    return exportRedisUser(this.redis, this.keys, this.cardKeys, user);
  }

  /**
   * Restores one user's card states and timezone (backup/restore). Each deck in the export
   * replaces that deck's states and due queue; a timezone replaces the user's, and a record
   * without one keeps it; day counters and the log are kept. Due scores come from the packed
   * states. Throws RangeError, before writing anything, when a state or the timezone is malformed.
   */
  async importUser(u: UserExport): Promise<void> {
    return importRedisUser(this.redis, this.keys, this.cardKeys, u);
  }
}
