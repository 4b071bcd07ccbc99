import type { Logger } from '../../engine/api.js';
import type { InstallRecords } from '../../engine/ports.js';
import type { TeamForgetting } from '../../engine/team-forget.js';
import { SealedInstallationStore } from './installations.js';
import { type SlackOAuthOptions, slackRefresher } from './oauth.js';
import { parseTokenKey, TokenBox } from './token-box.js';

/** What OAuth distribution is set up from (the `SLACK_*` variables, validated by config.ts). */
export interface DistributionSettings {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  /** `SLACK_TOKEN_KEY`. */
  tokenKey: string;
  /** Web API base (`SLACK_API_URL`). */
  apiUrl?: string | undefined;
  /** Slack's authorize page (tests: the fake's). */
  authorizationUrl?: string | undefined;
}

/**
 * OAuth distribution over the project's store: installations sealed with the token key, rotating
 * tokens refreshed through `oauth.v2.access`; an uninstall starts the workspace's grace period and
 * a (re)install cancels it.
 */
export function slackDistribution(
  s: DistributionSettings,
  records: InstallRecords,
  forgetting: TeamForgetting,
  log: Logger,
): SlackOAuthOptions {
  const key = parseTokenKey(s.tokenKey);
  if (!key.ok) throw new Error(`SLACK_TOKEN_KEY ${key.problem}`);
  const installations = new SealedInstallationStore({
    records,
    box: new TokenBox(key.key),
    refresh: slackRefresher(s, s.apiUrl ? { slackApiUrl: s.apiUrl } : {}),
    log,
    onInstalled: async (teams) => {
      for (const teamId of teams) await forgetting.returned({ platform: 'slack', teamId });
    },
  });
  return {
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    stateSecret: s.stateSecret,
    installations,
    authorizationUrl: s.authorizationUrl,
    onUninstalled: async (teams) => {
      for (const team of teams) await forgetting.left(team);
    },
  };
}
