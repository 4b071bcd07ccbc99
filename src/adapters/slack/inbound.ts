import type {
  App,
  BlockAction,
  ButtonAction,
  RespondArguments,
  RespondFn,
  SlashCommand,
  webApi,
} from '@slack/bolt';
import type { ChartRenderer } from '../../charts/render.js';
import type { ActionResult, Actor, Logger } from '../../engine/api.js';
import type { QuizEngine } from '../../engine/engine.js';
import { QuizError } from '../../engine/errors.js';
import { errorView, noticeView, type View } from '../../engine/views.js';
import type { SlackAdmins } from './admins.js';
import { parseQuizCommand, type QuizCommand } from './command-args.js';
import { helpView, usageView } from './command-definitions.js';
import { type DeliveryLog, deliveryKey } from './deliveries.js';
import { type ChartLinks, sendPicture } from './picture.js';
import { renderView } from './render.js';

/** The engine calls the Slack adapter makes. */
export type SlackEngine = Pick<
  QuizEngine,
  'decks' | 'deckIds' | 'review' | 'stats' | 'leaderboard' | 'admin' | 'action'
> &
  Partial<Pick<QuizEngine, 'forgetMe' | 'timezone'>>;

/** What the inbound handlers need. */
export interface InboundDeps {
  /** The quiz engine. */
  engine: SlackEngine;
  /** Where failures are logged with their cause. */
  log: Logger;
  /** Who may run admin commands. */
  admins: SlackAdmins;
  /** Deliveries already taken (re-sends are acknowledged, not handled). */
  deliveries: DeliveryLog;
  /** The slash command, `/quiz`. */
  command: string;
  /** Bot client, for chat.postEphemeral when a response_url fails. */
  client: webApi.WebClient;
  /** Registers work that runs after the ack, so shutdown can wait for it. */
  track(work: Promise<void>): void;
  /** Renders views' charts as pictures, sent after the text (see picture.ts); without it text only. */
  charts?: ChartRenderer | undefined;
  /** With PUBLIC_URL: pictures as image blocks served by the dashboard, not uploads. */
  links?: ChartLinks | undefined;
  /**
   * OAuth distribution: the client and admin check of the workspace a request came from, by the
   * bot token Bolt authorized it with; absent in single-workspace mode (`client`, `admins` serve all).
   */
  perToken?: ((botToken: string) => Pick<InboundDeps, 'client' | 'admins'>) | undefined;
}

/** The deps of one request: its workspace's client and admin check where each workspace has its own token. */
export function scoped(deps: InboundDeps, context: { botToken?: string | undefined }): InboundDeps {
  return deps.perToken && context.botToken ? { ...deps, ...deps.perToken(context.botToken) } : deps;
}

/**
 * The Actor of a Slack user in a workspace. No display name on purpose: views then show the user
 * as a mention (`<@U123>`), which Slack renders as the current name (payload names are legacy handles).
 * `requestId` identifies the request (see {@link requestIdOf}), the same on every re-send of it.
 */
export function slackActor(
  userId: string,
  teamId: string | null | undefined,
  isAdmin: boolean,
  requestId?: string,
): Actor {
  const actor: Actor = {
    user: { platform: 'slack', userId },
    team: teamId ? { platform: 'slack', teamId } : null,
    isAdmin,
  };
  if (requestId) actor.requestId = requestId;
  return actor;
}

/**
 * The stable id of a button press: its `trigger_id` (unique per interaction; Slack re-sends the
 * same body, so a re-send carries the same one), else the action's `action_ts`. The engine knows a
 * re-delivered daily answer by it, also when another replica gets the re-send.
 */
export function requestIdOf(
  body: Pick<BlockAction, 'trigger_id'>,
  action: { action_ts?: string },
): string | undefined {
  return body.trigger_id || (action.action_ts ? `ts:${action.action_ts}` : undefined);
}

/** Where a private answer can go when the response_url fails. */
interface Fallback {
  channelId: string | undefined;
  userId: string;
}

/** Sends a view through a response_url (falling back to chat.postEphemeral); never throws. */
async function answer(
  deps: InboundDeps,
  respond: RespondFn | undefined,
  view: View,
  how: 'reply' | 'replace',
  fb: Fallback,
): Promise<void> {
  const msg = renderView(view);
  const args: RespondArguments =
    how === 'replace'
      ? { replace_original: true, text: msg.text, blocks: msg.blocks }
      : {
          response_type: view.private ? 'ephemeral' : 'in_channel',
          replace_original: false,
          text: msg.text,
          blocks: msg.blocks,
        };
  try {
    if (!respond) throw new Error('no response_url');
    await respond(args);
    return;
  } catch (err) {
    deps.log.warn({ err, user: fb.userId }, 'slack response_url failed; trying chat.postEphemeral');
  }
  if (!fb.channelId) return;
  try {
    await deps.client.chat.postEphemeral({
      channel: fb.channelId,
      user: fb.userId,
      text: msg.text,
      blocks: msg.blocks,
    });
  } catch (err) {
    deps.log.error({ err, user: fb.userId, channel: fb.channelId }, 'slack: could not answer the user');
  }
}

/** Runs one parsed `/quiz` invocation: at most one engine call. */
async function runCommand(deps: InboundDeps, parsed: QuizCommand, base: Actor): Promise<View> {
  switch (parsed.kind) {
    case 'help':
      return helpView(deps.command);
    case 'usage':
      return usageView(parsed.problem, parsed.usage, deps.command);
    case 'decks':
      return deps.engine.decks();
    case 'review':
      return deps.engine.review(base, parsed.deck);
    case 'stats':
      return deps.engine.stats(base, parsed.deck);
    case 'leaderboard':
      return deps.engine.leaderboard(base, parsed.period);
    case 'forget':
      return deps.engine.forgetMe
        ? deps.engine.forgetMe(base)
        : noticeView('bad_argument', 'Not available here.');
    case 'timezone':
      return deps.engine.timezone
        ? deps.engine.timezone(base, parsed.zone)
        : noticeView('bad_argument', 'Not available here.');
    case 'admin': {
      let isAdmin: boolean;
      try {
        isAdmin = await deps.admins.isAdmin(base.user.userId);
      } catch (err) {
        throw new QuizError('internal', 'users.info failed while checking admin rights', { cause: err });
      }
      return deps.engine.admin({ ...base, isAdmin }, parsed.cmd);
    }
  }
}

/** `/quiz ...`: ack at once, then one engine call, answered privately through the response_url. */
export async function handleCommand(
  deps: InboundDeps,
  command: SlashCommand,
  respond: RespondFn,
): Promise<void> {
  const base = slackActor(
    command.user_id,
    command.team_id,
    deps.admins.isConfigured(command.user_id),
    command.trigger_id,
  );
  const parsed = parseQuizCommand(command.text ?? '', deps.command);
  let view: View;
  try {
    view = await runCommand(deps, parsed, base);
  } catch (err) {
    deps.log.error({ err, user: command.user_id, sub: parsed.kind }, 'slack /quiz failed');
    view = errorView(err);
  }
  await answer(deps, respond, view, 'reply', { channelId: command.channel_id, userId: command.user_id });
  if (view.chart && view.private) await sendPicture(deps, view, command.user_id, respond);
}

/** A button press: one engine call; review steps replace the message, everything else answers privately. */
export async function handleButton(
  deps: InboundDeps,
  body: BlockAction,
  action: ButtonAction,
  respond: RespondFn | undefined,
): Promise<void> {
  const userId = body.user.id;
  const teamId = body.team?.id ?? body.user.team_id;
  const actor = slackActor(userId, teamId, deps.admins.isConfigured(userId), requestIdOf(body, action));
  // The message the button sits on: a daily answer must be for the round posted as this message.
  const channelId = body.channel?.id ?? body.container?.channel_id;
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  if (channelId && messageTs) actor.source = { channelId, messageId: messageTs };
  let result: ActionResult;
  try {
    result = await deps.engine.action(actor, action.value ?? action.action_id);
  } catch (err) {
    deps.log.error({ err, user: userId, actionId: action.action_id.slice(0, 100) }, 'slack button failed');
    result = { mode: 'reply', view: errorView(err) };
  }
  const view: View = result.mode === 'reply' ? { ...result.view, private: true } : result.view;
  await answer(deps, respond, view, result.mode === 'update' ? 'replace' : 'reply', {
    channelId: body.channel?.id ?? body.container?.channel_id,
    userId,
  });
}

/**
 * Registers the inbound side: a delivery guard (re-sent requests are acknowledged and dropped; a
 * cheap first filter within its scope, while the engine recognises a re-sent answer by its request id),
 * the slash command and the buttons. Every handler acks first, then works and answers.
 */
export function registerInbound(app: App, deps: InboundDeps): void {
  app.use(async (args) => {
    const key = deliveryKey(args.body);
    let first = true;
    try {
      first = await deps.deliveries.first(key);
    } catch (err) {
      // Without the log, handle it: the engine's own idempotency still guards grades and answers.
      deps.log.warn({ err, key }, 'slack delivery log unavailable');
    }
    if (first) {
      await args.next();
      return;
    }
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
    deps.log.info(
      { key, retryNum: args.context.retryNum ?? null },
      'slack re-sent a delivery already taken: acked, not handled',
    );
  });

  app.command(deps.command, async ({ command, ack, respond, context }) => {
    await ack();
    deps.track(handleCommand(scoped(deps, context), command, respond));
  });

  app.action<BlockAction>(/.*/, async ({ ack, body, action, respond, context }) => {
    await ack();
    if (action.type !== 'button') return;
    deps.track(handleButton(scoped(deps, context), body, action, body.response_url ? respond : undefined));
  });
}
