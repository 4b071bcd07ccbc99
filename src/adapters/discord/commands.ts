import {
  type APIApplication,
  type APIApplicationCommandBasicOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  OAuth2Scopes,
  PermissionFlagsBits,
  REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  Routes,
} from 'discord.js';

/** Slash command names, in one place for the inbound dispatcher. */
export const COMMAND = {
  review: 'review',
  stats: 'stats',
  leaderboard: 'leaderboard',
  decks: 'decks',
  admin: 'quiz-admin',
} as const;

/** Subcommands of `/quiz-admin`, named like the engine's AdminCommand kinds. */
export const ADMIN_SUBCOMMANDS = ['schedule', 'unschedule', 'list', 'pause', 'resume', 'post-now'] as const;

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
  const channelFor = (what: string) => channelOption(`Channel to ${what} (default: this channel)`);
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
          choices: [
            { name: 'This week', value: 'week' },
            { name: 'This month', value: 'month' },
            { name: 'All time', value: 'all' },
          ],
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
      name: COMMAND.admin,
      description: 'Manage daily quiz schedules of this server (Manage Server)',
      default_member_permissions: String(ADMIN_PERMISSION),
      ...inGuildOnly,
      options: [
        {
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
        },
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
          description: "Post today's question now (once per day and channel)",
          options: [channelFor('post in')],
        },
      ],
    },
  ];
}

/** Default REST base (without `/v10`: the client adds the version). */
export const DEFAULT_API_URL = 'https://discord.com/api';

/** A REST client for one token; `apiUrl` points it at another Discord (a local fake in tests). */
export function createRest(token: string, apiUrl?: string): REST {
  return new REST(apiUrl ? { api: apiUrl } : {}).setToken(token);
}

/**
 * Registers every command by bulk overwrite (one PUT replaces the whole set, so removed
 * commands disappear): to one guild when `guildId` is given (instant), else globally.
 */
export async function registerCommands(rest: REST, applicationId: string, guildId?: string): Promise<number> {
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  const result = (await rest.put(route, { body: commandDefinitions() })) as unknown[];
  return Array.isArray(result) ? result.length : 0;
}

/** The application id of a bot token (`GET /applications/@me`). */
export async function fetchApplicationId(rest: REST): Promise<string> {
  const app = (await rest.get(Routes.currentApplication())) as APIApplication;
  return app.id;
}

/** `quizbot discord register`: registers the commands without logging in to the gateway. */
export async function registerWithToken(opts: {
  token: string;
  apiUrl?: string | undefined;
  guildId?: string | undefined;
}): Promise<{ applicationId: string; count: number; scope: 'guild' | 'global' }> {
  const rest = createRest(opts.token, opts.apiUrl);
  const applicationId = await fetchApplicationId(rest);
  const count = await registerCommands(rest, applicationId, opts.guildId);
  return { applicationId, count, scope: opts.guildId ? 'guild' : 'global' };
}

/** `quizbot discord invite`: the invite URL of the application a bot token belongs to. */
export async function inviteUrlForToken(opts: {
  token: string;
  apiUrl?: string | undefined;
}): Promise<string> {
  return inviteUrl(await fetchApplicationId(createRest(opts.token, opts.apiUrl)));
}

/**
 * The URL that adds the bot to a server: scopes `bot` and `applications.commands`, and the
 * permissions it needs to post and edit the daily quiz ({@link BOT_PERMISSIONS}).
 */
export function inviteUrl(applicationId: string, guildId?: string): string {
  const params = new URLSearchParams({
    client_id: applicationId,
    scope: [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands].join(' '),
    permissions: String(BOT_PERMISSIONS),
    integration_type: String(ApplicationIntegrationType.GuildInstall),
  });
  if (guildId) params.set('guild_id', guildId);
  return `https://discord.com/oauth2/authorize?${params.toString()}`;
}
