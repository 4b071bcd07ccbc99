import type { CloseAwards, DailyRound, TeamRef } from '../src/engine/ports.js';
import { CLOSE_CHUNK } from '../src/store/redis/close.js';
import { connectRedis, waitReady } from '../src/store/redis/connect.js';
import { Keys } from '../src/store/redis/keys.js';
import { RedisTeamStore } from '../src/store/redis/team-store.js';
import type { BenchContext } from './context.js';
import { info, type SectionResult, target } from './report.js';
import { median, round } from './stats.js';

const ANSWERS = 20_000;
const TEAM: TeamRef = { platform: 'discord', teamId: 'bench-close' };
const T0 = Date.parse('2026-11-30T08:00:00Z');
const KEEP = 14 * 86_400_000;

interface CloseRun {
  ms: number;
  longestUs: number;
  redisUs: number;
  scriptCalls: number;
  calls: number;
}

/** One slowlog entry: [id, unix s, duration µs, args, ...]. */
type SlowEntry = [number, number, number, string[], ...unknown[]];

async function seed(store: RedisTeamStore, r: DailyRound): Promise<void> {
  const c = await store.claimRound(TEAM, r, {
    owner: 'b',
    now: T0,
    leaseMs: 60_000,
    maxAttempts: 3,
    keepMs: KEEP,
  });
  if (c.status !== 'claimed') throw new Error(`claim: ${c.status}`);
  const message = { channelId: r.channelId, messageId: 'm' };
  await store.recordPost(TEAM, r, {
    owner: 'b',
    attempt: c.attempt,
    message,
    resetAsked: false,
    keepMs: KEEP,
  });
  for (let from = 0; from < ANSWERS; from += 500) {
    const batch: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(ANSWERS, from + 500); i++)
      batch.push(store.answer(TEAM, r.roundId, `u${i}`, i % 3 === 0 ? 0 : 1, T0 + 1_000 + i, `User ${i}`));
    await Promise.all(batch);
  }
}

/** Section 7: closing one daily round of 20,000 answers (issue 11 item 3, issue 17 target 6). */
export async function closeSection(ctx: BenchContext): Promise<SectionResult> {
  const redis = connectRedis(ctx.url);
  await waitReady(redis);
  const runs: CloseRun[] = [];
  const saved = (await ctx.admin.config('GET', 'slowlog-*')) as string[];
  try {
    await ctx.admin.config('SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '10000');
    for (let run = 0; run < ctx.runs; run++) {
      ctx.progress.note(`close: run ${run + 1}/${ctx.runs}, seeding ${ANSWERS} answers`);
      const store = new RedisTeamStore(redis, new Keys(`bc${run}`));
      const r: DailyRound = {
        roundId: `C1-${run}`,
        channelId: 'C1',
        date: '2026-11-30',
        deckId: 'k8s',
        cardId: 'c1',
        form: 0,
        order: [0, 1, 2, 3],
        correct: 1,
        opensAt: T0,
        closesAt: T0 + 3_600_000,
        prevDate: null,
        status: 'open',
        message: null,
        revealed: false,
      };
      await seed(store, r);
      const awards: CloseAwards = {
        now: r.closesAt,
        boards: ['w:2026-W49', 'm:2026-11', 'all'],
        points: 10,
        bonus: [5, 3, 1],
        fastest: 3,
        keepMs: KEEP,
      };
      await ctx.admin.slowlog('RESET');
      const t = performance.now();
      const out = await store.closeRound(TEAM, r.roundId, awards);
      const ms = performance.now() - t;
      if (out.status !== 'closed' || out.result.answered !== ANSWERS) throw new Error(`close: ${out.status}`);
      const log = (await ctx.admin.slowlog('GET', '-1')) as SlowEntry[];
      const mine = log.filter((e) => !['slowlog', 'SLOWLOG'].includes(String(e[3][0])));
      runs.push({
        ms,
        longestUs: Math.max(...mine.map((e) => e[2])),
        redisUs: mine.reduce((s, e) => s + e[2], 0),
        scriptCalls: mine.filter((e) => /^eval/i.test(String(e[3][0]))).length,
        calls: mine.length,
      });
    }
  } finally {
    for (let i = 0; i + 1 < saved.length; i += 2)
      await ctx.admin.config('SET', saved[i] as string, saved[i + 1] as string);
    redis.disconnect();
  }
  const med = (f: (r: CloseRun) => number) => median(runs.map(f));
  const longestMs = med((r) => r.longestUs) / 1000;
  const scriptCalls = med((r) => r.scriptCalls);
  return {
    title: '7. Closing a 20,000-answer daily round',
    rows: [
      target('close: longest single Redis call, 20,000 answers', longestMs, 'ms', '<=', 50),
      info(
        'close: wall time, 20,000 answers',
        med((r) => r.ms),
        'ms',
      ),
      info('close: Redis time, all calls', med((r) => r.redisUs) / 1000, 'ms'),
      info('close: script calls (chunks of at most 2,000 answerers)', scriptCalls, 'calls'),
      info(
        'close: Redis calls in all (HSCAN reads + scripts)',
        med((r) => r.calls),
        'calls',
      ),
    ],
    notes: [
      `A close reads the answers with HSCAN (read only, ${ANSWERS} answers), ranks them in the process, ` +
        `then applies the plan with the dailyClose script in chunks of ${CLOSE_CHUNK} answerers: ` +
        `${round(scriptCalls, 0)} script calls here. Each chunk checks before it writes and moves the round's ` +
        'cursor, so a close that dies between chunks is finished by the next close and nothing is awarded twice. ' +
        'Redis time is read from SLOWLOG with `slowlog-log-slower-than 0` (per command, as Redis measures it); ' +
        'the longest call is the figure that tells how long Redis was blocked at once. Up to 2,000 answers a ' +
        'close is one script call (atomic). The script before this change failed above about 8,000 answers ' +
        '(Lua `unpack` limit) after writing points.',
    ],
  };
}
