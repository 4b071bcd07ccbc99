import type { Redis } from 'ioredis';
import type { CloseAwards, CloseOutcome, TeamRef } from '../../engine/ports.js';
import { RETENTION } from '../retention.js';
import { countPicks, parseAnswer, parseResult, parseRound } from '../team-codec.js';
import { guard } from './connect.js';
import { type Keys, seg } from './keys.js';
import { pairs, type ScriptKeys, scripted } from './scripts.js';

/** Users per close script call: each call stays well under a few ms of Redis time (see bench/close.ts). */
export const CLOSE_CHUNK = 250;

/** Answers read per HSCAN call while planning a close. */
const SCAN_COUNT = 2_000;

/** How often a close re-plans when answers keep arriving while it plans (an early close), before giving up. */
const MAX_REPLANS = 5;

/** Tunables and test seams of {@link closeRoundChunked}. */
export interface CloseOptions {
  /** Users per script call (default {@link CLOSE_CHUNK}). */
  chunk?: number;
  /** Called before each script call with its chunk start; a throw here stands for a crash between calls. */
  beforeChunk?: (start: number) => void;
}

/** The points and streak writes a close makes, computed in full before the first write. */
interface ClosePlan {
  /** Number of answers the plan was made from. */
  total: number;
  /** userId, points pairs in user-id order (0 points: a wrong answer, streak only). */
  awards: [string, number][];
  /** Result JSON without names (the script adds them). */
  result: string;
}

/** Byte order, as Redis compares members. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reads every answer with HSCAN (bounded calls, read only); duplicates a rehash may return are merged. */
async function readAnswers(redis: Redis, key: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, flat] = await guard('closeRound', () => redis.hscan(key, cursor, 'COUNT', SCAN_COUNT));
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] as string, flat[i + 1] as string);
  } while (cursor !== '0');
  return out;
}

/**
 * Makes the close plan from the answers: correct answers ranked by time, then user id; each earns
 * the points plus the bonus of its place; every answerer is listed (for streaks), in user-id order so
 * every caller cuts the same chunks.
 */
export function planClose(answers: Map<string, string>, correct: number, a: CloseAwards): ClosePlan {
  const right: { userId: string; at: number }[] = [];
  const chosen: number[] = [];
  for (const [userId, v] of answers) {
    const ans = parseAnswer(v);
    if (ans) chosen.push(ans.choice);
    if (ans && ans.choice === correct) right.push({ userId, at: ans.at });
  }
  right.sort((x, y) => x.at - y.at || cmp(x.userId, y.userId));
  const earned = new Map<string, number>();
  for (const [i, e] of right.entries()) earned.set(e.userId, a.points + (a.bonus[i] ?? 0));
  const awards: [string, number][] = [...answers.keys()].sort(cmp).map((u) => [u, earned.get(u) ?? 0]);
  const fastest = right
    .slice(0, a.fastest)
    .map((e) => ({ u: e.userId, t: String(e.at), p: earned.get(e.userId) }));
  return {
    total: answers.size,
    awards,
    result: JSON.stringify({
      answered: answers.size,
      right: right.length,
      fastest,
      picks: countPicks(chosen),
    }),
  };
}

/**
 * Takes a team out of the global team index when it has no schedule and no open round (nothing for
 * catch-up to do). A schedule put meanwhile puts it back: the index is checked again after the removal.
 */
export async function unindexIdleTeam(redis: Redis, keys: Keys, team: TeamRef): Promise<void> {
  const idle = async () => {
    const [n, open] = await Promise.all([
      redis.hlen(keys.teamSchedules(team)),
      redis.zcard(keys.teamOpenRounds(team)),
    ]);
    return n === 0 && open === 0;
  };
  if (!(await idle())) return;
  await redis.srem(keys.teams(), keys.teamMember(team));
  if (!(await idle())) await redis.sadd(keys.teams(), keys.teamMember(team));
}

/** Keys (and idle members) deleted per sweep: a close never blocks Redis for long on old data. */
const SWEEP_LIMIT = 64;

/**
 * Retention by the caller's clock: deletes the team's keys whose time in the `gc` index has come
 * (old rounds, their answers and claims, old week and month boards), and the names and streaks of
 * members with no answer for {@link RETENTION.memberIdleMs}. Runs after a close: two round trips,
 * at most {@link SWEEP_LIMIT} of each, once per round.
 */
export async function sweepTeam(redis: Redis, keys: Keys, team: TeamRef, now: number): Promise<number> {
  const gc = keys.teamGc(team);
  const seen = keys.teamSeen(team);
  const [due, idle] = await guard('sweep', async () => {
    const res = await redis
      .pipeline()
      .zrangebyscore(gc, '-inf', now, 'LIMIT', 0, SWEEP_LIMIT)
      .zrangebyscore(seen, '-inf', now - RETENTION.memberIdleMs, 'LIMIT', 0, SWEEP_LIMIT)
      .exec();
    return (res ?? []).map(([err, v]) => {
      if (err) throw err;
      return v as string[];
    });
  });
  if (!due?.length && !idle?.length) return 0;
  const base = gc.slice(0, -'gc'.length);
  const m = redis.multi();
  if (due?.length) m.del(...due.map((k) => base + k)).zrem(gc, ...due);
  if (idle?.length)
    m.hdel(keys.teamNames(team), ...idle)
      .hdel(keys.teamStreaks(team), ...idle)
      .zrem(seen, ...idle);
  await guard('sweep', () => m.exec());
  return (due?.length ?? 0) + (idle?.length ?? 0);
}

/** The `gc` members of what a close makes deletable later: its week and month boards, the round, its answers and claim. */
function gcMembers([week, month]: CloseAwards['boards'], roundId: string): string[] {
  return [
    `lb:${week}`,
    `lb:${month}`,
    `round:${seg(roundId)}`,
    `ans:${seg(roundId)}`,
    `claim:${seg(roundId)}`,
  ];
}

/**
 * Closes a round of any size: plan first (answers read with HSCAN, nothing written), then apply the
 * plan in chunks of `lua/dailyClose-10.lua`. The round's `cur` field says which chunk is next, so a
 * close that failed or crashed between chunks is resumed by the next close (by anyone) and no point
 * is awarded twice; a chunk checks everything before its first write. Up to one chunk of answers
 * (the usual case) it is one script call: atomic. Round trips: 1 + ceil(answers / SCAN_COUNT) reads,
 * ceil(answers / chunk) script calls.
 */
export async function closeRoundChunked(
  redis: Redis,
  keys: Keys,
  team: TeamRef,
  roundId: string,
  a: CloseAwards,
  opts: CloseOptions = {},
): Promise<CloseOutcome> {
  const chunk = Math.max(1, opts.chunk ?? CLOSE_CHUNK);
  const scripts = scripted(redis);
  const [week, month, all] = a.boards;
  const gc = gcMembers(a.boards, roundId);
  const scriptKeys: ScriptKeys<'dailyClose'> = [
    keys.teamRound(team, roundId),
    keys.teamAnswers(team, roundId),
    keys.teamStreaks(team),
    keys.teamNames(team),
    keys.teamOpenRounds(team),
    keys.teamBoard(team, week),
    keys.teamBoard(team, month),
    keys.teamBoard(team, all),
    keys.teamGc(team),
    keys.teamSeen(team),
  ];
  for (let replan = 0; replan < MAX_REPLANS; replan++) {
    const correct = await guard('closeRound', () => redis.hget(keys.teamRound(team, roundId), 'correct'));
    const plan = planClose(
      await readAnswers(redis, keys.teamAnswers(team, roundId)),
      Number(correct ?? -1),
      a,
    );
    let start = 0;
    for (;;) {
      opts.beforeChunk?.(start);
      a.signal?.throwIfAborted();
      const part: (string | number)[] = [];
      for (const [u, p] of plan.awards.slice(start, start + chunk)) part.push(u, p);
      const reply = await guard('closeRound', () =>
        scripts.dailyClose(
          ...scriptKeys,
          a.now,
          a.keepMs,
          roundId,
          plan.total,
          start,
          plan.result,
          RETENTION.weekBoardMs,
          RETENTION.monthBoardMs,
          gc.join('\n'),
          RETENTION.memberIdleMs,
          ...part,
        ),
      );
      const status = String(reply[0]);
      if (status === 'unknown') return { status };
      if (status === 'stale') break;
      if (status === 'more' || status === 'moved') {
        start = Number(reply[1]);
        continue;
      }
      const round = parseRound(pairs(reply, 2));
      if (!round) return { status: 'unknown' };
      if (status === 'closed') {
        await sweepTeam(redis, keys, team, a.now);
        await guard('closeRound', () => unindexIdleTeam(redis, keys, team));
      }
      return {
        status: status === 'closed' ? 'closed' : 'already',
        round,
        result: parseResult(String(reply[1])),
      };
    }
  }
  throw new Error(`closeRound: answers to ${roundId} kept changing while the close was planned`);
}
