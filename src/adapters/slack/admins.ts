import type { webApi } from '@slack/bolt';

/** Options of {@link SlackAdmins}. */
export interface SlackAdminsOptions {
  /** User ids that are admins whatever Slack says (`SLACK_ADMIN_USERS`). */
  adminUsers?: readonly string[];
  /** How long a users.info answer is trusted. */
  ttlMs?: number;
  /** Time source (tests). */
  now?: () => number;
}

interface UserInfo {
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
}

/**
 * Who may administer quizbot in a workspace: its admins and owners (from `users.info`, cached
 * briefly) and the configured user ids. A failing users.info throws: the caller answers the user.
 */
export class SlackAdmins {
  private readonly fixed: Set<string>;
  private readonly cache = new Map<string, { admin: boolean; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: webApi.WebClient,
    opts: SlackAdminsOptions = {},
  ) {
    this.fixed = new Set(opts.adminUsers ?? []);
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Whether the user is a configured admin (no API call). */
  isConfigured(userId: string): boolean {
    return this.fixed.has(userId);
  }

  /** Whether the user may run admin commands. */
  async isAdmin(userId: string): Promise<boolean> {
    if (this.fixed.has(userId)) return true;
    const hit = this.cache.get(userId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.admin;
    const res = await this.client.users.info({ user: userId });
    const u = (res.user ?? {}) as UserInfo;
    const admin = Boolean(u.is_admin || u.is_owner || u.is_primary_owner);
    this.cache.set(userId, { admin, at: this.now() });
    return admin;
  }
}
