import type { TeamRef } from '../src/engine/ports.js';
import { currentOccurrence } from '../src/engine/schedule.js';
import { connectRedis, waitReady } from '../src/store/redis/connect.js';
import { Keys } from '../src/store/redis/keys.js';
import { RedisTeamStore } from '../src/store/redis/team-store.js';
import { type Child, cleanChildren, compileChild, startChild } from './child.js';
import type { BenchContext } from './context.js';
import { openSchedule, ROOT, realDecks } from './fixtures.js';
import { startRateLimiter } from './rate-limiter.js';
import { info, type Measurement, type SectionResult, target } from './report.js';
import { median, round, sleep, spread } from './stats.js';

const PROCESSES = 3;
const PER_SECOND = 500;
const PER_GUILD = 100;
/** Scheduler work items per process: enough in flight to keep the shared rate busy. */
const CONCURRENCY = 64;
const POST = /^\/api\/v10\/channels\/\d+\/messages$/;

interface Run {
  seconds: number;
  lost: number;
  duplicates: number;
  limited: number;
  peak: number;
  perProcess: number[];
  /** POST requests the fake saw (more than the channels: retries with the same nonce). */
  requests: number;
}

/**
 * Section: one daily round to N channels by 3 shard processes at once, against a fake global
 * limit of 500 posts/s that all of them share (the issue's scale: 10,000 channels, floor 20 s).
 */
export async function sharedFanoutSection(ctx: BenchContext): Promise<SectionResult> {
  const channelsN = ctx.quick ? 1_500 : 10_000;
  const runs = Math.min(ctx.runs, ctx.quick ? 2 : 2);
  const floor = channelsN / PER_SECOND;
  const { FakeDiscord } = await import('../tests/fakes/discord/fake-discord.js');
  const { snowflake, snowflakeOnShard } = await import('../tests/fakes/discord/payloads.js');
  // Every run (and the warm-up, run 0) posts to channels of its own: a round's id (and so its
  // Discord nonce) is channel + day, and the fake, like Discord, answers a repeated nonce with the
  // earlier run's message.
  const guildsPerRun = Math.ceil(channelsN / PER_GUILD);
  const guilds = Array.from({ length: guildsPerRun * (runs + 1) }, (_, g) => {
    const inRun = g % guildsPerRun;
    return {
      // Spread over the shards, so every process owns some of the servers.
      id: snowflakeOnShard(g % PROCESSES, PROCESSES),
      name: `Bench server ${g}`,
      channels: Array.from({ length: Math.min(PER_GUILD, channelsN - inRun * PER_GUILD) }, (_, c) => ({
        id: snowflake(),
        name: `quiz-${g}-${c}`,
      })),
    };
  });
  const targetsOf = (run: number) =>
    guilds
      .slice(run * guildsPerRun, (run + 1) * guildsPerRun)
      .flatMap((g) =>
        g.channels.map((c) => ({ team: { platform: 'discord', teamId: g.id } as TeamRef, channelId: c.id })),
      );
  const redis = connectRedis(ctx.url);
  const fake = await FakeDiscord.start({ guilds, shards: PROCESSES });
  const limiter = await startRateLimiter({
    targetApiUrl: fake.apiUrl,
    perSecond: PER_SECOND,
    limited: (method, path) => method === 'POST' && POST.test(path),
  });
  const children: Child[] = [];
  try {
    await waitReady(redis);
    const deck = (await realDecks()).list().find((d) => d.cards.some((c) => c.quiz.length > 0));
    if (!deck) throw new Error('no deck with quiz questions in decks/');
    const store = new RedisTeamStore(redis, new Keys());
    const command = await compileChild('fanout-child');
    for (let shard = 0; shard < PROCESSES; shard++)
      children.push(
        startChild(
          command,
          {
            url: ctx.url,
            root: ROOT,
            apiUrl: limiter.apiUrl,
            shard,
            shards: PROCESSES,
            perSecond: PER_SECOND,
            concurrency: CONCURRENCY,
          },
          { timeoutMs: 600_000, progress: (s) => ctx.progress.step(s) },
        ),
      );
    ctx.progress.step(`shared fan-out: starting ${PROCESSES} shard processes`);
    await Promise.all(children.map((c) => c.ready));

    const results: Run[] = [];
    // Run 0 warms up (first connections, JIT, the fake's first requests) and is not counted.
    for (let run = 0; run <= runs; run++) {
      const label = `shared fan-out: ${run === 0 ? 'warm-up' : `run ${run}/${runs}`}, ${channelsN} channels, ${PROCESSES} processes`;
      ctx.progress.step(`${label}: scheduling`);
      await ctx.admin.flushall('SYNC');
      const all = targetsOf(run);
      const now = Date.now();
      for (let i = 0; i < all.length; i += 200) {
        await Promise.all(
          all.slice(i, i + 200).map(async ({ team, channelId }) => {
            const s = openSchedule(channelId, deck.id, now);
            await store.putSchedule(team, s);
            const occ = currentOccurrence(s, now);
            if (!occ) throw new Error('schedule window is not open');
            await store.setDue({ kind: 'open', team, channelId }, occ.start);
          }),
        );
      }
      while (limiter.idleMs() < 1_100) await sleep(50);
      limiter.resetCounters();
      const firstRequest = fake.requests.length;
      const before = messagesPerChannel(fake.messages.values());
      const ticker = setInterval(
        () => ctx.progress.step(`${label}: ${limiter.accepted} posted, ${limiter.limited} x 429`),
        500,
      );
      const t0 = performance.now();
      let replies: { ms: number; events: Record<string, number> }[];
      try {
        replies = await Promise.all(
          children.map((c) => c.request<{ ms: number; events: Record<string, number> }>({ op: 'tick' })),
        );
      } finally {
        clearInterval(ticker);
      }
      const seconds = (performance.now() - t0) / 1000;
      // Messages, not requests: a POST repeated with the round's nonce (discord.js retrying after
      // its 15 s request timeout on a loaded machine) gets the first message back, not a second one.
      const requests = fake.requests
        .slice(firstRequest)
        .filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path)).length;
      let lost = 0;
      let duplicates = 0;
      const after = messagesPerChannel(fake.messages.values());
      for (const { channelId } of all) {
        const n = (after.get(channelId) ?? 0) - (before.get(channelId) ?? 0);
        if (n === 0) lost++;
        if (n > 1) duplicates += n - 1;
      }
      if (run > 0)
        results.push({
          seconds,
          lost,
          duplicates,
          limited: limiter.limited,
          peak: limiter.peakPerWindow,
          perProcess: replies.map((r) => r.events.posted ?? 0),
          requests,
        });
    }
    const stats = await Promise.all(
      children.map((c) =>
        c.request<{ rssPeakMiB: number; errors: number; first: string[] }>({ op: 'stats' }),
      ),
    );
    return report(channelsN, floor, results, stats, command.how);
  } finally {
    for (const c of children) await Promise.race([c.request({ op: 'stop' }).catch(() => {}), sleep(5_000)]);
    for (const c of children) c.kill();
    cleanChildren();
    await limiter.close().catch(() => {});
    await fake.close().catch(() => {});
    redis.disconnect();
  }
}

/** Channel posts (not interaction answers) per channel, in one pass over the fake's messages. */
function messagesPerChannel(
  messages: Iterable<{ channel_id: string; webhook_id?: string; deleted: boolean }>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of messages)
    if (!m.webhook_id && !m.deleted) out.set(m.channel_id, (out.get(m.channel_id) ?? 0) + 1);
  return out;
}

function report(
  channelsN: number,
  floor: number,
  results: Run[],
  stats: { rssPeakMiB: number; errors: number; first: string[] }[],
  how: string,
): SectionResult {
  const col = (f: (r: Run) => number) => results.map(f);
  const ratios = col((r) => r.seconds / floor);
  const rows: Measurement[] = [
    target(
      'shared fan-out: channels without the post (worst run)',
      Math.max(...col((r) => r.lost)),
      'channels',
      '==',
      0,
    ),
    target(
      'shared fan-out: duplicate posts (worst run)',
      Math.max(...col((r) => r.duplicates)),
      'posts',
      '==',
      0,
    ),
    target(
      `shared fan-out: total time / rate-limit floor (${floor} s)`,
      median(ratios),
      'ratio',
      '<=',
      1.2,
      `runs ${spread(ratios, 3)}`,
    ),
    info(
      `shared fan-out: total time, ${channelsN} channels`,
      median(col((r) => r.seconds)),
      's',
      `runs ${spread(col((r) => r.seconds))}`,
    ),
    info(
      'shared fan-out: 429 answers served',
      median(col((r) => r.limited)),
      'responses',
      `runs ${spread(
        col((r) => r.limited),
        0,
      )}`,
    ),
    info(
      'shared fan-out: busiest second at the limiter',
      Math.max(...col((r) => r.peak)),
      'posts',
      `limit ${PER_SECOND}`,
    ),
    info('shared fan-out: peak RSS of one shard process', Math.max(...stats.map((s) => s.rssPeakMiB)), 'MiB'),
  ];
  const errors = stats.reduce((a, s) => a + s.errors, 0);
  const notes = [
    `**Method.** ${channelsN.toLocaleString('en-US')} channels in ${Math.ceil(channelsN / PER_GUILD)} fake Discord servers spread over ${PROCESSES} shards, each channel with a daily schedule whose window is open, indexed as due. ${PROCESSES} bot processes (bench/fanout-child.ts, ${how}), each the real discord.js client connected with its one shard of ${PROCESSES}, run one Scheduler.tick at the same moment (concurrency ${CONCURRENCY} each): the due index, leases and claims share the work out, and every post first takes a slot of the one rate all processes share in Redis (RedisRateGate, \`lua/rateSlot-1.lua\`, ${PER_SECOND}/s, as bot.ts wires it). Between the processes and the fake sits one limiter (bench/rate-limiter.ts) that all of them go through: at most ${PER_SECOND} posts in any sliding second, else a global 429 as Discord sends it. Floor: ${channelsN} / ${PER_SECOND} per s = ${floor} s. A warm-up run, then ${results.length} measured runs, each on channels of its own (a repeated round id is a repeated nonce), Redis flushed between runs; timing from the tick requests to the last process's answer.`,
    `**Checks.** Posts counted per channel from what the fake stored (POST answered 200): lost = channels without one, duplicates = posts beyond one. Posts per process: ${results.map((r) => r.perProcess.join(' / ')).join('; ')}. Per run: ${results.map((r) => `${round(r.seconds, 2)} s, ${r.requests} POSTs for ${channelsN} channels, ${r.limited} x 429, busiest second ${r.peak}`).join('; ')}.${
      errors
        ? ` Errors logged by the processes: ${errors} (${stats
            .flatMap((s) => s.first)
            .slice(0, 3)
            .join(' | ')}).`
        : ''
    }`,
  ];
  return {
    title: `Daily fan-out to ${channelsN.toLocaleString('en-US')} channels by ${PROCESSES} shard processes at ${PER_SECOND} posts/s shared`,
    rows,
    notes,
  };
}
