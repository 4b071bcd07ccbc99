import { Keys } from '../src/store/redis/keys.js';
import type { FakeDiscord } from '../tests/fakes/discord/fake-discord.js';
import type { FakeSlack } from '../tests/fakes/slack/fake-slack.js';
import { SLACK_SECRET, SLACK_TEAM, startBotRig } from './bot-rig.js';
import type { Child } from './child.js';
import type { BenchContext } from './context.js';
import { realDecks } from './fixtures.js';
import { describeProfile, type ProfileSummary } from './profile.js';
import { info, type Measurement, notMeasured, type SectionResult, target } from './report.js';
import { median, round, sleep, spread, summarize } from './stats.js';

const CLICKS = 200;
const RIGHT_OR_WRONG = /Right|Not quite/;

/** One burst of clicks on one freshly posted round. */
interface Burst {
  /** Event-to-answer latencies, ms. */
  lat: number[];
  /** Clicks answered as expected (a private right/wrong reply). */
  ok: number;
  /** Answers recorded in Redis for the round. */
  stored: number;
  /** First unexpected answer, if any. */
  oddity?: string;
  /** Slack only: request to Bolt's HTTP 200 ack, ms. */
  ack?: number[];
}

type Opened = { roundId: string; messageId: string };

/**
 * 200 concurrent button clicks, dispatched by the fake Discord to the bot's real discord.js client:
 * over the gateway, or (`via: 'http'`) POSTed signed to the bot's interactions endpoint.
 */
async function discordBursts(
  ctx: BenchContext,
  bot: Child,
  fake: FakeDiscord,
  guild: { id: string; channels: { id: string }[] },
  deckId: string,
  which: 'measure' | 'profile',
  via: 'gateway' | 'http' = 'gateway',
): Promise<{ bursts: Burst[]; summary: ProfileSummary | undefined }> {
  const keys = new Keys();
  const bursts: Burst[] = [];
  let summary: ProfileSummary | undefined;
  // Measured: a warm-up burst, then the runs. Profiled: one more burst on a fresh round, after them.
  const [from, to] = which === 'profile' ? [ctx.runs + 1, ctx.runs + 1] : [0, ctx.runs];
  for (let run = from; run <= to; run++) {
    const profiled = which === 'profile';
    const what = run === 0 ? 'warm-up' : profiled ? 'profiled burst' : `run ${run}/${ctx.runs}`;
    ctx.progress.step(`e2e discord (${via}): ${what}: ${CLICKS} concurrent clicks`);
    if (profiled) await bot.request({ op: 'profileStart' });
    // Rounds are per channel and day: the HTTP application's bursts use the second half of the channels.
    const offset = via === 'http' ? ctx.runs + 2 : 0;
    const channelId = (guild.channels[run + offset] as { id: string }).id;
    const opened = await bot.request<Opened>({
      op: 'open',
      platform: 'discord',
      teamId: guild.id,
      channelId,
      deckId,
      via,
    });
    const msg = fake.message(opened.messageId);
    const ids = (msg.components as { components?: { custom_id?: string }[] }[]).flatMap((row) =>
      (row.components ?? []).map((b) => String(b.custom_id)),
    );
    if (ids.length === 0) throw new Error('the daily post has no buttons');
    const users = Array.from({ length: CLICKS }, (_, i) => fake.user(`r${run}u${i}`));
    // All dispatched in the same tick: the INTERACTION_CREATE frames go out back to back.
    const results = await Promise.all(
      users.map((user, i) => fake.click({ message: msg.id, customId: ids[i % ids.length] as string, user })),
    );
    let ok = 0;
    let oddity: string | undefined;
    for (const r of results) {
      if (r.callbackType === 4 && r.ephemeral && RIGHT_OR_WRONG.test(r.text)) ok++;
      else oddity ??= `callback ${r.callbackType}, ephemeral ${r.ephemeral}: ${r.text.slice(0, 120)}`;
    }
    if (profiled) {
      summary = (await bot.request<{ summary: ProfileSummary }>({ op: 'profileStop' })).summary;
      continue;
    }
    const stored = await ctx.admin.hlen(
      keys.teamAnswers({ platform: 'discord', teamId: guild.id }, opened.roundId),
    );
    if (run > 0) bursts.push({ lat: results.map((r) => r.ackMs), ok, stored, ...(oddity ? { oddity } : {}) });
  }
  return { bursts, summary };
}

/** 200 signed block_actions posted to the bot's Bolt app, answered on response_urls the fake Slack serves. */
async function slackBursts(
  ctx: BenchContext,
  bot: Child,
  fake: FakeSlack,
  port: number,
  deckId: string,
  which: 'measure' | 'profile',
): Promise<{ bursts: Burst[]; summary: ProfileSummary | undefined }> {
  const { SlackSender, blockActionsPayload } = await import('../tests/fakes/slack/signer.js');
  const { buttons } = await import('../tests/e2e/slack/rig.js');
  const keys = new Keys();
  const sender = new SlackSender(`http://127.0.0.1:${port}/slack/events`, SLACK_SECRET);
  // The fake records response_url posts in an array: stamp each one as it arrives.
  const arrived = new Map<string, number>();
  const responses = fake.responses;
  const push = responses.push.bind(responses);
  responses.push = (...items) => {
    const at = performance.now();
    for (const it of items) if (!arrived.has(it.id)) arrived.set(it.id, at);
    return push(...items);
  };
  const bursts: Burst[] = [];
  let summary: ProfileSummary | undefined;
  // Measured: a warm-up burst, then the runs. Profiled: one more burst on a fresh round, after them.
  const [from, to] = which === 'profile' ? [ctx.runs + 1, ctx.runs + 1] : [0, ctx.runs];
  for (let run = from; run <= to; run++) {
    const profiled = which === 'profile';
    const what = run === 0 ? 'warm-up' : profiled ? 'profiled burst' : `run ${run}/${ctx.runs}`;
    ctx.progress.step(`e2e slack: ${what}: ${CLICKS} signed actions`);
    if (profiled) await bot.request({ op: 'profileStart' });
    const channel = `C0BENCH${run}`;
    const opened = await bot.request<Opened>({
      op: 'open',
      platform: 'slack',
      teamId: SLACK_TEAM,
      channelId: channel,
      deckId,
    });
    const ts = opened.messageId;
    const btns = buttons(fake.messages.get(`${channel}:${ts}`)?.blocks);
    if (btns.length === 0) throw new Error('the daily post has no buttons');
    const sent = new Map<string, number>();
    const statuses: number[] = [];
    const acks: number[] = [];
    await Promise.all(
      Array.from({ length: CLICKS }, async (_, i) => {
        const b = btns[i % btns.length] as (typeof btns)[number];
        const url = fake.responseUrl();
        const payload = blockActionsPayload({
          user_id: `U0R${run}X${i}`,
          team_id: SLACK_TEAM,
          action_id: b.actionId,
          value: b.value,
          response_url: url.url,
          channel_id: channel,
          message_ts: ts,
        });
        sent.set(url.id, performance.now());
        const res = await sender.interactive(payload);
        statuses.push(res.status);
        acks.push(res.ms);
      }),
    );
    const until = Date.now() + 10_000;
    while ([...sent.keys()].some((id) => !arrived.has(id)) && Date.now() < until) await sleep(5);
    const lat: number[] = [];
    let ok = 0;
    let oddity: string | undefined;
    for (const [id, t] of sent) {
      const at = arrived.get(id);
      const posts = fake.responsesTo(id);
      const body = posts[0]?.body as { response_type?: string } | undefined;
      if (at !== undefined) lat.push(at - t);
      const good =
        posts.length === 1 &&
        body?.response_type === 'ephemeral' &&
        RIGHT_OR_WRONG.test(JSON.stringify(body));
      if (at !== undefined && good) ok++;
      else oddity ??= `${posts.length} response(s): ${JSON.stringify(body ?? null).slice(0, 160)}`;
    }
    if (profiled) {
      summary = (await bot.request<{ summary: ProfileSummary }>({ op: 'profileStop' })).summary;
      continue;
    }
    const bad = statuses.filter((s) => s !== 200).length;
    if (bad) oddity ??= `Bolt answered ${bad} requests with a status other than 200`;
    const stored = await ctx.admin.hlen(
      keys.teamAnswers({ platform: 'slack', teamId: SLACK_TEAM }, opened.roundId),
    );
    if (run > 0)
      bursts.push({ lat, ok: Math.min(ok, CLICKS - bad), stored, ack: acks, ...(oddity ? { oddity } : {}) });
  }
  return { bursts, summary };
}

function rowsOf(
  platform: string,
  out: { bursts: Burst[]; summary: ProfileSummary | undefined },
  method: string,
): { rows: Measurement[]; note: string } {
  const bursts = out.bursts;
  const p99s = bursts.map((b) => summarize(b.lat).p99);
  const p50s = bursts.map((b) => summarize(b.lat).p50);
  const maxs = bursts.map((b) => summarize(b.lat).max);
  const oddities = bursts.flatMap((b) => (b.oddity ? [b.oddity] : []));
  const rows = [
    target(
      `e2e ${platform}: p99 platform event -> bot's answer, ${CLICKS} concurrent`,
      median(p99s),
      'ms',
      '<=',
      100,
      `runs ${spread(p99s, 1)}`,
    ),
    info(`e2e ${platform}: p50 platform event -> bot's answer`, median(p50s), 'ms'),
    info(`e2e ${platform}: slowest answer`, median(maxs), 'ms', `runs ${spread(maxs, 1)}`),
    target(
      `e2e ${platform}: clicks answered privately right/wrong (worst run)`,
      Math.min(...bursts.map((b) => b.ok)),
      'clicks',
      '==',
      CLICKS,
    ),
    target(
      `e2e ${platform}: answers recorded (worst run)`,
      Math.min(...bursts.map((b) => b.stored)),
      'answers',
      '==',
      CLICKS,
    ),
  ];
  const ackP99 = bursts.filter((b) => b.ack).map((b) => summarize(b.ack ?? []).p99);
  if (ackP99.length)
    rows.push(info(`e2e ${platform}: p99 request -> Bolt's HTTP 200 ack`, median(ackP99), 'ms'));
  let note = `**${platform}.** ${method}. ${bursts.length} runs of ${CLICKS} clicks by ${CLICKS} distinct users on a freshly posted daily round, after one warm-up burst. p99 per run: ${p99s.map((x) => round(x, 1)).join(', ')} ms; p50 ${p50s.map((x) => round(x, 1)).join(', ')} ms.${oddities.length ? ` Unexpected answers: ${oddities[0]}.` : ''}`;
  const p99 = median(p99s);
  if (p99 > 100) {
    const perAction = p99 / CLICKS;
    note += ` **Why over 100 ms:** the ${CLICKS} clicks arrive at once and the p99 is the time to drain all of them, about ${round(perAction, 2)} ms per click end to end on this machine, with the platform side (${platform === 'slack' ? 'signing and sending the 200 requests, receiving the 200 response_url posts' : platform === 'discord-http' ? 'signing and POSTing the 200 requests, reading the 200 responses' : 'the fake gateway and REST'}) and redis-server on the same 2 cores.`;
    if (platform === 'discord')
      note += ` The bot-side profile below puts the time in discord.js (building each interaction, its callback request through undici) and garbage collection rather than in quizbot's engine or Redis (one round trip per answer). What would close it: fewer allocations per interaction in the adapter path, or more processes sharing the gateway (discord.js sharding across processes, which the README says still needs work), which spreads a burst over more cores.`;
    if (ackP99.length)
      note += ` Bolt acknowledges the burst first (ack p99 ${round(median(ackP99), 1)} ms) and the private answers follow (p50 ${round(median(p50s), 1)} ms, close to the p99): each action costs the bot an inbound HTTP request (parse, signature check, Bolt's middleware chain) and an outbound HTTP POST to its response_url, and the profile below puts the time in Node's HTTP stack, Bolt/axios and GC rather than in quizbot's engine or Redis. What would close it: Socket Mode (one WebSocket, no HTTP server work per action, as Discord's gateway delivers interactions), a keep-alive agent for the response_url posts, or a second replica behind the HTTP endpoint (the delivery guard and the engine's first-answer-wins script already make that safe).`;
  }
  return { rows, note };
}

/** Section 4: end to end through the real discord.js client and the real Bolt app, in a bot process. */
export async function e2eSection(ctx: BenchContext): Promise<SectionResult> {
  const decks = await realDecks();
  const deck = decks.list().find((d) => d.cards.some((c) => c.quiz.length > 0));
  if (!deck) throw new Error('no deck with quiz questions in decks/');
  const rows: Measurement[] = [];
  const notes: string[] = [];
  const p99Name = (p: string) => `e2e ${p}: p99 platform event -> bot's answer, ${CLICKS} concurrent`;

  ctx.progress.step('e2e: starting the fakes and the bot process');
  const rig = await startBotRig(ctx, 2 * (ctx.runs + 2), ctx.quick ? 38_000 : 115_000);
  let { discordSkip, slackSkip, discordHttpSkip } = rig;
  let discordOut: { summary: ProfileSummary | undefined } | undefined;
  let slackOut: { summary: ProfileSummary | undefined } | undefined;
  try {
    if (rig.fakeDiscord && !discordSkip) {
      try {
        const out = await discordBursts(ctx, rig.bot, rig.fakeDiscord, rig.guild, deck.id, 'measure');
        discordOut = out;
        const r = rowsOf(
          'discord',
          out,
          "The fake Discord (bench process) dispatches INTERACTION_CREATE over its gateway WebSocket to the real discord.js client in the bot process (startDiscord, the adapter as shipped); latency is the fake's record from dispatch to the interaction callback (type 4, ephemeral reply) arriving at its REST endpoint",
        );
        rows.push(...r.rows);
        notes.push(r.note);
      } catch (err) {
        discordSkip = (err as Error).message.split('\n')[0];
      }
    }
    if (rig.fakeDiscordHttp && !discordHttpSkip) {
      try {
        const out = await discordBursts(
          ctx,
          rig.bot,
          rig.fakeDiscordHttp,
          rig.guild,
          deck.id,
          'measure',
          'http',
        );
        const r = rowsOf(
          'discord-http',
          out,
          "A second fake Discord (bench process; another application, same server and channels) has the bot's interactions endpoint as its Interactions Endpoint URL (startDiscordHttp, DISCORD_MODE=http, in the same bot process): it POSTs each INTERACTION_CREATE payload, Ed25519-signed with its key, to POST /discord/interactions (Node's fetch, keep-alive pool) and takes the HTTP response as the callback, as Discord does; latency is the fake's record from just before the signed POST to the response arriving. The daily round of these bursts is posted through that application's REST, so the clicked message is its own",
        );
        rows.push(...r.rows);
        notes.push(r.note);
        const gw = rows.find((m) => m.name === p99Name('discord'))?.value;
        const http = median(out.bursts.map((b) => summarize(b.lat).p99));
        if (typeof gw === 'number' && gw > 0)
          rows.push(info('e2e discord: p99 HTTP endpoint / p99 gateway (same run)', http / gw, 'x'));
      } catch (err) {
        discordHttpSkip = (err as Error).message.split('\n')[0];
      }
    }
    if (rig.fakeSlack && !slackSkip && rig.slackPort) {
      try {
        const out = await slackBursts(ctx, rig.bot, rig.fakeSlack, rig.slackPort, deck.id, 'measure');
        slackOut = out;
        const r = rowsOf(
          'slack',
          out,
          "Slack's side (bench process) is the project's signer: form-encoded `payload`, v0 HMAC-SHA256 signature, current timestamp, posted to the real Bolt app (startSlack, HTTP mode) in the bot process on POST /slack/events; Bolt acks, the handler runs the engine and answers privately on the response_url, which the fake Slack serves. Latency is from just before the signed request is sent to the response_url post arriving at the fake (performance.now, one process)",
        );
        rows.push(...r.rows);
        notes.push(r.note);
      } catch (err) {
        slackSkip = (err as Error).message.split('\n')[0];
      }
    }
    if (rig.bot.proc.exitCode === null) {
      const stats = await rig.bot.request<{ rssPeakMiB: number; errors: number; first: string[] }>({
        op: 'stats',
      });
      rows.push(
        info('e2e: bot process RSS, adapters connected, during the bursts (peak)', stats.rssPeakMiB, 'MiB'),
      );
      if (stats.errors) notes.push(`Errors logged by the bot: ${stats.errors} (${stats.first.join(' | ')}).`);
    }
    // Profiles last: the profiler's own memory must not count in the RSS above.
    if (discordOut && rig.fakeDiscord) {
      const p = await discordBursts(ctx, rig.bot, rig.fakeDiscord, rig.guild, deck.id, 'profile');
      if (p.summary)
        notes.push(
          `**discord, bot process profile** over one more (untimed) burst — ${describeProfile(p.summary)}`,
        );
    }
    if (slackOut && rig.fakeSlack && rig.slackPort) {
      const p = await slackBursts(ctx, rig.bot, rig.fakeSlack, rig.slackPort, deck.id, 'profile');
      if (p.summary)
        notes.push(
          `**slack, bot process profile** over one more (untimed) burst — ${describeProfile(p.summary)}`,
        );
    }
  } finally {
    await rig.close();
  }
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
  notes.push(
    `The bot (Redis stores, engine, both adapters) runs in its own process (bench/bot-child.ts, ${rig.how}); the platforms' fakes and the load run in the bench process, so the fakes' own work does not share the bot's event loop — but all of it, and redis-server, shares the machine's 2 cores. Both platforms allow 3,000 ms before an interaction fails; the target is 100 ms. The clicks are daily-quiz answers (one engine call, one Redis round trip each), the answer a private right/wrong reply with the explanation; all ${CLICKS} clicks of a burst are sent at once, so the p99 is the time to drain the whole burst.`,
  );
  return { title: '4. End to end through the real clients', rows, notes };
}
