import type { Actor } from '../src/engine/api.js';
import { QuizEngine } from '../src/engine/engine.js';
import type { Clock } from '../src/engine/ports.js';
import { ReviewService } from '../src/engine/review.js';
import type { View } from '../src/engine/views.js';
import { connectRedis, waitReady } from '../src/store/redis/connect.js';
import { Keys } from '../src/store/redis/keys.js';
import { RedisReviewStore } from '../src/store/redis/review-store.js';
import type { FakeDiscord, InteractionResult } from '../tests/fakes/discord/fake-discord.js';
import type { FakeUser } from '../tests/fakes/discord/payloads.js';
import { startBotRig } from './bot-rig.js';
import type { BenchContext } from './context.js';
import { realDecks } from './fixtures.js';
import { info, notMeasured, type SectionResult, target } from './report.js';
import { median, spread, summarize } from './stats.js';

const USERS = 50;
const DAY = 86_400_000;
/** Discord's limit for the first answer to an interaction (reply or defer). */
const PLATFORM_LIMIT_MS = 3_000;

/** One user's `/stats` in a burst. */
interface Answer {
  /** Dispatch to the first callback (reply or deferral), ms. */
  firstMs: number;
  /** Dispatch to the answer with its picture, ms. */
  chartMs: number;
  /** Whether the answer carried the PNG shown in its embed. */
  picture: boolean;
  deferred: boolean;
}

function button(view: View, label: RegExp): string {
  const b = view.buttons?.flat().find((x) => label.test(x.label));
  if (!b) throw new Error(`no button ${label} in the review view: ${view.text.slice(0, 200)}`);
  return b.actionId;
}

/**
 * Gives every user a review history, through the engine on the bot's Redis: two cards every sixth
 * day over the last 120 days, so each `/stats` picture has a heatmap, a forecast and a recall line
 * to draw. The clock is the engine's injected one, moved day by day.
 */
async function seedHistory(ctx: BenchContext, users: FakeUser[], guildId: string): Promise<void> {
  const redis = connectRedis(ctx.url);
  try {
    await waitReady(redis);
    const decks = await realDecks();
    const deckId = (decks.list()[0] as { id: string }).id;
    const now = Date.now();
    const clocks = users.map(() => ({ ms: now - 120 * DAY }));
    const work = users.map((u, i) => async () => {
      const c = clocks[i] as { ms: number };
      const clock: Clock = { now: () => c.ms };
      const engine = new QuizEngine({
        review: new ReviewService({ store: new RedisReviewStore(redis, new Keys()), decks, clock }),
        decks,
      });
      const actor: Actor = {
        user: { platform: 'discord', userId: u.id },
        team: { platform: 'discord', teamId: guildId },
        isAdmin: false,
      };
      for (; c.ms <= now; c.ms += 6 * DAY) {
        for (let k = 0; k < 2; k++) {
          const v = await engine.review(actor, deckId);
          const shown = await engine.action(actor, button(v, /Show answer/));
          await engine.action(actor, button(shown.view, (i + k) % 5 === 0 ? /^Again/ : /^Good/));
        }
      }
    });
    // Ten users at a time: the seeding is set-up, not the measurement.
    for (let i = 0; i < work.length; i += 10) await Promise.all(work.slice(i, i + 10).map((w) => w()));
    ctx.progress.step(`stats load: ${users.length} users seeded with 120 days of reviews`);
  } finally {
    redis.disconnect();
  }
}

/** The answer as the user saw it; `settledAt`: when the fake saw it complete (event-driven, no polling). */
function answerOf(r: InteractionResult, settledAt: number): Answer {
  const m = r.message;
  const image = (m?.embeds[0] as { image?: { url?: string } } | undefined)?.image;
  const picture =
    image?.url === 'attachment://stats.png' &&
    (m?.attachments ?? []).some((a) => a.filename === 'stats.png' && a.content_type === 'image/png');
  return {
    firstMs: r.ackMs,
    chartMs: settledAt - r.record.dispatchedAt,
    picture,
    deferred: r.callbackType === 5,
  };
}

async function burst(fake: FakeDiscord, users: FakeUser[]): Promise<Answer[]> {
  return Promise.all(
    users.map(async (user) => {
      const r = await fake.slash({ command: 'stats', user, timeoutMs: 120_000 });
      return answerOf(r, Date.now());
    }),
  );
}

/**
 * `/stats` with its chart under 50 concurrent requests: 50 members with 120 days of history each
 * run `/stats` at once through the real discord.js client of a bot process (charts on, as
 * deployed); the first answer (reply, or deferral when the picture outlasts the adapter's deadline)
 * must come within Discord's 3 s, and every answer must end with its picture.
 */
export async function statsLoadSection(ctx: BenchContext): Promise<SectionResult> {
  const title = '9b. /stats with its chart under 50 concurrent requests';
  const rig = await startBotRig(ctx, 1, 120_000);
  try {
    const fake = rig.fakeDiscord;
    if (!fake || rig.discordSkip) {
      const why = rig.discordSkip ?? 'no fake Discord';
      return {
        title,
        rows: [notMeasured('stats load: first answer p99', 'ms', why, `<= ${PLATFORM_LIMIT_MS}`)],
        notes: [],
      };
    }
    const users = Array.from({ length: USERS }, (_, i) => fake.user(`stats${i}`));
    await seedHistory(ctx, users, rig.guild.id);
    // Warm-up: the renderer's first picture in the process (module load, font parse) is not a burst's.
    await burst(fake, users.slice(0, 1));
    const runs: Answer[][] = [];
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.progress.step(`stats load: run ${run}/${ctx.runs}, ${USERS} concurrent /stats`);
      runs.push(
        await burst(fake, users).catch(async (err: Error) => {
          // The bot's own first errors say why an answer never came.
          const seen = await rig.bot
            .request<{ first: string[] }>({ op: 'stats' })
            .catch(() => ({ first: [] }));
          throw new Error(
            `${err.message.split('\n')[0]}; the bot's first errors: ${seen.first.join(' | ') || 'none'}`,
          );
        }),
      );
    }
    const first = runs.map((r) => summarize(r.map((a) => a.firstMs)));
    const chart = runs.map((r) => summarize(r.map((a) => a.chartMs)));
    const all = runs.flat();
    return {
      title,
      rows: [
        target(
          'stats load: first answer (reply or deferral) p99',
          median(first.map((s) => s.p99)),
          'ms',
          '<=',
          PLATFORM_LIMIT_MS,
          spread(first.map((s) => s.p99)),
        ),
        info('stats load: answer with its picture p50', median(chart.map((s) => s.p50)), 'ms'),
        info(
          'stats load: answer with its picture p99',
          median(chart.map((s) => s.p99)),
          'ms',
          spread(chart.map((s) => s.p99)),
        ),
        target(
          'stats load: answers without their picture',
          all.filter((a) => !a.picture).length,
          '',
          '<=',
          0,
        ),
        info(
          'stats load: answers deferred (picture past the deadline)',
          all.filter((a) => a.deferred).length,
          `of ${all.length}`,
        ),
      ],
      notes: [
        `${USERS} members, each with two reviews every sixth day over 120 days, run \`/stats\` at once, ${ctx.runs} time(s) after a warm-up; the bot is its own process (${rig.how}) with the chart renderer on. "First answer" is Discord's 3 s rule; the picture may come later through the deferral's edit.`,
      ],
    };
  } finally {
    await rig.close();
  }
}
