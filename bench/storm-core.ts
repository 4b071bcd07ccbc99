import type { Redis } from 'ioredis';
import { encodeAction } from '../src/engine/actions.js';
import type { Actor } from '../src/engine/api.js';
import { boardsFor } from '../src/engine/leaderboard.js';
import type { TeamRef } from '../src/engine/ports.js';
import { seededRandom } from '../src/engine/shuffle.js';
import { localDate } from '../src/engine/time.js';
import type { BotCore } from './bot.js';
import { openSchedule, snowflakeUser } from './fixtures.js';
import { sleep, summarize } from './stats.js';

/** What the bot process is asked to storm. */
export interface StormConfig {
  /** Users answering once each. */
  users: number;
  /** Extra clicks by users who already answered (double clicks, changed minds). */
  repeats: number;
  /** The first answers arrive spread over this window, ms. */
  windowMs: number;
  /** Measured runs (a fresh round each). */
  runs: number;
  /** Users of an unmeasured warm-up storm first. */
  warmupUsers: number;
  /** The Discord server the rounds are posted in. */
  teamId: string;
  /** One channel per storm: the warm-up's first, then one per run. */
  channelIds: string[];
}

/** What one storm found. */
export interface StormRun {
  accepted: number;
  already: number;
  other: number;
  otherCodes: string[];
  /** HLEN of the round's answers hash. */
  stored: number;
  /** Right answers among the stored ones. */
  right: number;
  /** Points the rules give for those answers (10 each, plus 5/3/1 for the first three right). */
  expectedPoints: number;
  /** Points the first close added to the week, month and all-time boards (each board). */
  pointsAfterFirst: number[];
  /** Points both closes added together (each board). */
  pointsAfterSecond: number[];
  /** Statuses of the two closes. */
  closes: string[];
  /** Latency of every click from its scheduled time to the engine's answer, ms. */
  p50: number;
  p99: number;
  max: number;
  p99First: number;
  p99Repeat: number;
  /** From the first scheduled click to the last answer, ms. */
  spanMs: number;
  /** Clicks per second offered. */
  offeredPerSecond: number;
  /** Latest start of a click behind its schedule (timer lateness of the load generator), ms. */
  maxLateMs: number;
  /** RSS before the storm and its peak during it, MiB. */
  rssBeforeMiB: number;
  rssPeakMiB: number;
  heapPeakMiB: number;
  /** Closing the round: ms for the first close. */
  closeMs: number;
}

/** The whole child report. */
export interface StormReport {
  runs: StormRun[];
  /** RSS after loading everything, before any storm, MiB. */
  rssIdleMiB: number;
  errors: number;
  firstErrors: string[];
}

const MiB = 1024 * 1024;

interface Click {
  t: number;
  user: number;
  choice: number;
  repeat: boolean;
}

/**
 * Storms of daily answers through QuizEngine.action (the adapters' entry point) in the bot process:
 * a round is posted (through the Discord adapter) in a fresh channel, `users` first answers arrive
 * spread over `windowMs` plus `repeats` second clicks 20–420 ms after a user's first, dispatched
 * open-loop on schedule; then the round is closed twice.
 */
export async function runStorms(
  core: BotCore,
  redis: Redis,
  deckId: string,
  cfg: StormConfig,
  log: { errors: number; first: string[] },
  progress: (s: string) => void,
): Promise<StormReport> {
  const { keys, teamStore, daily, engine } = core;
  const team: TeamRef = { platform: 'discord', teamId: cfg.teamId };
  const storm = async (run: number, users: number, repeats: number): Promise<StormRun> => {
    const channelId = cfg.channelIds[run];
    if (!channelId) throw new Error(`no channel for storm ${run}`);
    const now = Date.now();
    await teamStore.putSchedule(team, openSchedule(channelId, deckId, now));
    const opened = await daily.openRound(team, channelId, localDate(now, 'UTC'), { now, postNow: true });
    if (opened.status !== 'posted') throw new Error(`round not opened: ${JSON.stringify(opened)}`);
    const round = await teamStore.getRound(team, opened.roundId);
    if (!round) throw new Error('round not stored');
    const n = round.order.length;
    const ids = Array.from({ length: n }, (_, c) =>
      encodeAction({ kind: 'answer', roundId: round.roundId, choice: c }),
    );
    const actors: Actor[] = Array.from({ length: users }, (_, i) => ({
      user: { platform: 'discord', userId: snowflakeUser(70 + run, i) },
      team,
      isAdmin: false,
      displayName: `user${i}`,
    }));
    const rnd = seededRandom(100 + run);
    const firsts: Click[] = actors.map((_, i) => ({
      t: rnd() * cfg.windowMs,
      user: i,
      choice: Math.floor(rnd() * n),
      repeat: false,
    }));
    const clicks: Click[] = [...firsts];
    for (let r = 0; r < repeats; r++) {
      const f = firsts[Math.floor(rnd() * users)] as Click;
      clicks.push({
        t: f.t + 20 + rnd() * 400,
        user: f.user,
        choice: rnd() < 0.5 ? f.choice : Math.floor(rnd() * n),
        repeat: true,
      });
    }
    clicks.sort((a, b) => a.t - b.t);

    let accepted = 0;
    let already = 0;
    let other = 0;
    const otherCodes = new Set<string>();
    const lat: number[] = [];
    const latFirst: number[] = [];
    const latRepeat: number[] = [];
    let maxLate = 0;
    const rssBefore = process.memoryUsage.rss();
    let rssPeak = rssBefore;
    let heapPeak = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }, 10);
    const pending: Promise<void>[] = [];
    const t0 = performance.now() + 5;
    let clickNo = 0;
    const fire = (c: Click) => {
      const due = t0 + c.t;
      // Every click is its own platform event, with its own id, as the adapters pass it.
      const actor: Actor = { ...(actors[c.user] as Actor), requestId: `r${run}c${clickNo++}` };
      maxLate = Math.max(maxLate, performance.now() - due);
      pending.push(
        engine.action(actor, ids[c.choice] as string).then((res) => {
          const ms = performance.now() - due;
          lat.push(ms);
          (c.repeat ? latRepeat : latFirst).push(ms);
          const code = res.view.code;
          if (!code && !c.repeat) accepted++;
          else if (code === 'already_answered' && c.repeat) already++;
          else {
            other++;
            otherCodes.add(`${c.repeat ? 'repeat' : 'first'}:${code ?? 'accepted'}`);
          }
        }),
      );
    };
    let i = 0;
    while (i < clicks.length) {
      const el = performance.now() - t0;
      while (i < clicks.length && (clicks[i] as Click).t <= el) fire(clicks[i++] as Click);
      if (i < clicks.length) await sleep(Math.max(0, (clicks[i] as Click).t - (performance.now() - t0)));
    }
    await Promise.all(pending);
    const spanMs = performance.now() - t0;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());

    const answers = await redis.hgetall(keys.teamAnswers(team, round.roundId));
    const stored = Object.keys(answers).length;
    const right = Object.values(answers).filter((v) => Number(v.split(':')[0]) === round.correct).length;
    const bonus = [5, 3, 1].slice(0, Math.min(3, right)).reduce((a, b) => a + b, 0);
    const boards = boardsFor(round.date).map((b) => keys.teamBoard(team, b));
    const sumBoards = async () =>
      Promise.all(
        boards.map(async (k) => {
          const flat = await redis.zrange(k, '0', '-1', 'WITHSCORES');
          let sum = 0;
          for (let j = 1; j < flat.length; j += 2) sum += Number(flat[j]);
          return sum;
        }),
      );
    // The team's boards carry earlier rounds' points: compare what each close adds.
    const before = await sumBoards();
    const tc = performance.now();
    const c1 = await daily.closeRound(team, round.roundId);
    const closeMs = performance.now() - tc;
    const afterFirst = await sumBoards();
    const c2 = await daily.closeRound(team, round.roundId);
    const afterSecond = await sumBoards();
    const pointsAfterFirst = afterFirst.map((p, i) => p - (before[i] ?? 0));
    const pointsAfterSecond = afterSecond.map((p, i) => p - (before[i] ?? 0));
    const all = summarize(lat);
    return {
      accepted,
      already,
      other,
      otherCodes: [...otherCodes],
      stored,
      right,
      expectedPoints: right * 10 + bonus,
      pointsAfterFirst,
      pointsAfterSecond,
      closes: [c1.status, c2.status],
      p50: all.p50,
      p99: all.p99,
      max: all.max,
      p99First: summarize(latFirst).p99,
      p99Repeat: summarize(latRepeat).p99,
      spanMs,
      offeredPerSecond: clicks.length / (cfg.windowMs / 1000),
      maxLateMs: maxLate,
      rssBeforeMiB: rssBefore / MiB,
      rssPeakMiB: rssPeak / MiB,
      heapPeakMiB: heapPeak / MiB,
      closeMs,
    };
  };

  progress(`storm: warm-up (${cfg.warmupUsers} users)`);
  await storm(0, cfg.warmupUsers, Math.round(cfg.warmupUsers / 5));
  const rssIdleMiB = process.memoryUsage.rss() / MiB;
  const runs: StormRun[] = [];
  for (let r = 1; r <= cfg.runs; r++) {
    progress(`storm: run ${r}/${cfg.runs}: ${cfg.users} users + ${cfg.repeats} repeated clicks`);
    runs.push(await storm(r, cfg.users, cfg.repeats));
  }
  return { runs, rssIdleMiB, errors: log.errors, firstErrors: log.first };
}
