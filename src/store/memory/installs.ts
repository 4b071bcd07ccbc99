import type { InstallKey, InstallRecords } from '../../engine/ports.js';
import type { PersistedDoc } from './persist.js';

/** The installations' slice of the shared embedded-store document. */
export interface InstallSlice {
  /** `<kind>:<id>` -> sealed installation. */
  records: Record<string, string>;
  /** Workspace id -> enterprise id of the org install that serves it. */
  orgOf: Record<string, string>;
}

/** Documents that can hold an installs slice. */
export interface InstallDoc {
  /** Created on first use. */
  installs?: InstallSlice;
}

const name = (k: InstallKey) => `${k.kind}:${k.id}`;

/** Refresh locks per document: not saved (a lock outlives no process), shared by every store on the document. */
const LOCKS = new WeakMap<object, Map<string, { owner: string; until: number }>>();

/** Slack installations in the embedded store (one process: the refresh lock lives in memory). */
export class MemoryInstallRecords implements InstallRecords {
  private readonly locks: Map<string, { owner: string; until: number }>;

  constructor(
    private readonly doc: PersistedDoc<object>,
    private readonly now: () => number = Date.now,
  ) {
    let locks = LOCKS.get(doc);
    if (!locks) {
      locks = new Map();
      LOCKS.set(doc, locks);
    }
    this.locks = locks;
  }

  private get slice(): InstallSlice {
    const d = this.doc.data as InstallDoc;
    d.installs ??= { records: {}, orgOf: {} };
    return d.installs;
  }

  async put(k: InstallKey, sealed: string): Promise<void> {
    this.slice.records[name(k)] = sealed;
    await this.doc.changed();
  }

  async get(k: InstallKey): Promise<string | null> {
    return Object.hasOwn(this.slice.records, name(k)) ? (this.slice.records[name(k)] ?? null) : null;
  }

  async delete(k: InstallKey): Promise<boolean> {
    const s = this.slice;
    const had = Object.hasOwn(s.records, name(k));
    delete s.records[name(k)];
    if (k.kind === 'team') delete s.orgOf[k.id];
    else for (const t of await this.orgTeams(k.id)) delete s.orgOf[t];
    await this.doc.changed();
    return had;
  }

  async lock(k: InstallKey, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.locks.get(name(k));
    if (held && held.owner !== owner && held.until > this.now()) return false;
    this.locks.set(name(k), { owner, until: this.now() + ttlMs });
    return true;
  }

  async unlock(k: InstallKey, owner: string): Promise<void> {
    if (this.locks.get(name(k))?.owner === owner) this.locks.delete(name(k));
  }

  async linkOrg(teamId: string, enterpriseId: string): Promise<void> {
    if (this.slice.orgOf[teamId] === enterpriseId) return;
    this.slice.orgOf[teamId] = enterpriseId;
    await this.doc.changed();
  }

  async orgTeams(enterpriseId: string): Promise<string[]> {
    return Object.entries(this.slice.orgOf)
      .filter(([, e]) => e === enterpriseId)
      .map(([t]) => t);
  }

  async orgOf(teamId: string): Promise<string | null> {
    return Object.hasOwn(this.slice.orgOf, teamId) ? (this.slice.orgOf[teamId] ?? null) : null;
  }
}
