import { loadavg } from 'node:os';
import { startBareRig } from './bare-rig.js';
import { SLACK_SECRET, startBotRig } from './bot-rig.js';
import type { Child } from './child.js';
import type { BenchContext } from './context.js';
import {
  alternate,
  type Burst,
  bareDiscordBurst,
  bareSlackBurst,
  botDiscordBurst,
  botSlackBurst,
  CLICKS,
  type Rounds,
  type SlackSide,
  stampResponses,
} from './e2e-bursts.js';
import {
  PLATFORM_LIMIT_MS,
  pairedRows,
  pipeliningRows,
  profileNote,
  RATIO_TARGET,
  rowsOf,
} from './e2e-rows.js';
import { realDecks } from './fixtures.js';
import type { ProfileSummary } from './profile.js';
import { info, type Measurement, notMeasured, type SectionResult } from './report.js';
import { median, summarize } from './stats.js';

/**
 * Warm-up rounds (p99 and CPU per burst keep falling over the first bursts of every process; see
 * `alternate`) and recorded rounds: at least 6 pairs quick and 12 full, since a single pair moves
 * by a factor of 2 or more on a loaded machine.
 */
function rounds(ctx: BenchContext): Rounds {
  return {
    warmups: ctx.quick ? 3 : 4,
    maxWarmups: ctx.quick ? 10 : 16,
    runs: Math.max(ctx.quick ? 6 : 12, ctx.runs),
  };
}

/** Bursts of each process under the CPU profiler, alternated as the measured ones. */
const PROFILED = (() => {
  const n = Number(process.env.BENCH_PROFILED_BURSTS || 3);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`BENCH_PROFILED_BURSTS must be a whole number >= 1, not ${n}`);
  return n;
})();

/**
 * Profiles the bot and the baseline (each in its own process) over {@link PROFILED} more bursts
 * each, alternated, so both profiles see the same machine; the profilers stop even when a burst fails.
 */
async function profiled(
  bot: Child,
  bare: Child | undefined,
  burst: (i: number, last: Burst | undefined) => Promise<Burst>,
  bareBurst: ((i: number, last: Burst) => Promise<Burst>) | undefined,
): Promise<[ProfileSummary | undefined, ProfileSummary | undefined]> {
  const both = bare && bareBurst ? [bot, bare] : [bot];
  for (const c of both) await c.request({ op: 'profileStart' });
  const failed = await (async () => {
    let last: Burst | undefined;
    for (let i = 0; i < PROFILED; i++) {
      last = await burst(i, last);
      if (bareBurst) await bareBurst(i, last);
    }
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  const out = [];
  for (const c of both)
    out.push((await c.request<{ summary?: ProfileSummary }>({ op: 'profileStop' })).summary);
  if (failed) throw failed;
  return [out[0], out[1]];
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

const DISCORD_METHOD =
  "The fake Discord (bench process) dispatches INTERACTION_CREATE over its gateway WebSocket to the real discord.js client in the bot process (startDiscord, the adapter as shipped); latency is the fake's record from dispatch to the interaction callback (type 4, ephemeral reply) arriving at its REST endpoint";
const DISCORD_HTTP_METHOD =
  "A second fake Discord (bench process; another application, same server and channels) has the bot's interactions endpoint as its Interactions Endpoint URL (startDiscordHttp, DISCORD_MODE=http, in the same bot process): it POSTs each INTERACTION_CREATE payload, Ed25519-signed with its key, to POST /discord/interactions (Node's fetch, keep-alive pool) and takes the HTTP response as the callback, as Discord does; latency is the fake's record from just before the signed POST to the response arriving. The daily round of these bursts is posted through that application's REST, so the clicked message is its own";
const SLACK_METHOD =
  "Slack's side (bench process) is the project's signer: form-encoded `payload`, v0 HMAC-SHA256 signature, current timestamp, posted to the real Bolt app (startSlack, HTTP mode) in the bot process on POST /slack/events; Bolt acks, the handler runs the engine and answers privately on the response_url, which the fake Slack serves. Latency is from just before the signed request is sent to the response_url post arriving at the fake (performance.now, one process)";
const BARE_DISCORD = 'a bare discord.js client';
const BARE_SLACK = 'a bare Bolt app';

/** What the parts of the section add to it; profiles run last, after the RSS reading. */
interface Out {
  rows: Measurement[];
  notes: string[];
  profiles: (() => Promise<void>)[];
}

type BotRig = Awaited<ReturnType<typeof startBotRig>>;
type BareRig = Awaited<ReturnType<typeof startBareRig>>;

/** Discord through the gateway: quizbot and the bare client, burst for burst. */
async function discordPart(
  ctx: BenchContext,
  rig: BotRig,
  bare: BareRig | undefined,
  deckId: string,
  out: Out,
) {
  const fake = rig.fakeDiscord as NonNullable<BotRig['fakeDiscord']>;
  const bareFake = bare?.fakeDiscord;
  const { maxWarmups, runs } = rounds(ctx);
  const ch = (i: number) => (rig.guild.channels[i] as { id: string }).id;
  const team = (run: number) => ({
    teamId: rig.guild.id,
    channelId: ch(run),
    deckId,
    via: 'gateway' as const,
  });
  // The baseline clicks a copy of the message the bot clicked last (this round or, bot second, the one before).
  let clicked: unknown;
  const botBurst = async (run: number) => {
    const b = await botDiscordBurst(ctx, rig.bot, fake, team(run), run);
    clicked = b.clicked;
    return b;
  };
  const variants = [{ name: 'quizbot', burst: botBurst }];
  if (bare && bareFake)
    variants.push({
      name: BARE_DISCORD,
      burst: (run) => bareDiscordBurst(bare.bare, bareFake, ch(run), run, clicked),
    });
  const first = load();
  const got = await alternate(ctx, 'e2e discord', variants, rounds(ctx));
  const [bot = [], bareBursts] = got.bursts;
  const r = rowsOf('discord', bot, DISCORD_METHOD, got.warmed);
  out.rows.push(...r.rows);
  out.notes.push(r.note);
  if (bareBursts) {
    const p = pairedRows('discord', bot, bareBursts, BARE_DISCORD, `${first}; ${load()}`);
    out.rows.push(...p.rows);
    out.notes.push(p.note);
  }
  out.profiles.push(async () => {
    const n = maxWarmups + runs;
    ctx.progress.step(`e2e discord: ${PROFILED} profiled bursts each (quizbot, the bare client, ...)`);
    const [mine, theirs] = await profiled(
      rig.bot,
      bare?.bare,
      (i) => botDiscordBurst(ctx, rig.bot, fake, team(n + i), n + i),
      bare &&
        bareFake &&
        ((i, last) => bareDiscordBurst(bare.bare, bareFake, ch(n + i), n + i, last.clicked)),
    );
    out.notes.push(profileNote('discord', mine, theirs, BARE_DISCORD, PROFILED));
  });
}

/** Discord's HTTP interactions endpoint (second application): quizbot alone, as before. */
async function discordHttpPart(ctx: BenchContext, rig: BotRig, deckId: string, out: Out) {
  const fake = rig.fakeDiscordHttp as NonNullable<BotRig['fakeDiscordHttp']>;
  const { maxWarmups, runs } = rounds(ctx);
  // Rounds are per channel and day: the HTTP application's bursts use the second half of the channels.
  const offset = maxWarmups + runs + PROFILED;
  const burst = (run: number) =>
    botDiscordBurst(
      ctx,
      rig.bot,
      fake,
      {
        teamId: rig.guild.id,
        channelId: (rig.guild.channels[run + offset] as { id: string }).id,
        deckId,
        via: 'http',
      },
      run,
    );
  const got = await alternate(ctx, 'e2e discord (http)', [{ name: 'quizbot', burst }], rounds(ctx));
  const bursts = got.bursts[0] ?? [];
  const r = rowsOf('discord-http', bursts, DISCORD_HTTP_METHOD, got.warmed);
  out.rows.push(...r.rows);
  out.notes.push(r.note);
  const gw = out.rows.find((m) => m.name === p99Name('discord'))?.value;
  const http = median(bursts.map((b) => summarize(b.lat).p99));
  if (typeof gw === 'number' && gw > 0)
    out.rows.push(info('e2e discord: p99 HTTP endpoint / p99 gateway (same run)', http / gw, 'x'));
}

/** Slack: quizbot, the bare Bolt app and quizbot with ioredis auto-pipelining, burst for burst. */
async function slackPart(
  ctx: BenchContext,
  rig: BotRig,
  bare: BareRig | undefined,
  deckId: string,
  out: Out,
) {
  const { SlackSender } = await import('../tests/fakes/slack/signer.js');
  const fake = rig.fakeSlack as NonNullable<BotRig['fakeSlack']>;
  const arrived = stampResponses(fake);
  const side = (port: number): SlackSide => ({
    fake,
    arrived,
    sender: new SlackSender(`http://127.0.0.1:${port}/slack/events`, SLACK_SECRET),
  });
  const mine = side(rig.slackPort as number);
  const theirs = bare?.slackPort ? side(bare.slackPort) : undefined;
  const { maxWarmups, runs } = rounds(ctx);
  const pipelined = async (run: number) => {
    await rig.bot.request({ op: 'autoPipelining', on: true });
    try {
      return await botSlackBurst(ctx, rig.bot, mine, deckId, `C0PIPE${run}`);
    } finally {
      await rig.bot.request({ op: 'autoPipelining', on: false });
    }
  };
  // The baseline presses the buttons the bot pressed last (this round or the one before).
  let clicked: unknown;
  const botBurst = async (run: number) => {
    const b = await botSlackBurst(ctx, rig.bot, mine, deckId, `C0BENCH${run}`);
    clicked = b.clicked;
    return b;
  };
  const variants = [{ name: 'quizbot', burst: botBurst }];
  if (bare && theirs)
    variants.push({ name: BARE_SLACK, burst: (run) => bareSlackBurst(bare.bare, theirs, run, clicked) });
  variants.push({ name: 'quizbot, ioredis auto-pipelining', burst: pipelined });
  const first = load();
  const { bursts, warmed } = await alternate(ctx, 'e2e slack', variants, rounds(ctx));
  const bot = bursts[0] ?? [];
  const r = rowsOf('slack', bot, SLACK_METHOD, warmed);
  out.rows.push(...r.rows);
  out.notes.push(r.note);
  if (theirs) {
    const p = pairedRows('slack', bot, bursts[1] ?? [], BARE_SLACK, `${first}; ${load()}`);
    out.rows.push(...p.rows);
    out.notes.push(p.note);
  }
  out.rows.push(...pipeliningRows(bot, bursts.at(-1) ?? []));
  out.notes.push(
    "**slack: ioredis auto-pipelining, A/B.** A third burst in every round goes to the same bot process with ioredis's `enableAutoPipelining` switched on for that burst only (the option is read per command); its p99 and CPU time are paired with the plain burst of the same round. Production keeps the option off (src/store/redis/connect.ts) unless these rows show a clear gain.",
  );
  out.profiles.push(async () => {
    const n = maxWarmups + runs;
    ctx.progress.step(`e2e slack: ${PROFILED} profiled bursts each (quizbot, the bare app, ...)`);
    const [a, b] = await profiled(
      rig.bot,
      bare?.bare,
      (i) => botSlackBurst(ctx, rig.bot, mine, deckId, `C0PROF${n + i}`),
      bare && theirs && ((i, last) => bareSlackBurst(bare.bare, theirs, n + i, last.clicked)),
    );
    out.notes.push(profileNote('slack', a, b, BARE_SLACK, PROFILED));
  });
}

const p99Name = (p: string) => `e2e ${p}: p99 platform event -> bot's answer, ${CLICKS} concurrent`;

/** Section 4: end to end through the real discord.js client and the real Bolt app, in a bot process, beside bare ones. */
export async function e2eSection(ctx: BenchContext): Promise<SectionResult> {
  const decks = await realDecks();
  const deck = decks.list().find((d) => d.cards.some((c) => c.quiz.length > 0));
  if (!deck) throw new Error('no deck with quiz questions in decks/');
  const out: Out = { rows: [], notes: [], profiles: [] };
  const { maxWarmups, runs } = rounds(ctx);
  const childMs = ctx.quick ? 170_000 : 420_000;
  ctx.progress.step('e2e: starting the fakes, the bot process and the bare process');
  const rig = await startBotRig(ctx, 2 * (maxWarmups + runs + PROFILED) + 1, childMs);
  let { discordSkip, slackSkip, discordHttpSkip } = rig;
  let bare: BareRig | undefined;
  let bareSkip: string | undefined;
  try {
    bare = await startBareRig(ctx, {
      guild: rig.fakeDiscord && !discordSkip ? rig.guild : undefined,
      slackApiUrl: rig.fakeSlack && !slackSkip ? rig.fakeSlack.apiUrl : undefined,
      slackSecret: SLACK_SECRET,
      timeoutMs: childMs,
    }).catch((err: Error) => {
      bareSkip = err.message.split('\n')[0];
      return undefined;
    });
    const guard = async (part: () => Promise<void>): Promise<string | undefined> =>
      part().then(
        () => undefined,
        (err: Error) => err.message.split('\n')[0],
      );
    if (rig.fakeDiscord && !discordSkip)
      discordSkip = await guard(() => discordPart(ctx, rig, bare, deck.id, out));
    if (rig.fakeDiscordHttp && !discordHttpSkip)
      discordHttpSkip = await guard(() => discordHttpPart(ctx, rig, deck.id, out));
    if (rig.fakeSlack && !slackSkip && rig.slackPort)
      slackSkip = await guard(() => slackPart(ctx, rig, bare, deck.id, out));
    await processStats(rig, bare, out);
    // Profiles last: the profiler's own memory must not count in the RSS above.
    for (const p of out.profiles) await p();
  } finally {
    await bare?.close();
    await rig.close();
  }
  const { rows, notes } = out;
  if (discordSkip) {
    rows.unshift(notMeasured(p99Name('discord'), 'ms', discordSkip, '<= 100'));
    notes.unshift(`**discord: not measured.** ${discordSkip}`);
  }
  if (discordHttpSkip) {
    rows.push(notMeasured(p99Name('discord-http'), 'ms', discordHttpSkip, '<= 100'));
    notes.push(`**discord-http: not measured.** ${discordHttpSkip}`);
  }
  if (slackSkip) {
    rows.push(notMeasured(p99Name('slack'), 'ms', slackSkip, '<= 100'));
    notes.push(`**slack: not measured.** ${slackSkip}`);
  }
  if (bareSkip) notes.push(`**The bare baseline did not start**, so no ratio was measured: ${bareSkip}.`);
  notes.push(
    `The bot (Redis stores, engine, both adapters) runs in its own process (bench/bot-child.ts, ${rig.how}); the bare baseline in another (bench/bare-child.ts, compiled the same way): a discord.js client built with the adapter's client options that answers every click with \`interaction.reply\` of one constant ephemeral message, and a Bolt app built with the adapter's HTTP-mode options (signing secret, \`processBeforeResponse: false\`, deferred auth.test, no conversation store, the same Web API client options) that \`ack()\`s and answers every action with Bolt's \`respond()\` on its response_url, one constant ephemeral message, as the adapter does. The baseline's Discord is a second instance of the same fake (one instance sends every interaction to every gateway session); its Slack is the bot's own fake (it only serves auth.test and the response_urls). The fakes and the load run in the bench process — all of it, and redis-server, shares the machine's 2 cores. Both platforms allow ${PLATFORM_LIMIT_MS.toLocaleString('en-US')} ms before an interaction fails (the sanity bound); the absolute target is 100 ms and the ratio target ${RATIO_TARGET}x the bare baseline in the same run. The clicks are daily-quiz answers (one engine call, one Redis round trip each), the answer a private right/wrong reply with the explanation; all ${CLICKS} clicks of a burst are sent at once, so the p99 is the time to drain the whole burst.`,
  );
  return { title: '4. End to end through the real clients', rows, notes };
}

/** Peak RSS of the bot and the baseline during the bursts, and the bot's logged errors. */
async function processStats(rig: BotRig, bare: BareRig | undefined, out: Out): Promise<void> {
  type Stats = { rssPeakMiB: number; errors: number; first?: string[] };
  if (rig.bot.proc.exitCode === null) {
    const stats = await rig.bot.request<Stats>({ op: 'stats' });
    out.rows.push(
      info('e2e: bot process RSS, adapters connected, during the bursts (peak)', stats.rssPeakMiB, 'MiB'),
    );
    if (stats.errors)
      out.notes.push(`Errors logged by the bot: ${stats.errors} (${stats.first?.join(' | ')}).`);
  }
  if (bare && bare.bare.proc.exitCode === null) {
    const stats = await bare.bare.request<Stats>({ op: 'stats' });
    out.rows.push(info('e2e: bare baseline process RSS during the bursts (peak)', stats.rssPeakMiB, 'MiB'));
    if (stats.errors) out.notes.push(`Answers the bare baseline failed to send: ${stats.errors}.`);
  }
}
