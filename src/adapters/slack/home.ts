import type { App, types, webApi } from '@slack/bolt';
import type { Actor, Logger } from '../../engine/api.js';
import type { View } from '../../engine/views.js';
import { type SlackEngine, slackActor } from './inbound.js';
import { BLOCK_LIMITS, chunk, escapeMrkdwn, renderView } from './render.js';

type KnownBlock = types.KnownBlock;

/** What the Home tab needs. */
export interface HomeDeps {
  /** The quiz engine (stats and leaderboard views). */
  engine: SlackEngine;
  /** Where failures are logged. */
  log: Logger;
  /** The slash command, `/quiz`. */
  command: string;
  /** Registers work that runs after the ack, so shutdown can wait for it. */
  track(work: Promise<void>): void;
}

function field(view: View, name: string): string | undefined {
  return view.code ? undefined : view.fields?.find((f) => f.name === name)?.value;
}

/**
 * The Home tab of one user: due cards per deck, streak and today's reviews (from the stats
 * views), and this week's leaderboard with the user's rank (the leaderboard view as it is).
 */
export async function buildHome(
  deps: Pick<HomeDeps, 'engine' | 'command'>,
  actor: Actor,
): Promise<types.HomeView> {
  const { engine, command } = deps;
  const deckIds = engine.deckIds();
  const [overall, board, ...perDeck] = await Promise.all([
    engine.stats(actor, null),
    engine.leaderboard(actor, 'week'),
    ...deckIds.map((d) => engine.stats(actor, d)),
  ]);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Your quizbot', emoji: true } },
  ];
  if (overall.code) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: ':warning: Your study stats could not be loaded just now.' },
    });
  } else {
    const parts = [
      `:fire: Streak: *${escapeMrkdwn(field(overall, 'Streak') ?? '—')}*`,
      `Reviewed today: *${escapeMrkdwn(field(overall, 'Reviewed today') ?? '0')}*`,
      `30-day retention: *${escapeMrkdwn(field(overall, '30-day retention') ?? '—')}*`,
    ];
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: parts.join('   ·   ') } });
  }
  const lines = deckIds.map((id, i) => {
    const v = perDeck[i];
    const due = v ? field(v, 'Due now') : undefined;
    const today = v ? field(v, 'Due today') : undefined;
    const what =
      due === undefined
        ? 'could not be loaded'
        : `*${escapeMrkdwn(due)}* due now, ${escapeMrkdwn(today ?? '0')} today`;
    return `• \`${id}\` — ${what}  ·  \`${command} review ${id}\``;
  });
  blocks.push({ type: 'divider' });
  const deckText = lines.length ? `*Due cards*\n${lines.join('\n')}` : '*Due cards*\nNo decks are loaded.';
  for (const part of chunk(deckText, BLOCK_LIMITS.sectionText)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: part } });
  }
  blocks.push({ type: 'divider' });
  // The leaderboard view carries the top 10 and the caller's rank; buttons make no sense here.
  const boardBlocks = renderView({ ...board, buttons: [] }, { maxBlocks: 40 }).blocks;
  blocks.push(...boardBlocks);
  const tail: KnownBlock = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Study privately with \`${command} review\`; all commands: \`${command} help\`.`,
      },
    ],
  };
  const kept = blocks.slice(0, BLOCK_LIMITS.homeBlocks - 1);
  return { type: 'home', blocks: [...kept, tail] };
}

/** Publishes the Home tab of one user; failures are logged. */
export async function publishHome(
  deps: HomeDeps,
  client: webApi.WebClient,
  userId: string,
  teamId: string | undefined,
): Promise<void> {
  const actor = slackActor(userId, teamId, false);
  try {
    const view = await buildHome(deps, actor);
    await client.views.publish({ user_id: userId, view });
  } catch (err) {
    deps.log.error({ err, user: userId }, 'slack: could not publish the Home tab');
  }
}

/** Refreshes the Home tab whenever a user opens it. */
export function registerHome(app: App, deps: HomeDeps): void {
  app.event('app_home_opened', async ({ event, body, context, client }) => {
    if (event.tab !== 'home') return;
    deps.track(publishHome(deps, client, event.user, context.teamId ?? body.team_id));
  });
}
