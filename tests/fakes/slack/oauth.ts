import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** What a token the fake issued stands for. */
export interface FakeGrant {
  /** Workspace id, or null for an org-wide install's token. */
  teamId: string | null;
  /** Enterprise Grid org id, or null. */
  enterpriseId: string | null;
  /** An org-wide install. */
  isEnterpriseInstall: boolean;
  /** Bot user of this install. */
  botUserId: string;
  /** Unix seconds when the token stops working (token rotation), or null. */
  expiresAt: number | null;
  /** Revoked (uninstalled, or replaced by a refresh). */
  revoked: boolean;
}

/** The app as registered with the fake (what Slack knows from the app's settings). */
export interface FakeApp {
  /** Client id. */
  clientId: string;
  /** Client secret. */
  clientSecret: string;
  /** The app's redirect URL (Slack's "Redirect URLs" setting); the authorize page redirects there. */
  redirectUri: string | null;
  /** Token rotation on: tokens expire after `expiresIn` seconds and come with a refresh token. */
  rotation: { expiresIn: number } | null;
}

/** The OAuth side of the fake: the authorize page, `oauth.v2.access`, the tokens issued. */
export interface FakeSlackOAuth {
  /** The app; tests set its redirect URL once the bot listens. */
  app: FakeApp;
  /** The authorize page (`.../oauth/v2/authorize`), for the install provider's `authorizationUrl`. */
  authorizeUrl: string;
  /** Access tokens issued, by token. */
  tokens: Map<string, FakeGrant>;
  /** Refresh tokens still valid -> the access token they refresh. */
  refreshTokens: Map<string, string>;
  /** Every `oauth.v2.access` call, in order: the code exchange or the refresh. */
  exchanges: { grantType: 'authorization_code' | 'refresh_token'; ok: boolean; error?: string }[];
  /** What a token stands for (issued and not revoked), or undefined. */
  grantOf(token: string | null): FakeGrant | undefined;
  /** Revokes every token of a workspace or org (what an uninstall does). */
  revoke(id: string): void;
  /** Moves every token's expiry to `atSec` (unix seconds): a token about to expire. */
  expireAt(atSec: number): void;
}

/** An install a user approves on the authorize page (query `team`, `enterprise`, `org=1`). */
interface Approval {
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  scope: string;
  redirectUri: string | null;
}

/** The OAuth part of the fake; `nowSec` is its clock in unix seconds. */
export function fakeOAuth(
  base: () => string,
  nowSec: () => number,
): FakeSlackOAuth & {
  /** GET /oauth/v2/authorize: the user approves at once; redirects with a code and the state. */
  authorize(url: URL, res: ServerResponse): void;
  /** `oauth.v2.access`. */
  access(args: Record<string, unknown>): { ok: boolean; [k: string]: unknown };
} {
  const codes = new Map<string, Approval>();
  const tokens = new Map<string, FakeGrant>();
  const refreshTokens = new Map<string, string>();
  const exchanges: FakeSlackOAuth['exchanges'] = [];
  const app: FakeApp = {
    clientId: 'CLIENT1',
    clientSecret: 'client-secret',
    redirectUri: null,
    rotation: null,
  };
  let n = 0;

  /** New bot (and refresh) token for an approval; what `oauth.v2.access` answers with them. */
  const issue = (a: Omit<FakeGrant, 'revoked' | 'expiresAt' | 'botUserId'>) => {
    const id = a.isEnterpriseInstall ? a.enterpriseId : a.teamId;
    const rotating = app.rotation;
    const access = `${rotating ? 'xoxe.' : ''}xoxb-${id}-${++n}-${randomUUID().slice(0, 8)}`;
    const grant: FakeGrant = {
      ...a,
      botUserId: `U0BOT${id}`,
      expiresAt: rotating ? nowSec() + rotating.expiresIn : null,
      revoked: false,
    };
    tokens.set(access, grant);
    let refresh: string | undefined;
    if (rotating) {
      refresh = `xoxe-1-${id}-${n}-${randomUUID().slice(0, 8)}`;
      refreshTokens.set(refresh, access);
    }
    return {
      access_token: access,
      token_type: 'bot',
      bot_user_id: grant.botUserId,
      ...(rotating ? { refresh_token: refresh, expires_in: rotating.expiresIn } : {}),
    };
  };

  const fail = (grantType: 'authorization_code' | 'refresh_token', error: string) => {
    exchanges.push({ grantType, ok: false, error });
    return { ok: false, error };
  };

  return {
    app,
    get authorizeUrl() {
      return `${base()}/oauth/v2/authorize`;
    },
    tokens,
    refreshTokens,
    exchanges,
    grantOf(token) {
      const g = token ? tokens.get(token) : undefined;
      if (!g || g.revoked) return undefined;
      if (g.expiresAt !== null && g.expiresAt <= nowSec()) return undefined;
      return g;
    },
    revoke(id) {
      for (const g of tokens.values())
        if (g.teamId === id || (g.isEnterpriseInstall && g.enterpriseId === id)) g.revoked = true;
    },
    expireAt(atSec) {
      for (const g of tokens.values()) if (g.expiresAt !== null) g.expiresAt = atSec;
    },
    authorize(url, res) {
      const q = url.searchParams;
      const redirect = q.get('redirect_uri') ?? app.redirectUri;
      if (q.get('client_id') !== app.clientId || !redirect || !q.get('state')) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('invalid_client_id or missing redirect_uri / state');
        return;
      }
      const org = q.get('org') === '1';
      const code = `code-${randomUUID()}`;
      codes.set(code, {
        teamId: org ? null : (q.get('team') ?? 'T0TEAM'),
        enterpriseId: q.get('enterprise'),
        isEnterpriseInstall: org,
        scope: q.get('scope') ?? '',
        redirectUri: q.get('redirect_uri'),
      });
      const to = new URL(redirect);
      to.searchParams.set('code', code);
      to.searchParams.set('state', q.get('state') as string);
      res.writeHead(302, { location: to.toString() });
      res.end();
    },
    access(args) {
      if (args.client_id !== app.clientId) return fail('authorization_code', 'invalid_client_id');
      if (args.client_secret !== app.clientSecret) return fail('authorization_code', 'bad_client_secret');
      if (args.grant_type === 'refresh_token') {
        // Slack revokes a refresh token once used: a second refresh with it fails.
        const old = refreshTokens.get(String(args.refresh_token ?? ''));
        const grant = old ? tokens.get(old) : undefined;
        if (!old || !grant || grant.revoked) return fail('refresh_token', 'invalid_refresh_token');
        refreshTokens.delete(String(args.refresh_token));
        const issued = issue(grant);
        exchanges.push({ grantType: 'refresh_token', ok: true });
        return { ok: true, ...issued, team: grant.teamId ? { id: grant.teamId } : null };
      }
      const a = codes.get(String(args.code ?? ''));
      if (!a) return fail('authorization_code', 'invalid_code');
      codes.delete(String(args.code));
      if (a.redirectUri && args.redirect_uri !== a.redirectUri)
        return fail('authorization_code', 'bad_redirect_uri');
      const issued = issue(a);
      exchanges.push({ grantType: 'authorization_code', ok: true });
      return {
        ok: true,
        app_id: 'A0APP',
        authed_user: { id: 'U0INSTALLER' },
        scope: a.scope,
        ...issued,
        team: a.teamId ? { id: a.teamId, name: `Team ${a.teamId}` } : null,
        enterprise: a.enterpriseId ? { id: a.enterpriseId, name: `Org ${a.enterpriseId}` } : null,
        is_enterprise_install: a.isEnterpriseInstall,
      };
    },
  };
}
