import { randomUUID } from 'node:crypto';
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Logger } from '../../engine/api.js';
import type { InstallKey, InstallRecords } from '../../engine/ports.js';
import type { TokenBox } from './token-box.js';

/** Bolt's installation of either kind (workspace or org-wide). */
export type AnyInstallation = Installation<'v1' | 'v2', boolean>;

/** A bot token's refresh: the new token, refresh token and lifetime (Slack's `oauth.v2.access`). */
export type RefreshToken = (
  refreshToken: string,
) => Promise<{ accessToken: string; refreshToken: string; expiresInSec: number }>;

/** Tunables of {@link SealedInstallationStore}, in one place. */
export const INSTALL_DEFAULTS = {
  /**
   * Refresh a rotating token when it expires within this many seconds: before Bolt's own window
   * (2 hours), so Bolt never refreshes by itself, outside the lock.
   */
  refreshWindowSec: 7_200 + 600,
  /** How long one replica may hold an installation's refresh lock. */
  lockMs: 15_000,
  /** How often a replica waiting on another's refresh looks for the new token. */
  pollMs: 100,
} as const;

/** Options of {@link SealedInstallationStore}. */
export interface SealedInstallationStoreOptions {
  /** Where the sealed records live (Redis or the embedded store). */
  records: InstallRecords;
  /** Seals and opens records (`SLACK_TOKEN_KEY`). */
  box: TokenBox;
  /** Refreshes a rotating bot token; without it expiring tokens are handed out as they are. */
  refresh?: RefreshToken;
  /** Logger. */
  log: Logger;
  /** Clock, ms (tests). */
  now?: () => number;
  /** Called after an installation is stored (a reinstall cancels the team's planned deletion). */
  onInstalled?: (teamIds: string[]) => Promise<void>;
  /** Overrides of {@link INSTALL_DEFAULTS}. */
  tunables?: Partial<Record<keyof typeof INSTALL_DEFAULTS, number>>;
}

/** The store key of an installation, or of what a query asks for. */
function keyOf(q: {
  isEnterpriseInstall?: boolean | undefined;
  enterpriseId?: string | undefined;
  teamId?: string | undefined;
}): InstallKey {
  if (q.isEnterpriseInstall && q.enterpriseId) return { kind: 'org', id: q.enterpriseId };
  if (q.teamId) return { kind: 'team', id: q.teamId };
  throw new Error('installation query without a team or enterprise id');
}

/** The key an installation is stored under. */
function installKey(i: AnyInstallation): InstallKey {
  return keyOf({
    isEnterpriseInstall: i.isEnterpriseInstall,
    enterpriseId: i.enterprise?.id,
    teamId: i.team?.id,
  });
}

const aadOf = (k: InstallKey) => `slack-install:${k.kind}:${k.id}`;

/**
 * Bolt's InstallationStore over the project's store: one record per workspace or org-wide
 * install, sealed with AES-256-GCM. A rotating bot token about to expire is refreshed here,
 * under the installation's lock, so among replicas exactly one refreshes (Slack invalidates the
 * old refresh token on use) and the others wait for and read the new token.
 */
export class SealedInstallationStore implements InstallationStore {
  private readonly t: Record<keyof typeof INSTALL_DEFAULTS, number>;
  private readonly now: () => number;
  private readonly owner = randomUUID();

  constructor(private readonly o: SealedInstallationStoreOptions) {
    this.t = { ...INSTALL_DEFAULTS, ...o.tunables };
    this.now = o.now ?? Date.now;
  }

  async storeInstallation(installation: AnyInstallation): Promise<void> {
    const k = installKey(installation);
    await this.put(k, installation);
    this.o.log.info({ kind: k.kind, id: k.id }, 'slack installation stored');
    await this.o.onInstalled?.(k.kind === 'team' ? [k.id] : await this.o.records.orgTeams(k.id));
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<AnyInstallation> {
    const k = keyOf(query);
    const found = await this.read(k);
    if (!found) throw new Error(`no slack installation for ${k.kind} ${k.id}`);
    // An org-wide install serves this workspace: remember it, so the scheduler finds its token.
    if (k.kind === 'org' && query.teamId) await this.o.records.linkOrg(query.teamId, k.id);
    return this.fresh(k, found);
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.o.records.delete(keyOf(query));
  }

  /** Deletes an installation; the workspaces an org install served, for their data's deletion. */
  async remove(k: InstallKey): Promise<{ removed: boolean; teams: string[] }> {
    const teams = k.kind === 'team' ? [k.id] : await this.o.records.orgTeams(k.id);
    const removed = await this.o.records.delete(k);
    if (removed) this.o.log.info({ kind: k.kind, id: k.id }, 'slack installation deleted');
    return { removed, teams };
  }

  /** The bot token to post to a workspace with: its own install's, else its org's; null when none. */
  async botToken(teamId: string): Promise<string | null> {
    let k: InstallKey = { kind: 'team', id: teamId };
    let found = await this.read(k);
    if (!found) {
      const org = await this.o.records.orgOf(teamId);
      if (!org) return null;
      k = { kind: 'org', id: org };
      found = await this.read(k);
    }
    if (!found) return null;
    return (await this.fresh(k, found)).bot?.token ?? null;
  }

  private async put(k: InstallKey, i: AnyInstallation): Promise<void> {
    await this.o.records.put(k, this.o.box.seal(JSON.stringify(i), aadOf(k)));
  }

  private async read(k: InstallKey): Promise<AnyInstallation | null> {
    const sealed = await this.o.records.get(k);
    return sealed === null ? null : (JSON.parse(this.o.box.open(sealed, aadOf(k))) as AnyInstallation);
  }

  private expiring(i: AnyInstallation): boolean {
    const at = i.bot?.expiresAt;
    return (
      Boolean(i.bot?.refreshToken) &&
      typeof at === 'number' &&
      at - this.now() / 1000 <= this.t.refreshWindowSec
    );
  }

  /**
   * The installation with a bot token that is not about to expire: refreshed by this replica if
   * it gets the lock, else read again once the holder has stored the new one. Throws when no new
   * token shows up within the lock's time, rather than handing Bolt a token it would refresh itself.
   */
  private async fresh(k: InstallKey, i: AnyInstallation): Promise<AnyInstallation> {
    const refresh = this.o.refresh;
    if (!refresh || !this.expiring(i)) return i;
    const until = this.now() + this.t.lockMs;
    while (this.now() <= until) {
      if (await this.o.records.lock(k, this.owner, this.t.lockMs)) {
        try {
          const cur = await this.read(k);
          if (!cur)
            throw new Error(`slack installation ${k.kind} ${k.id} was deleted during a token refresh`);
          if (!this.expiring(cur) || !cur.bot?.refreshToken) return cur;
          const r = await refresh(cur.bot.refreshToken);
          const next: AnyInstallation = {
            ...cur,
            bot: {
              ...cur.bot,
              token: r.accessToken,
              refreshToken: r.refreshToken,
              expiresAt: Math.floor(this.now() / 1000) + r.expiresInSec,
            },
          };
          await this.put(k, next);
          this.o.log.info({ kind: k.kind, id: k.id }, 'slack bot token refreshed');
          return next;
        } finally {
          await this.o.records.unlock(k, this.owner);
        }
      }
      await new Promise((r) => setTimeout(r, this.t.pollMs));
      const cur = await this.read(k);
      if (cur && !this.expiring(cur)) return cur;
    }
    throw new Error(
      `slack installation ${k.kind} ${k.id}: another replica's token refresh did not finish in time`,
    );
  }
}
