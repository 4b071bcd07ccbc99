/** Which installation: a workspace's own, or an Enterprise Grid org-wide one. */
export interface InstallKey {
  /** `team` (workspace id `T...`) or `org` (enterprise id `E...`). */
  kind: 'team' | 'org';
  /** The workspace or enterprise id. */
  id: string;
}

/**
 * Installations of an app distributed through OAuth (Slack) as the store keeps them: one sealed (encrypted) record
 * per workspace or org install, a token-refresh lock per installation, and which org serves a
 * workspace that has no install of its own. The records are opaque here: sealing and Bolt's
 * Installation shape are the Slack adapter's (`adapters/slack/installations.ts`).
 */
export interface InstallRecords {
  /** Stores (replaces) a sealed installation. */
  put(key: InstallKey, sealed: string): Promise<void>;
  /** The sealed installation, or null. */
  get(key: InstallKey): Promise<string | null>;
  /** Deletes an installation (a workspace's with its org link, an org's with its list of workspaces); true when there was one. */
  delete(key: InstallKey): Promise<boolean>;
  /** Takes the installation's refresh lock for `ttlMs` unless another owner holds it. */
  lock(key: InstallKey, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lock up if `owner` holds it. */
  unlock(key: InstallKey, owner: string): Promise<void>;
  /** Records that an org-wide install serves a workspace (the scheduler's token for it). */
  linkOrg(teamId: string, enterpriseId: string): Promise<void>;
  /** The org whose install serves a workspace, or null. */
  orgOf(teamId: string): Promise<string | null>;
  /** The workspaces an org-wide install has served (linked by {@link InstallRecords.linkOrg}). */
  orgTeams(enterpriseId: string): Promise<string[]>;
}
