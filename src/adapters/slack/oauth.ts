import { type App, type AppOptions, webApi } from '@slack/bolt';
import type { Logger } from '../../engine/api.js';
import type {
  CallOptions,
  ChatPort,
  InstallKey,
  MessageRef,
  PostOptions,
  TeamRef,
} from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import type { SlackChatPort } from './chat-port.js';
import type { RefreshToken, SealedInstallationStore } from './installations.js';

/** The bot scopes quizbot asks a workspace for (as in deploy/slack-app-manifest.yaml). */
export const SLACK_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'users:read',
  'channels:history',
  'groups:history',
  'files:write',
  'im:write',
] as const;

/** OAuth distribution: any workspace installs the app through `/slack/install`. */
export interface SlackOAuthOptions {
  /** `SLACK_CLIENT_ID`. */
  clientId: string;
  /** `SLACK_CLIENT_SECRET`. */
  clientSecret: string;
  /** `SLACK_STATE_SECRET`: signs the install flow's state parameter. */
  stateSecret: string;
  /** Where installations are kept (sealed). */
  installations: SealedInstallationStore;
  /** Slack's authorize page, default `https://slack.com/oauth/v2/authorize` (tests: the fake's). */
  authorizationUrl?: string | undefined;
  /** Workspaces that uninstalled the app or revoked its bot token (their data's grace period starts). */
  onUninstalled?: ((teams: TeamRef[]) => Promise<void>) | undefined;
}

/** Bolt's options for OAuth mode: the install flow on the HTTP receiver, tokens from the installation store. */
export function oauthAppOptions(
  o: SlackOAuthOptions,
  clientOptions: webApi.WebClientOptions,
): Partial<AppOptions> {
  return {
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    stateSecret: o.stateSecret,
    scopes: [...SLACK_SCOPES],
    installationStore: o.installations,
    installerOptions: {
      // A copy: the install provider's client writes its own defaults into the options it gets.
      clientOptions: { ...clientOptions },
      ...(o.authorizationUrl ? { authorizationUrl: o.authorizationUrl } : {}),
    },
  };
}

/** Slack's `oauth.v2.access` with `grant_type=refresh_token` (token rotation). */
export function slackRefresher(
  o: Pick<SlackOAuthOptions, 'clientId' | 'clientSecret'>,
  clientOptions: webApi.WebClientOptions,
): RefreshToken {
  const client = new webApi.WebClient(undefined, { ...clientOptions });
  return async (refreshToken) => {
    const r = await client.oauth.v2.access({
      client_id: o.clientId,
      client_secret: o.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    if (!r.access_token || !r.refresh_token || typeof r.expires_in !== 'number')
      throw new Error('oauth.v2.access (refresh) answered without a token');
    return { accessToken: r.access_token, refreshToken: r.refresh_token, expiresInSec: r.expires_in };
  };
}

/** The installation an uninstall-like event is about: the org's for an org-wide install, else the workspace's. */
function eventInstall(body: {
  team_id?: string;
  enterprise_id?: string;
  is_enterprise_install?: boolean;
}): InstallKey | null {
  if (body.is_enterprise_install && body.enterprise_id) return { kind: 'org', id: body.enterprise_id };
  return body.team_id ? { kind: 'team', id: body.team_id } : null;
}

/**
 * `app_uninstalled` and `tokens_revoked` (with bot tokens): the installation is deleted at once
 * (Bolt never does it by itself), and the workspaces it served start their data's grace period.
 */
export function registerUninstall(
  app: App,
  o: SlackOAuthOptions,
  log: Logger,
  track: (work: Promise<void>) => void,
): void {
  const gone = async (body: Parameters<typeof eventInstall>[0], why: string) => {
    const k = eventInstall(body);
    if (!k) return;
    const { teams } = await o.installations.remove(k);
    log.info({ kind: k.kind, id: k.id, why, teams: teams.length }, 'slack app removed from a workspace');
    await o.onUninstalled?.(teams.map((teamId) => ({ platform: 'slack', teamId })));
  };
  app.event('app_uninstalled', async ({ body }) => {
    track(gone(body, 'app_uninstalled'));
  });
  app.event('tokens_revoked', async ({ body, event }) => {
    // Only the bot's token matters: user tokens are not used.
    if ((event.tokens.bot ?? []).length > 0) track(gone(body, 'tokens_revoked'));
  });
}

/**
 * The scheduler's side in OAuth mode: each workspace posts with its own bot token (its
 * installation's, or its org's), looked up (and refreshed) at each call; a port per workspace is
 * kept while its token stays the same.
 */
export class SlackTeamChatPorts implements ChatPort {
  private readonly ports = new Map<string, { token: string; port: SlackChatPort }>();

  constructor(
    private readonly installations: SealedInstallationStore,
    private readonly portFor: (token: string) => SlackChatPort,
  ) {}

  forTeam(team: TeamRef): ChatPort {
    return {
      post: async (channelId, view, opts) => (await this.port(team.teamId)).post(channelId, view, opts),
      update: async (ref, view, opts) => (await this.port(team.teamId)).update(ref, view, opts),
    };
  }

  /** Without a team there is no token to post with: only {@link SlackTeamChatPorts.forTeam} posts. */
  post(_channelId: string, _view: View, _opts: PostOptions): Promise<MessageRef> {
    return Promise.reject(new Error('slack OAuth mode posts per workspace (forTeam)'));
  }

  update(_ref: MessageRef, _view: View, _opts: CallOptions): Promise<void> {
    return Promise.reject(new Error('slack OAuth mode posts per workspace (forTeam)'));
  }

  private async port(teamId: string): Promise<SlackChatPort> {
    const token = await this.installations.botToken(teamId);
    if (!token) throw new Error(`no slack installation serves workspace ${teamId}`);
    const hit = this.ports.get(teamId);
    if (hit?.token === token) return hit.port;
    const port = this.portFor(token);
    this.ports.set(teamId, { token, port });
    return port;
  }
}
