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
import { decodeAction } from '../../engine/actions.js';
import type { ActionResult, Actor, AdminCommand, Logger, Period } from '../../engine/api.js';
import type { QuizEngine } from '../../engine/engine.js';
import { errorView, noticeView, type View } from '../../engine/views.js';
import { ADMIN_PERMISSION, COMMAND } from './commands.js';
import { newReport, type RenderedMessage, renderView } from './render.js';

/** The engine calls the Discord adapter makes (QuizEngine fits; tests may pass a stand-in). */
export type DiscordEngine = Pick<
  QuizEngine,
  'review' | 'stats' | 'leaderboard' | 'admin' | 'action' | 'decks' | 'deckIds'
>;

/** Options of {@link createInteractionHandler}; defaults in {@link INBOUND_DEFAULTS}. */
export interface InboundOptions {
  /** The engine: one call per interaction. */
  engine: DiscordEngine;
  /** Where failures are logged with their cause. */
  log: Logger;
  /** Defer the response when the engine has not answered after this long (Discord allows 3,000 ms). */
  deferAfterMs?: number;
}

/** Defaults in one place. */
export const INBOUND_DEFAULTS = { deferAfterMs: 2_000, autocompleteChoices: 25 } as const;

const PERIODS: readonly Period[] = ['week', 'month', 'all'];
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

/** The AdminCommand of a `/quiz-admin` interaction, or a refusal view when an option is missing. */
export function adminCommandOf(i: ChatInputCommandInteraction): AdminCommand | View {
  const sub = i.options.getSubcommand(false);
  const channelId = i.options.getChannel('channel')?.id ?? i.channelId;
  const str = (name: string) => i.options.getString(name)?.trim() || undefined;
  switch (sub) {
    case 'schedule': {
      const deckId = str('deck');
      const time = str('time');
      const timezone = str('timezone');
      if (!deckId || !time || !timezone)
        return noticeView('bad_argument', 'schedule needs deck, time and timezone.');
      const cmd: AdminCommand = { kind: 'schedule', channelId, deckId, time, timezone };
      const weekdays = str('weekdays');
      const close = str('close');
      if (weekdays) cmd.weekdays = weekdays;
      if (close) cmd.close = close;
      return cmd;
    }
    case 'list':
      return { kind: 'list' };
    case 'unschedule':
    case 'pause':
    case 'resume':
    case 'post-now':
      return { kind: sub, channelId };
    default:
      return noticeView('bad_argument', `Unknown subcommand ${JSON.stringify(sub)}.`);
  }
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

/**
 * The `interactionCreate` listener: builds the Actor, makes one engine call, renders the view.
 * It never throws: a failure is logged and the user still gets a short private error.
 */
export function createInteractionHandler(opts: InboundOptions): (interaction: Interaction) => Promise<void> {
  const { engine, log } = opts;
  const deferAfterMs = opts.deferAfterMs ?? INBOUND_DEFAULTS.deferAfterMs;

  const render = (view: View, where: object): RenderedMessage => {
    const report = newReport();
    const msg = renderView(view, report);
    if (report.droppedButtons.length || report.droppedFields)
      log.warn({ ...where, ...report }, 'view cut to fit Discord');
    return msg;
  };
  const ephemeral = (msg: RenderedMessage): InteractionReplyOptions => ({
    ...msg,
    flags: MessageFlags.Ephemeral,
  });

  /** The one engine call of a slash command. */
  const viewOfCommand = (i: ChatInputCommandInteraction, actor: Actor): Promise<View> => {
    const deck = () => i.options.getString('deck')?.trim() || null;
    switch (i.commandName) {
      case COMMAND.review:
        return engine.review(actor, deck());
      case COMMAND.stats:
        return engine.stats(actor, deck());
      case COMMAND.leaderboard: {
        const given = i.options.getString('period');
        return engine.leaderboard(actor, PERIODS.find((p) => p === given) ?? 'week');
      }
      case COMMAND.decks:
        return Promise.resolve().then(() => engine.decks());
      case COMMAND.admin: {
        const cmd = adminCommandOf(i);
        return 'kind' in cmd ? engine.admin(actor, cmd) : Promise.resolve(cmd);
      }
      default:
        return Promise.resolve(noticeView('bad_argument', `Unknown command /${i.commandName}.`));
    }
  };

  const onCommand = async (i: ChatInputCommandInteraction): Promise<void> => {
    const where = { interaction: i.id, command: i.commandName, user: i.user.id, guild: i.guildId };
    const work = viewOfCommand(i, actorOf(i));
    const first = await within(work, deferAfterMs);
    if (first !== LATE) {
      const msg = render(first, where);
      await i.reply(first.private ? ephemeral(msg) : msg);
      return;
    }
    // Every command's view is private so far, so the placeholder is private too.
    log.debug(where, 'engine slow: deferring reply');
    await i.deferReply({ flags: MessageFlags.Ephemeral });
    const view = await work;
    const msg = render(view, where);
    if (view.private) {
      await i.editReply(msg);
    } else {
      // A private "thinking…" placeholder cannot become public: post the view as a public follow-up.
      await i.deleteReply();
      await i.followUp(msg);
    }
  };

  const onButton = async (i: ButtonInteraction): Promise<void> => {
    const where = {
      interaction: i.id,
      customId: i.customId.slice(0, 120),
      user: i.user.id,
      guild: i.guildId,
    };
    const work = engine.action(actorOf(i), i.customId);
    const first = await within(work, deferAfterMs);
    if (first !== LATE) {
      const msg = render(first.view, where);
      await (first.mode === 'update' ? i.update(msg) : i.reply(ephemeral(msg)));
      return;
    }
    const guess = expectedMode(i.customId);
    log.debug({ ...where, guess }, 'engine slow: deferring');
    await (guess === 'update' ? i.deferUpdate() : i.deferReply({ flags: MessageFlags.Ephemeral }));
    const result = await work;
    const msg = render(result.view, where);
    if (guess === 'update' && result.mode === 'reply') await i.followUp(ephemeral(msg));
    else await i.editReply(msg);
  };

  const onAutocomplete = async (i: AutocompleteInteraction): Promise<void> => {
    const focused = i.options.getFocused(true);
    const values =
      focused.name === 'deck'
        ? engine.deckIds()
        : focused.name === 'timezone'
          ? timeZones()
          : ([] as string[]);
    const picked = matching(values, String(focused.value), INBOUND_DEFAULTS.autocompleteChoices);
    await i.respond(picked.map((v) => ({ name: v, value: v })));
  };

  const answerFailure = async (i: RepliableInteraction): Promise<void> => {
    const msg = ephemeral(render(errorView(new Error('interaction failed')), { interaction: i.id }));
    if (i.deferred || i.replied) await i.followUp(msg);
    else await i.reply(msg);
  };

  return async (interaction: Interaction): Promise<void> => {
    const started = Date.now();
    try {
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isButton()) await onButton(interaction);
      else if (interaction.isAutocomplete()) await onAutocomplete(interaction);
      else log.debug({ interaction: interaction.id, type: interaction.type }, 'ignored interaction');
      log.debug({ interaction: interaction.id, ms: Date.now() - started }, 'interaction answered');
    } catch (err) {
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
        await answerFailure(interaction);
      } catch (err2) {
        log.error({ err: err2, interaction: interaction.id }, 'could not tell the user about the failure');
      }
    }
  };
}
