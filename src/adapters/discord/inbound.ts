import {
  type AutocompleteInteraction,
  type BaseInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type InteractionReplyOptions,
  MessageFlags,
  type RepliableInteraction,
} from 'discord.js';
import { pictureOf } from '../../charts/picture.js';
import type { ChartRenderer } from '../../charts/render.js';
import { decodeAction } from '../../engine/actions.js';
import type { ActionResult, Actor, Logger } from '../../engine/api.js';
import { parsePeriod } from '../../engine/args.js';
import type { QuizEngine } from '../../engine/engine.js';
import { errorView, noticeView, type View } from '../../engine/views.js';
import { adminCommandOf } from './command-args.js';
import { ADMIN_PERMISSION, COMMAND } from './command-definitions.js';
import { deferDelayMs } from './defer-deadline.js';
import { attachPicture } from './picture.js';
import { newReport, type RenderedMessage, renderView } from './render.js';

/** The engine calls the Discord adapter makes (QuizEngine fits; tests may pass a stand-in). */
export type DiscordEngine = Pick<
  QuizEngine,
  'review' | 'stats' | 'leaderboard' | 'admin' | 'action' | 'decks' | 'deckIds'
> &
  Partial<Pick<QuizEngine, 'forgetMe' | 'timezone'>>;

/** Options of {@link createInteractionHandler}; defaults in {@link INBOUND_DEFAULTS}. */
export interface InboundOptions {
  /** The engine: one call per interaction. */
  engine: DiscordEngine;
  /** Where failures are logged with their cause. */
  log: Logger;
  /** Defer the response when the engine has not answered after this long (Discord allows 3,000 ms). */
  deferAfterMs?: number;
  /** Renders the charts of views as pictures; without it answers are text only. */
  charts?: ChartRenderer | undefined;
}

/** Defaults in one place. */
export const INBOUND_DEFAULTS = { deferAfterMs: 2_000, autocompleteChoices: 25 } as const;

const LATE = Symbol('late');

/**
 * Who acts: user, team (guild; null in DMs) and admin rights from the member's permissions in this
 * interaction. The interaction id is the request id: Discord gives every replica on the shard the
 * same interaction, and the engine answers each of them alike (see {@link Actor.requestId}).
 */
export function actorOf(i: BaseInteraction): Actor {
  const member = i.member;
  const displayName =
    member && 'displayName' in member
      ? member.displayName
      : (member?.nick ?? i.user.displayName ?? i.user.username);
  return {
    user: { platform: 'discord', userId: i.user.id },
    team: i.guildId ? { platform: 'discord', teamId: i.guildId } : null,
    // Checked here from the permissions Discord computed for this member, not from the command's
    // default_member_permissions: a server that opens the command to everyone still gets no admins.
    isAdmin: Boolean(i.guildId && i.memberPermissions?.has(ADMIN_PERMISSION)),
    displayName,
    requestId: i.id,
  };
}

/** Every IANA timezone this runtime knows, plus UTC. */
let zones: string[] | undefined;
function timeZones(): string[] {
  zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  return zones;
}

function matching(values: string[], typed: string, max: number): string[] {
  const q = typed.trim().toLowerCase().replace(/\s+/g, '_');
  const starts = values.filter((v) => v.toLowerCase().startsWith(q));
  const contains = values.filter((v) => !v.toLowerCase().startsWith(q) && v.toLowerCase().includes(q));
  return [...starts, ...contains].slice(0, max);
}

/** Resolves `work`, or LATE when it takes longer than `ms` (work keeps running). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The mode an action will most likely answer in, to pick the right kind of defer before the engine answers. */
function expectedMode(customId: string): ActionResult['mode'] {
  try {
    return decodeAction(customId).kind === 'answer' ? 'reply' : 'update';
  } catch {
    return 'reply';
  }
}

/** What the steps of the handler share. */
interface Ctx {
  engine: DiscordEngine;
  log: Logger;
  deferAfterMs: number;
  charts: ChartRenderer | undefined;
}

/**
 * The `interactionCreate` listener: builds the Actor, makes one engine call, renders the view.
 * It never throws: a failure is logged and the user still gets a short private error.
 */
export function createInteractionHandler(opts: InboundOptions): (interaction: Interaction) => Promise<void> {
  const ctx: Ctx = {
    engine: opts.engine,
    log: opts.log,
    deferAfterMs: opts.deferAfterMs ?? INBOUND_DEFAULTS.deferAfterMs,
    charts: opts.charts,
  };
  return async (interaction: Interaction): Promise<void> => {
    const started = Date.now();
    try {
      if (interaction.isChatInputCommand()) await onCommand(ctx, interaction);
      else if (interaction.isButton()) await onButton(ctx, interaction);
      else if (interaction.isAutocomplete()) await onAutocomplete(ctx, interaction);
      else ctx.log.debug({ interaction: interaction.id, type: interaction.type }, 'ignored interaction');
      ctx.log.debug({ interaction: interaction.id, ms: Date.now() - started }, 'interaction answered');
    } catch (err) {
      await onFailure(ctx, interaction, err, started);
    }
  };
}

/** Renders a view for Discord, logging what had to be cut to fit. */
function render(ctx: Ctx, view: View, where: object): RenderedMessage {
  const report = newReport();
  const msg = renderView(view, report);
  if (report.droppedButtons.length || report.droppedFields)
    ctx.log.warn({ ...where, ...report }, 'view cut to fit Discord');
  return msg;
}

function ephemeral<T extends RenderedMessage>(msg: T): T & InteractionReplyOptions {
  return { ...msg, flags: MessageFlags.Ephemeral };
}

/** The one engine call of a slash command. */
function viewOfCommand(ctx: Ctx, i: ChatInputCommandInteraction, actor: Actor): Promise<View> {
  const { engine } = ctx;
  const deck = () => i.options.getString('deck')?.trim() || null;
  switch (i.commandName) {
    case COMMAND.review:
      return engine.review(actor, deck());
    case COMMAND.stats:
      return engine.stats(actor, deck());
    case COMMAND.leaderboard: {
      return engine.leaderboard(actor, parsePeriod(i.options.getString('period')) ?? 'week');
    }
    case COMMAND.decks:
      return Promise.resolve().then(() => engine.decks());
    case COMMAND.forget:
      return engine.forgetMe
        ? engine.forgetMe(actor)
        : Promise.resolve(noticeView('bad_argument', 'Not available here.'));
    case COMMAND.settings:
      return engine.timezone && i.options.getSubcommand(false) === 'timezone'
        ? engine.timezone(actor, i.options.getString('timezone'))
        : Promise.resolve(noticeView('bad_argument', 'Not available here.'));
    case COMMAND.admin: {
      const cmd = adminCommandOf(i);
      return 'kind' in cmd ? engine.admin(actor, cmd) : Promise.resolve(cmd);
    }
    default:
      return Promise.resolve(noticeView('bad_argument', `Unknown command /${i.commandName}.`));
  }
}

async function onCommand(ctx: Ctx, i: ChatInputCommandInteraction): Promise<void> {
  const where = { interaction: i.id, command: i.commandName, user: i.user.id, guild: i.guildId };
  // The chart's picture is part of the work: when both are not ready in time, defer, then edit.
  const work = viewOfCommand(ctx, i, actorOf(i)).then(async (view) => ({
    view,
    image: await pictureOf(view, ctx.charts, ctx.log, where),
  }));
  const ready = await within(work, deferDelayMs(i.createdTimestamp, Date.now(), ctx.deferAfterMs));
  if (ready !== LATE) {
    const msg = attachPicture(render(ctx, ready.view, where), ready.image);
    await i.reply(ready.view.private ? ephemeral(msg) : msg);
    return;
  }
  // Every command's view is private so far, so the placeholder is private too.
  ctx.log.debug(where, 'engine slow: deferring reply');
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const { view, image } = await work;
  const msg = attachPicture(render(ctx, view, where), image);
  if (view.private) {
    await i.editReply(msg);
  } else {
    // A private "thinking…" placeholder cannot become public: post the view as a public follow-up.
    await i.deleteReply();
    await i.followUp(msg);
  }
}

async function onButton(ctx: Ctx, i: ButtonInteraction): Promise<void> {
  const where = {
    interaction: i.id,
    customId: i.customId.slice(0, 120),
    user: i.user.id,
    guild: i.guildId,
  };
  // The message the button sits on: a daily answer must be for the round posted as this message.
  const actor: Actor = { ...actorOf(i), source: { channelId: i.channelId, messageId: i.message.id } };
  const work = ctx.engine.action(actor, i.customId);
  const first = await within(work, deferDelayMs(i.createdTimestamp, Date.now(), ctx.deferAfterMs));
  if (first !== LATE) {
    const msg = render(ctx, first.view, where);
    await (first.mode === 'update' ? i.update(msg) : i.reply(ephemeral(msg)));
    return;
  }
  const guess = expectedMode(i.customId);
  ctx.log.debug({ ...where, guess }, 'engine slow: deferring');
  await (guess === 'update' ? i.deferUpdate() : i.deferReply({ flags: MessageFlags.Ephemeral }));
  const result = await work;
  const msg = render(ctx, result.view, where);
  if (guess === 'update' && result.mode === 'reply') await i.followUp(ephemeral(msg));
  else await i.editReply(msg);
}

async function onAutocomplete(ctx: Ctx, i: AutocompleteInteraction): Promise<void> {
  const focused = i.options.getFocused(true);
  const values =
    focused.name === 'deck'
      ? ctx.engine.deckIds()
      : focused.name === 'timezone'
        ? timeZones()
        : ([] as string[]);
  const picked = matching(values, String(focused.value), INBOUND_DEFAULTS.autocompleteChoices);
  await i.respond(picked.map((v) => ({ name: v, value: v })));
}

/** Logs a failed interaction and still tells the user (a short private error, or no suggestions). */
async function onFailure(ctx: Ctx, interaction: Interaction, err: unknown, started: number): Promise<void> {
  const { log } = ctx;
  log.error(
    {
      err,
      interaction: interaction.id,
      type: interaction.type,
      user: interaction.user.id,
      ms: Date.now() - started,
    },
    'discord interaction failed',
  );
  try {
    if (interaction.isAutocomplete()) {
      if (!interaction.responded) await interaction.respond([]);
      return;
    }
    if (!interaction.isRepliable()) return;
    await answerFailure(ctx, interaction);
  } catch (err2) {
    log.error({ err: err2, interaction: interaction.id }, 'could not tell the user about the failure');
  }
}

async function answerFailure(ctx: Ctx, i: RepliableInteraction): Promise<void> {
  const msg = ephemeral(render(ctx, errorView(new Error('interaction failed')), { interaction: i.id }));
  if (i.deferred || i.replied) await i.followUp(msg);
  else await i.reply(msg);
}
