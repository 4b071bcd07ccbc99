import type { TeamEraser, TeamRef } from '../../engine/ports.js';
import { parseDueMember } from '../team-codec.js';
import type { FsrsDoc } from './fsrs-store.js';
import type { PersistedDoc } from './persist.js';
import type { TeamDoc } from './team-data.js';

/** The planned deletions' slice of the shared embedded-store document. */
export interface EraseDoc {
  /** `<platform>:<teamId>` -> when the team's data is to be deleted, ms. */
  erase?: Record<string, number>;
}

const memberOf = (t: TeamRef) => `${t.platform}:${t.teamId}`;

/** Team deletion in the embedded store: the team's entries in every slice of the one document. */
export class MemoryTeamEraser implements TeamEraser {
  constructor(private readonly doc: PersistedDoc<object>) {}

  private get data(): TeamDoc & FsrsDoc & EraseDoc {
    return this.doc.data as TeamDoc & FsrsDoc & EraseDoc;
  }

  async eraseTeam(team: TeamRef): Promise<number> {
    const key = memberOf(team);
    const d = this.data;
    let removed = 0;
    const drop = (rec: Record<string, unknown> | undefined, k: string) => {
      if (rec && Object.hasOwn(rec, k)) {
        delete rec[k];
        removed++;
      }
    };
    drop(d.team?.teams, key);
    drop(d.fsrs?.teams, key);
    drop(d.erase, key);
    for (const m of Object.keys(d.team?.due ?? {})) {
      const item = parseDueMember(m);
      if (item && memberOf(item.team) === key) drop(d.team?.due, m);
    }
    if (removed > 0) await this.doc.changed();
    return removed;
  }

  async planErase(team: TeamRef, at: number): Promise<void> {
    this.data.erase ??= {};
    this.data.erase[memberOf(team)] = at;
    await this.doc.changed();
  }

  async cancelErase(team: TeamRef): Promise<boolean> {
    const plan = this.data.erase;
    const key = memberOf(team);
    if (!plan || !Object.hasOwn(plan, key)) return false;
    delete plan[key];
    await this.doc.changed();
    return true;
  }

  async plannedErase(team: TeamRef): Promise<number | null> {
    return this.data.erase?.[memberOf(team)] ?? null;
  }

  async dueErasures(now: number, limit: number): Promise<TeamRef[]> {
    return Object.entries(this.data.erase ?? {})
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([m]) => {
        const i = m.indexOf(':');
        return { platform: m.slice(0, i) as TeamRef['platform'], teamId: m.slice(i + 1) };
      });
  }
}
