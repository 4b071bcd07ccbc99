import { webApi } from '@slack/bolt';
import type { Client } from 'discord.js';
import { ADMIN_PERMISSION } from '../adapters/discord/command-definitions.js';
import { SlackAdmins } from '../adapters/slack/admins.js';
import type { Platform, TeamRef } from '../engine/ports.js';
import type { AdminCheck } from './deps.js';

/** Per platform: is this user an admin of this team right now? */
export type PlatformAdminCheck = (teamId: string, userId: string) => Promise<boolean>;

/**
 * Discord: the member's permissions in the guild, fetched over REST (GET guild member: no
 * privileged intent needed), must include Manage Server, the same permission `/quiz-admin` checks.
 * `force`: a fresh answer on every write, never a cached member.
 */
export function discordAdminCheck(client: Client): PlatformAdminCheck {
  return async (teamId, userId) => {
    const guild = await client.guilds.fetch(teamId);
    const member = await guild.members.fetch({ user: userId, force: true });
    return member.permissions.has(ADMIN_PERMISSION);
  };
}

/** Slack: users.info says admin or owner (cached a minute), or the user is in SLACK_ADMIN_USERS. */
export function slackAdminCheck(o: {
  /** The bot token of a workspace (one token in single-workspace mode, its installation's with OAuth). */
  botToken: (teamId: string) => Promise<string | null>;
  apiUrl?: string | undefined;
  adminUsers: readonly string[];
}): PlatformAdminCheck {
  const byToken = new Map<string, SlackAdmins>();
  return async (teamId, userId) => {
    const token = await o.botToken(teamId);
    if (!token) return false;
    let admins = byToken.get(token);
    if (!admins) {
      const client = new webApi.WebClient(token, o.apiUrl ? { slackApiUrl: o.apiUrl } : {});
      admins = new SlackAdmins(client, { adminUsers: o.adminUsers });
      if (byToken.size >= 1_000) byToken.clear();
      byToken.set(token, admins);
    }
    return admins.isAdmin(userId);
  };
}

/** One {@link AdminCheck} over the platforms running in this process; null for the others. */
export function adminCheck(checks: Map<Platform, PlatformAdminCheck>): AdminCheck {
  return async (team: TeamRef, userId: string) => {
    const check = checks.get(team.platform);
    return check ? check(team.teamId, userId) : null;
  };
}
