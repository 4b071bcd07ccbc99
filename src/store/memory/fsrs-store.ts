import type { FitAttempt, FsrsParams, FsrsStore, TeamParams, TeamRef } from '../../engine/ports.js';
import type { FsrsBackupPort, FsrsTeamExport } from '../fsrs-export.js';
import { attemptField, attemptsOf, paramsField, teamParamsOf } from '../fsrs-fields.js';
import { RETENTION } from '../retention.js';
import type { PersistedDoc } from './persist.js';

/** One team's fitting data in the embedded store. */
export interface MemoryFsrsTeam {
  /** The team. */
  team: TeamRef;
  /** Review log lines, newest first, capped at RETENTION.teamReviewLogLines. */
  log: string[];
  /** When the log is dropped (its last review + RETENTION.teamReviewLogIdleMs). */
  logExpiresAt: number;
  /** Parameters and attempts, fields as in `store/fsrs-fields.ts`. */
  fields: Record<string, string>;
}

/** The `fsrs` slice of the shared embedded-store document. */
export interface FsrsSlice {
  /** `<platform>:<teamId>` -> data. */
  teams: Record<string, MemoryFsrsTeam>;
  /** The fit lease. */
  lease: { owner: string; until: number } | null;
}

/** Documents that can hold an fsrs slice. */
export interface FsrsDoc {
  /** Created on first use. */
  fsrs?: FsrsSlice;
}

const memberOf = (t: TeamRef) => `${t.platform}:${t.teamId}`;

/** The document's fsrs slice, created when missing. */
export function fsrsSlice(doc: PersistedDoc<FsrsDoc>): FsrsSlice {
  doc.data.fsrs ??= { teams: {}, lease: null };
  return doc.data.fsrs;
}

function teamEntry(slice: FsrsSlice, t: TeamRef): MemoryFsrsTeam {
  const key = memberOf(t);
  if (!Object.hasOwn(slice.teams, key)) {
    const value: MemoryFsrsTeam = {
      team: { platform: t.platform, teamId: t.teamId },
      log: [],
      logExpiresAt: 0,
      fields: {},
    };
    Object.defineProperty(slice.teams, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return slice.teams[key] as MemoryFsrsTeam;
}

/**
 * Appends a review to a team's log (the review store calls it inside its grade, so both are saved
 * together). An expired log starts over, as its Redis key would have expired.
 */
export function appendTeamReview(doc: PersistedDoc<FsrsDoc>, t: TeamRef, line: string, now: number): void {
  const e = teamEntry(fsrsSlice(doc), t);
  if (e.logExpiresAt <= now) e.log = [];
  e.log.unshift(line);
  if (e.log.length > RETENTION.teamReviewLogLines) e.log.length = RETENTION.teamReviewLogLines;
  e.logExpiresAt = now + RETENTION.teamReviewLogIdleMs;
}

/** Team FSRS data of the embedded store (one process): every method runs to completion without awaiting before it writes. */
export class MemoryFsrsStore implements FsrsStore, FsrsBackupPort {
  constructor(private readonly doc: PersistedDoc<FsrsDoc>) {}

  private find(t: TeamRef): MemoryFsrsTeam | undefined {
    const s = fsrsSlice(this.doc);
    return Object.hasOwn(s.teams, memberOf(t)) ? s.teams[memberOf(t)] : undefined;
  }

  async teamReviews(t: TeamRef, now: number): Promise<string[]> {
    const e = this.find(t);
    return e && e.logExpiresAt > now ? [...e.log] : [];
  }

  async teamsWithReviews(now: number): Promise<TeamRef[]> {
    return Object.values(fsrsSlice(this.doc).teams)
      .filter((e) => e.log.length > 0 && e.logExpiresAt > now)
      .map((e) => ({ ...e.team }));
  }

  async params(t: TeamRef): Promise<TeamParams> {
    return teamParamsOf(this.find(t)?.fields ?? {});
  }

  async saveParams(t: TeamRef, deckId: string | null, p: FsrsParams): Promise<void> {
    teamEntry(fsrsSlice(this.doc), t).fields[paramsField(deckId)] = JSON.stringify(p);
    await this.doc.changed();
  }

  async attempts(t: TeamRef): Promise<Record<string, FitAttempt>> {
    return attemptsOf(this.find(t)?.fields ?? {});
  }

  async saveAttempt(t: TeamRef, deckId: string | null, a: FitAttempt): Promise<void> {
    teamEntry(fsrsSlice(this.doc), t).fields[attemptField(deckId)] = JSON.stringify(a);
    await this.doc.changed();
  }

  async *exportFsrs(now: number): AsyncIterable<FsrsTeamExport> {
    const teams = Object.values(fsrsSlice(this.doc).teams).sort((a, b) =>
      memberOf(a.team) < memberOf(b.team) ? -1 : 1,
    );
    for (const e of teams) {
      const hasLog = e.log.length > 0 && e.logExpiresAt > now;
      if (!hasLog && Object.keys(e.fields).length === 0) continue;
      yield {
        team: { ...e.team },
        log: hasLog ? [...e.log] : [],
        logExpiresAt: hasLog ? e.logExpiresAt : null,
        fields: { ...e.fields },
      };
    }
  }

  async importFsrs(x: FsrsTeamExport, now: number): Promise<void> {
    const e = teamEntry(fsrsSlice(this.doc), x.team);
    const keep = x.log.length > 0 && x.logExpiresAt !== null && x.logExpiresAt > now;
    e.log = keep ? [...x.log] : [];
    e.logExpiresAt = keep ? (x.logExpiresAt as number) : 0;
    e.fields = {};
    for (const [k, v] of Object.entries(x.fields))
      Object.defineProperty(e.fields, k, { value: v, enumerable: true, writable: true, configurable: true });
    await this.doc.changed();
  }

  async resetParams(t: TeamRef): Promise<void> {
    const e = this.find(t);
    if (!e) return;
    e.fields = {};
    await this.doc.changed();
  }

  async acquireFitLease(owner: string, now: number, ttlMs: number): Promise<boolean> {
    const s = fsrsSlice(this.doc);
    if (s.lease && s.lease.until > now && s.lease.owner !== owner) return false;
    s.lease = { owner, until: now + ttlMs };
    return true;
  }

  async releaseFitLease(owner: string): Promise<void> {
    const s = fsrsSlice(this.doc);
    if (s.lease?.owner === owner) s.lease = null;
  }
}

/** Weights for a deck of a team in the embedded store (the grade read). */
export function memoryWeights(
  doc: PersistedDoc<FsrsDoc>,
  t: TeamRef,
  deckId: string,
): { deck: string | undefined; team: string | undefined } {
  const s = fsrsSlice(doc);
  const e = Object.hasOwn(s.teams, memberOf(t)) ? s.teams[memberOf(t)] : undefined;
  return { deck: e?.fields[paramsField(deckId)], team: e?.fields[paramsField(null)] };
}
