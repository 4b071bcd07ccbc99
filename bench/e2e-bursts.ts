import { Keys } from '../src/store/redis/keys.js';
import type { FakeDiscord } from '../tests/fakes/discord/fake-discord.js';
import type { FakeSlack } from '../tests/fakes/slack/fake-slack.js';
import type { SlackSender } from '../tests/fakes/slack/signer.js';
import { SLACK_TEAM } from './bot-rig.js';
import type { Child } from './child.js';
import type { BenchContext } from './context.js';
import { sleep } from './stats.js';

/** Concurrent clicks per burst. */
export const CLICKS = 200;
const RIGHT_OR_WRONG = /Right|Not quite/;

/** One burst of clicks on one freshly posted round. */
export interface Burst {
  /** Event-to-answer latencies, ms. */
  lat: number[];
  /** Clicks answered as expected (a private right/wrong reply). */
  ok: number;
  /** Answers recorded in Redis for the round (the bare baseline records none: CLICKS). */
  stored: number;
  /** First unexpected answer, if any. */
  oddity?: string;
  /** Slack only: request to Bolt's HTTP 200 ack, ms. */
  ack?: number[];
  /**
   * What was clicked (Discord: the message's content, embeds and components; Slack: the buttons),
   * so the baseline's next burst clicks the same payload.
   */
  clicked?: unknown;
  /** CPU time (user + system) the answering process spent during the burst, ms. */
  cpuMs?: number;
}

type Opened = { roundId: string; messageId: string };

/** One process answering bursts: the bot, or the bare baseline. */
export interface Variant {
  /** Name in the progress line and the notes. */
  name: string;
  /** Runs burst number `run` (0-based, warm-ups included; below the rounds' maxWarmups + runs). */
  burst(run: number): Promise<Burst>;
}

/** How many warm-up rounds at least and at most, and how many recorded rounds. */
export interface Rounds {
  warmups: number;
  maxWarmups: number;
  runs: number;
}

/** Whether a variant's CPU per burst stopped falling: neither of its last two bursts was >10% cheaper than the one before. */
function settled(cpu: number[]): boolean {
  const [a, b, c] = cpu.slice(-3);
  if (a === undefined || b === undefined || c === undefined) return false;
  return b >= 0.9 * a && c >= 0.9 * b;
}

/**
 * Alternates the variants burst by burst, so load on the machine hits them alike, the order
 * reversed every other round (A B, B A, A B, ...) so that neither always runs first. Warm-up
 * rounds go on until every variant's CPU time per burst has settled (JIT: a process that served
 * other traffic first starts warmer), between `warmups` and `maxWarmups` rounds; then `runs`
 * recorded rounds. One list of bursts per variant, and the warm-up rounds used.
 */
export async function alternate(
  ctx: BenchContext,
  label: string,
  variants: Variant[],
  r: Rounds,
): Promise<{ bursts: Burst[][]; warmed: number }> {
  const out = variants.map(() => [] as Burst[]);
  const cpu = variants.map(() => [] as number[]);
  let warmed = r.maxWarmups;
  for (let run = 0; run < warmed + r.runs; run++) {
    const warm = run < warmed;
    const what = warm ? `warm-up ${run + 1}` : `run ${run - warmed + 1}/${r.runs}`;
    const order = [...variants.entries()];
    if (run % 2) order.reverse();
    for (const [i, v] of order) {
      ctx.progress.step(`${label}: ${v.name}: ${what}: ${CLICKS} concurrent clicks`);
      const b = await v.burst(run);
      if (warm) cpu[i]?.push(b.cpuMs ?? Number.NaN);
      else out[i]?.push(b);
    }
    if (warm && run + 1 >= r.warmups && cpu.every(settled)) warmed = run + 1;
  }
  return { bursts: out, warmed };
}

/** Runs `work` and adds the CPU time `child` spent meanwhile (the clicks only, not the post before them). */
async function withCpu(child: Child, work: () => Promise<Burst>): Promise<Burst> {
  const cpu = async () => (await child.request<{ ms: number }>({ op: 'cpu' })).ms;
  const before = await cpu();
  const b = await work();
  return { ...b, cpuMs: (await cpu()) - before };
}

/** CLICKS clicks by distinct users on one message, dispatched by the fake in the same tick. */
async function clicks(fake: FakeDiscord, messageId: string, tag: string): Promise<Burst> {
  const msg = fake.message(messageId);
  const ids = (msg.components as { components?: { custom_id?: string }[] }[]).flatMap((row) =>
    (row.components ?? []).map((b) => String(b.custom_id)),
  );
  if (ids.length === 0) throw new Error('the clicked message has no buttons');
  const users = Array.from({ length: CLICKS }, (_, i) => fake.user(`${tag}u${i}`));
  const results = await Promise.all(
    users.map((user, i) => fake.click({ message: msg.id, customId: ids[i % ids.length] as string, user })),
  );
  let ok = 0;
  let oddity: string | undefined;
  for (const r of results) {
    if (r.callbackType === 4 && r.ephemeral && RIGHT_OR_WRONG.test(r.text)) ok++;
    else oddity ??= `callback ${r.callbackType}, ephemeral ${r.ephemeral}: ${r.text.slice(0, 120)}`;
  }
  return { lat: results.map((r) => r.ackMs), ok, stored: 0, ...(oddity ? { oddity } : {}) };
}

/**
 * The bot's burst on Discord: a daily round posted now in `channelId` (through the gateway
 * application's REST, or the HTTP application's with `via: 'http'`), clicked, its answers counted.
 */
export async function botDiscordBurst(
  ctx: BenchContext,
  bot: Child,
  fake: FakeDiscord,
  team: { teamId: string; channelId: string; deckId: string; via: 'gateway' | 'http' },
  run: number,
): Promise<Burst> {
  const opened = await bot.request<Opened>({ op: 'open', platform: 'discord', ...team });
  const b = await withCpu(bot, () => clicks(fake, opened.messageId, `${team.via}r${run}`));
  const key = new Keys().teamAnswers({ platform: 'discord', teamId: team.teamId }, opened.roundId);
  const { content, embeds, components } = fake.message(opened.messageId);
  return { ...b, stored: await ctx.admin.hlen(key), clicked: { content, embeds, components } };
}

/**
 * The bare client's burst: a copy of the bot's last clicked post (content, embeds, buttons; so the
 * INTERACTION_CREATE frames carry the same message) seeded in its fake, clicked.
 */
export async function bareDiscordBurst(
  bare: Child,
  fake: FakeDiscord,
  channelId: string,
  run: number,
  clicked: unknown,
): Promise<Burst> {
  const msg = fake.postAs(fake.user('bare-poster'), channelId, clicked as Record<string, unknown>);
  return { ...(await withCpu(bare, () => clicks(fake, msg.id, `bare${run}`))), stored: CLICKS };
}

/** Slack's side of a burst: the fake (response_urls), the signer posting to one app, arrival stamps. */
export interface SlackSide {
  fake: FakeSlack;
  sender: SlackSender;
  /** When each response_url id got its first post (performance.now). */
  arrived: Map<string, number>;
}

/** Stamps every response_url post the fake records as it arrives; one map per fake. */
export function stampResponses(fake: FakeSlack): Map<string, number> {
  const arrived = new Map<string, number>();
  const responses = fake.responses;
  const push = responses.push.bind(responses);
  responses.push = (...items) => {
    const at = performance.now();
    for (const it of items) if (!arrived.has(it.id)) arrived.set(it.id, at);
    return push(...items);
  };
  return arrived;
}

type Button = { actionId: string; value: string };

/** CLICKS signed block_actions on one message, all sent at once; waits for every response_url post. */
async function actions(
  side: SlackSide,
  btns: Button[],
  channel: string,
  ts: string,
  tag: string,
): Promise<Burst> {
  const { blockActionsPayload } = await import('../tests/fakes/slack/signer.js');
  const sent = new Map<string, number>();
  const statuses: number[] = [];
  const acks: number[] = [];
  await Promise.all(
    Array.from({ length: CLICKS }, async (_, i) => {
      const b = btns[i % btns.length] as Button;
      const url = side.fake.responseUrl();
      const payload = blockActionsPayload({
        user_id: `U0${tag}X${i}`,
        team_id: SLACK_TEAM,
        action_id: b.actionId,
        value: b.value,
        response_url: url.url,
        channel_id: channel,
        message_ts: ts,
      });
      sent.set(url.id, performance.now());
      const res = await side.sender.interactive(payload);
      statuses.push(res.status);
      acks.push(res.ms);
    }),
  );
  const until = Date.now() + 10_000;
  while ([...sent.keys()].some((id) => !side.arrived.has(id)) && Date.now() < until) await sleep(5);
  const lat: number[] = [];
  let ok = 0;
  let oddity: string | undefined;
  for (const [id, t] of sent) {
    const at = side.arrived.get(id);
    const posts = side.fake.responsesTo(id);
    const body = posts[0]?.body as { response_type?: string } | undefined;
    if (at !== undefined) lat.push(at - t);
    const good =
      posts.length === 1 && body?.response_type === 'ephemeral' && RIGHT_OR_WRONG.test(JSON.stringify(body));
    if (at !== undefined && good) ok++;
    else oddity ??= `${posts.length} response(s): ${JSON.stringify(body ?? null).slice(0, 160)}`;
  }
  const bad = statuses.filter((s) => s !== 200).length;
  if (bad) oddity ??= `Bolt answered ${bad} requests with a status other than 200`;
  return { lat, ok: Math.min(ok, CLICKS - bad), ack: acks, stored: 0, ...(oddity ? { oddity } : {}) };
}

/** The bot's burst on Slack: a daily round posted now in its own channel, its buttons pressed, answers counted. */
export async function botSlackBurst(
  ctx: BenchContext,
  bot: Child,
  side: SlackSide,
  deckId: string,
  channel: string,
): Promise<Burst> {
  const { buttons } = await import('../tests/e2e/slack/rig.js');
  const opened = await bot.request<Opened>({
    op: 'open',
    platform: 'slack',
    teamId: SLACK_TEAM,
    channelId: channel,
    deckId,
  });
  const btns = buttons(side.fake.messages.get(`${channel}:${opened.messageId}`)?.blocks);
  if (btns.length === 0) throw new Error('the daily post has no buttons');
  const b = await withCpu(bot, () => actions(side, btns, channel, opened.messageId, channel));
  const key = new Keys().teamAnswers({ platform: 'slack', teamId: SLACK_TEAM }, opened.roundId);
  return { ...b, stored: await ctx.admin.hlen(key), clicked: btns };
}

/** The bare app's burst: the same payloads as the bot's last burst (its buttons' action ids and values). */
export async function bareSlackBurst(
  bare: Child,
  side: SlackSide,
  run: number,
  clicked: unknown,
): Promise<Burst> {
  const btns = clicked as Button[];
  return {
    ...(await withCpu(bare, () =>
      actions(side, btns, `C0BARE${run}`, `1700000000.00000${run % 10}`, `B${run}`),
    )),
    stored: CLICKS,
  };
}
