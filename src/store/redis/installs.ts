import type { Redis } from 'ioredis';
import type { InstallKey, InstallRecords } from '../../engine/ports.js';
import { guard } from './connect.js';
import type { Keys } from './keys.js';
import { scripted } from './scripts.js';

/** Slack installations in Redis, each in its own slot `{i:slack:<kind>:<id>}` (see {@link Keys.slackInstall}). */
export class RedisInstallRecords implements InstallRecords {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async put(k: InstallKey, sealed: string): Promise<void> {
    await guard('installPut', () => this.redis.set(this.keys.slackInstall(k.kind, k.id), sealed));
  }

  async get(k: InstallKey): Promise<string | null> {
    return guard('installGet', () => this.redis.get(this.keys.slackInstall(k.kind, k.id)));
  }

  async delete(k: InstallKey): Promise<boolean> {
    // The org's workspaces first: their links live in their own slots.
    const served = k.kind === 'org' ? await this.orgTeams(k.id) : [];
    for (const t of served) await guard('installUnlink', () => this.redis.del(this.keys.slackOrgOf(t)));
    // Same slot as the install (`{i:slack:<kind>:<id>}`), so one DEL.
    const keys = [
      this.keys.slackInstall(k.kind, k.id),
      k.kind === 'team' ? this.keys.slackOrgOf(k.id) : this.keys.slackOrgTeams(k.id),
    ];
    const removed = await guard('installDelete', () => this.redis.exists(keys[0] as string));
    await guard('installDelete', () => this.redis.del(...keys));
    return removed > 0;
  }

  /** The generic owned lease script (`lua/fsrsLease-1.lua`): SET PX unless another owner holds it. */
  async lock(k: InstallKey, owner: string, ttlMs: number): Promise<boolean> {
    const s = scripted(this.redis);
    const key = this.keys.slackInstallLock(k.kind, k.id);
    return (await guard('installLock', () => s.fsrsLease(key, owner, 'take', String(ttlMs)))) === 1;
  }

  async unlock(k: InstallKey, owner: string): Promise<void> {
    const s = scripted(this.redis);
    const key = this.keys.slackInstallLock(k.kind, k.id);
    await guard('installUnlock', () => s.fsrsLease(key, owner, 'drop', '0'));
  }

  /** Two slots (the workspace's and the org's): two commands, each idempotent. */
  async linkOrg(teamId: string, enterpriseId: string): Promise<void> {
    await guard('installLinkOrg', () =>
      Promise.all([
        this.redis.set(this.keys.slackOrgOf(teamId), enterpriseId),
        this.redis.sadd(this.keys.slackOrgTeams(enterpriseId), teamId),
      ]),
    );
  }

  async orgTeams(enterpriseId: string): Promise<string[]> {
    return guard('installOrgTeams', () => this.redis.smembers(this.keys.slackOrgTeams(enterpriseId)));
  }

  async orgOf(teamId: string): Promise<string | null> {
    return guard('installOrgOf', () => this.redis.get(this.keys.slackOrgOf(teamId)));
  }
}
