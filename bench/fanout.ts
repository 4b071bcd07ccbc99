import type { TeamRef } from '../src/engine/ports.js';
import { currentOccurrence } from '../src/engine/schedule.js';
import { connectRedis, waitReady } from '../src/store/redis/connect.js';
import { botCore } from './bot.js';
import type { BenchContext } from './context.js';
import { countingLogger, openSchedule, realDecks } from './fixtures.js';
import { startRateLimiter } from './rate-limiter.js';
import { info, type Measurement, type SectionResult, target } from './report.js';
import { median, round, sleep, spread } from './stats.js';

const PER_SECOND = 50;
const PER_GUILD = 100;
const POST = /^\/api\/v10\/channels\/\d+\/messages$/;

interface FanoutRun {
  seconds: number;
  posted: number;
  lost: number;
  duplicates: number;
  limited: number;
  peakPerWindow: number;
  roundsRecorded: number;
  events: Record<string, number>;
}

/** Section 5: one daily round to N channels through the fake Discord limited to 50 posts/s. */
export async function fanoutSection(ctx: BenchContext): Promise<SectionResult> {
  const channelsN = ctx.quick ? 100 : 1_000;
  const runs = Math.min(ctx.runs, 3);
  const floor = channelsN / PER_SECOND;
  const { FakeDiscord } = await import('../tests/fakes/discord/fake-discord.js');
  const { snowflake } = await import('../tests/fakes/discord/payloads.js');
  const { startDiscord } = await import('../src/adapters/discord/start.js');
  const { Scheduler } = await import('../src/scheduler/scheduler.js');

  const guilds = Array.from({ length: Math.ceil(channelsN / PER_GUILD) }, (_, g) => ({
    id: snowflake(),
    name: `Bench server ${g}`,
    channels: Array.from({ length: Math.min(PER_GUILD, channelsN - g * PER_GUILD) }, (_, c) => ({
      id: snowflake(),
      name: `quiz-${g}-${c}`,
    })),
  }));
  const all = guilds.flatMap((g) =>
    g.channels.map((c) => ({ team: { platform: 'discord', teamId: g.id } as TeamRef, channelId: c.id })),
  );
  const redis = connectRedis(ctx.url);
  const log = countingLogger();
  const fake = await FakeDiscord.start({ guilds });
  const limiter = await startRateLimiter({
    targetApiUrl: fake.apiUrl,
    perSecond: PER_SECOND,
    limited: (method, path) => method === 'POST' && POST.test(path),
  });
  let adapter: Awaited<ReturnType<typeof startDiscord>> | undefined;
  try {
    await waitReady(redis);
    const decks = await realDecks();
    const deck = decks.list().find((d) => d.cards.some((c) => c.quiz.length > 0));
    if (!deck) throw new Error('no deck with quiz questions in decks/');
    const core = botCore(redis, decks, log);
    adapter = await startDiscord({
      token: 'bench-token',
      apiUrl: limiter.apiUrl,
      engine: core.engine,
      log,
      registerCommands: false,
      readyTimeoutMs: 20_000,
    });
    core.chats.set('discord', adapter.chat);

    const results: FanoutRun[] = [];
    for (let run = 1; run <= runs; run++) {
      const label = `fan-out: run ${run}/${runs}, ${channelsN} channels`;
      ctx.progress.step(`${label}: scheduling`);
      await ctx.admin.flushall('SYNC');
      const now = Date.now();
      for (let i = 0; i < all.length; i += 100) {
        await Promise.all(
          all.slice(i, i + 100).map(async ({ team, channelId }) => {
            const s = openSchedule(channelId, deck.id, now);
            await core.teamStore.putSchedule(team, s);
            const occ = currentOccurrence(s, now);
            if (!occ) throw new Error('schedule window is not open');
            await core.teamStore.setDue({ kind: 'open', team, channelId }, occ.start);
          }),
        );
      }
      // Start each run with an empty limit window, as a quiet bot would.
      while (limiter.idleMs() < 1_100) await sleep(50);
      limiter.resetCounters();
      const events: Record<string, number> = {};
      const scheduler = new Scheduler({
        store: core.teamStore,
        daily: core.daily,
        clock: { now: () => Date.now() },
        log,
        onEvent: (e) => {
          events[e.type] = (events[e.type] ?? 0) + 1;
        },
      });
      const firstRequest = fake.requests.length;
      const ticker = setInterval(
        () => ctx.progress.step(`${label}: ${limiter.accepted} posted, ${limiter.limited} x 429`),
        500,
      );
      const t0 = performance.now();
      try {
        await scheduler.tick(Date.now());
      } finally {
        clearInterval(ticker);
      }
      const seconds = (performance.now() - t0) / 1000;
      const perChannel = new Map<string, number>();
      for (const r of fake.requests.slice(firstRequest)) {
        const m = /^\/channels\/(\d+)\/messages$/.exec(r.path);
        if (r.method === 'POST' && m?.[1] && r.status === 200)
          perChannel.set(m[1], (perChannel.get(m[1]) ?? 0) + 1);
      }
      let lost = 0;
      let duplicates = 0;
      for (const { channelId } of all) {
        const n = perChannel.get(channelId) ?? 0;
        if (n === 0) lost++;
        if (n > 1) duplicates += n - 1;
      }
      let roundsRecorded = 0;
      for (const g of guilds)
        roundsRecorded += (await core.teamStore.openRounds({ platform: 'discord', teamId: g.id })).length;
      results.push({
        seconds,
        posted: [...perChannel.values()].reduce((a, b) => a + b, 0),
        lost,
        duplicates,
        limited: limiter.limited,
        peakPerWindow: limiter.peakPerWindow,
        roundsRecorded,
        events,
      });
    }

    const col = (f: (r: FanoutRun) => number) => results.map(f);
    const ratios = col((r) => r.seconds / floor);
    const rows: Measurement[] = [
      target(
        'fan-out: channels without the post (worst run)',
        Math.max(...col((r) => r.lost)),
        'channels',
        '==',
        0,
      ),
      target('fan-out: duplicate posts (worst run)', Math.max(...col((r) => r.duplicates)), 'posts', '==', 0),
      target(
        `fan-out: total time / rate-limit floor (${floor} s)`,
        median(ratios),
        'ratio',
        '<=',
        1.2,
        `runs ${spread(ratios, 3)}`,
      ),
      info(
        `fan-out: total time, ${channelsN} channels`,
        median(col((r) => r.seconds)),
        's',
        `runs ${spread(col((r) => r.seconds))}`,
      ),
      info(
        `fan-out: total time / strict minimum (${(channelsN - PER_SECOND) / PER_SECOND} s: the first ${PER_SECOND} go at once)`,
        median(col((r) => r.seconds / ((channelsN - PER_SECOND) / PER_SECOND))),
        'ratio',
      ),
      info(
        'fan-out: 429 answers served',
        median(col((r) => r.limited)),
        'responses',
        `runs ${spread(
          col((r) => r.limited),
          0,
        )}`,
      ),
      target(
        'fan-out: rounds recorded as posted in Redis (worst run)',
        Math.min(...col((r) => r.roundsRecorded)),
        'rounds',
        '==',
        channelsN,
      ),
    ];
    const evs = results.map((r) =>
      Object.entries(r.events)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    );
    const notes = [
      `**Method.** ${channelsN.toLocaleString('en-US')} channels in ${guilds.length} fake Discord server(s) (${PER_GUILD} channels each), each with a daily schedule whose window is open, indexed as due. One Scheduler.tick — the production path: due index, lease, per-round claim, DailyService.openRound, DiscordChatPort.post through the real discord.js REST client, record — posts them all. Between discord.js and the fake sits a limiter (bench/rate-limiter.ts) enforcing Discord's global limit on message posts: at most ${PER_SECOND} in any sliding second, else a 429 exactly as Discord sends it (retry_after, Retry-After, X-RateLimit-Global, X-RateLimit-Scope: global), not forwarded. discord.js paces itself to 50 requests/s and waits out 429s. Floor, as the issue sets it: ${channelsN} / ${PER_SECOND} per s = ${floor} s; under a sliding one-second window the first ${PER_SECOND} posts may go at once, so the strict minimum is ${(channelsN - PER_SECOND) / PER_SECOND} s (also reported). ${results.length} runs, Redis flushed between runs; timing is the whole tick.`,
      `**Checks.** Posts are counted from what the fake stored (POST /channels/:id/messages answered 200) per channel: lost = channels with none, duplicates = posts beyond one per channel; rounds recorded = open rounds in Redis after the tick. The limiter's busiest second let through ${Math.max(...col((r) => r.peakPerWindow))} posts. Scheduler events per run: ${evs.join(' | ')}.${log.errors ? ` Errors logged: ${log.errors} (${log.first.join(' | ')}).` : ''}`,
      `Per run: ${results.map((r) => `${round(r.seconds, 2)} s, ${r.limited} x 429`).join('; ')}. discord.js keeps its own fixed one-second window of 50 requests, started by its first request, and adds a 50 ms offset to every wait; the limiter's window slides, so when the two disagree a few posts get a 429 and wait out retry_after (they are retried, never lost), which is what the runs with 429s above cost.`,
    ];
    return {
      title: `5. Daily fan-out to ${channelsN.toLocaleString('en-US')} channels at ${PER_SECOND} posts/s`,
      rows,
      notes,
    };
  } finally {
    await adapter?.stop().catch(() => {});
    await limiter.close().catch(() => {});
    await fake.close().catch(() => {});
    redis.disconnect();
  }
}
