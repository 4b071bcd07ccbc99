import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { ADMIN_KINDS } from '../../engine/api.js';
import { PERIOD_CHOICES } from '../../engine/args.js';

/** Slash command names, in one place for the inbound dispatcher. */
export const COMMAND = {
  review: 'review',
  stats: 'stats',
  leaderboard: 'leaderboard',
  decks: 'decks',
  forget: 'forget-me',
  settings: 'settings',
  admin: 'quiz-admin',
} as const;

/** Subcommands of `/quiz-admin`: the engine's AdminCommand kinds. */
export const ADMIN_SUBCOMMANDS = ADMIN_KINDS;

/** Permission that `/quiz-admin` requires, both as the command default and in the server-side check. */
export const ADMIN_PERMISSION = PermissionFlagsBits.ManageGuild;

/** What the bot needs in a channel to post and edit daily quizzes. */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.ReadMessageHistory;

const deckOption = (required: boolean, description: string): APIApplicationCommandBasicOption => ({
  type: ApplicationCommandOptionType.String,
  name: 'deck',
  description,
  required,
  autocomplete: true,
  max_length: 32,
});

const channelOption = (description: string): APIApplicationCommandBasicOption => ({
  type: ApplicationCommandOptionType.Channel,
  name: 'channel',
  description,
  required: false,
  channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement],
});

const inGuildAndDm = {
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
};
const inGuildOnly = {
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild],
};

/** The slash commands, exactly as registered (bulk overwrite). */
export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND.review,
      description: 'Review your due flashcards privately (spaced repetition)',
      options: [deckOption(false, 'Deck to review (default: the default deck)')],
      ...inGuildAndDm,
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND.stats,
      description: 'Your private study stats: due cards, reviews, retention, streak',
      options: [deckOption(false, 'Only this deck (default: all decks)')],
      ...inGuildAndDm,
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND.leaderboard,
      description: "This server's daily quiz leaderboard: top 10 and your rank",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'period',
          description: 'Which period (default: this week)',
          required: false,
          choices: PERIOD_CHOICES.map((c) => ({ name: c.label, value: c.value })),
        },
      ],
      ...inGuildOnly,
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND.decks,
      description: 'List the loaded decks with their card counts',
      ...inGuildAndDm,
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND.forget,
      description: 'Delete everything this bot keeps about you (asks you to confirm first)',
      ...inGuildAndDm,
    },
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND.settings,
      description: 'Your personal settings (private)',
      options: [
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: 'timezone',
          description: 'Show or set the timezone whose midnight starts your study day',
          options: [
            {
              type: ApplicationCommandOptionType.String,
              name: 'timezone',
              description: 'IANA timezone, e.g. Europe/Berlin (leave empty to see the current one)',
              required: false,
              autocomplete: true,
              max_length: 64,
            },
          ],
        },
      ],
      ...inGuildAndDm,
    },
    adminCommand(),
  ];
}

function channelFor(what: string): APIApplicationCommandBasicOption {
  return channelOption(`Channel to ${what} (default: this channel)`);
}

/** `/quiz-admin`: the schedule commands, for members with Manage Server. */
function adminCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: COMMAND.admin,
    description: 'Manage daily quiz schedules of this server (Manage Server)',
    default_member_permissions: String(ADMIN_PERMISSION),
    ...inGuildOnly,
    options: [
      scheduleSubcommand(),
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'unschedule',
        description: 'Stop the daily question in a channel',
        options: [channelFor('stop')],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'list',
        description: "List this server's schedules",
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'pause',
        description: 'Pause the daily question in a channel (schedule kept)',
        options: [channelFor('pause')],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'resume',
        description: 'Resume a paused daily question',
        options: [channelFor('resume')],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'post-now',
        description: "Post a question now (an extra one if today's was posted)",
        options: [channelFor('post in')],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'dashboard',
        description: 'A private one-time sign-in link to the web dashboard',
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'insights',
        description: 'Team insights: hardest cards, recall, participation, streaks, FSRS parameters',
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'fsrs-reset',
        description: "Back to FSRS's default parameters for this server's reviews",
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'forget-team',
        description: "Delete all of this server's quiz data now (asks to confirm)",
      },
    ],
  };
}

/** `/quiz-admin schedule`. */
function scheduleSubcommand(): APIApplicationCommandSubcommandOption {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'schedule',
    description: 'Post a daily question in a channel',
    options: [
      deckOption(true, 'Deck the questions come from'),
      {
        type: ApplicationCommandOptionType.String,
        name: 'time',
        description: 'Local posting time, HH:MM (24h), e.g. 09:30',
        required: true,
        min_length: 4,
        max_length: 5,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'timezone',
        description: 'IANA timezone, e.g. Europe/Berlin or America/New_York',
        required: true,
        autocomplete: true,
        max_length: 64,
      },
      channelFor('post in'),
      {
        type: ApplicationCommandOptionType.String,
        name: 'weekdays',
        description: 'Days to post, e.g. mon-fri (default) or mon,wed,fri',
        required: false,
        max_length: 40,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'close',
        description: 'Close after a duration (8h, 90m) or at a local time (17:00); default 8h',
        required: false,
        max_length: 10,
      },
    ],
  };
}
