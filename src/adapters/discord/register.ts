import { type APIApplication, ApplicationIntegrationType, OAuth2Scopes, REST, Routes } from 'discord.js';
import { BOT_PERMISSIONS, commandDefinitions } from './command-definitions.js';

/*
 * Registering the slash commands with Discord and the invite URL, for a bot token.
 */

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
