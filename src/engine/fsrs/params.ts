import { default_w } from 'ts-fsrs';
import type { FitAttempt, FitMetrics, FsrsParams } from '../ports/fsrs-store.js';

/** FSRS's default weights (FSRS-6, 21 numbers): what a team without fitted parameters uses. */
export const DEFAULT_W: readonly number[] = Object.freeze(Array.from(default_w));

/** Whether `w` is a usable weight vector: as many finite numbers as the defaults. */
export function validWeights(w: unknown): w is number[] {
  return (
    Array.isArray(w) &&
    w.length === DEFAULT_W.length &&
    w.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

function validMetrics(m: unknown): m is FitMetrics {
  const o = m as FitMetrics | null;
  return typeof o?.logLoss === 'number' && typeof o.rmseBins === 'number';
}

/** Parses stored parameters; null for anything malformed, so a bad record falls back to defaults. */
export function decodeParams(json: string | null | undefined): FsrsParams | null {
  if (!json) return null;
  try {
    const p = JSON.parse(json) as FsrsParams;
    if (!validWeights(p.w) || !Number.isInteger(p.version) || p.version < 1) return null;
    if (!validMetrics(p.before) || !validMetrics(p.after)) return null;
    return p;
  } catch {
    return null;
  }
}

/** Parses a stored attempt; null when malformed. */
export function decodeAttempt(json: string | null | undefined): FitAttempt | null {
  if (!json) return null;
  try {
    const a = JSON.parse(json) as FitAttempt;
    return typeof a.at === 'number' && typeof a.outcome === 'string' ? a : null;
  } catch {
    return null;
  }
}

/** The weights a deck of a team reviews with: its own, else the team's, else null (defaults). */
export function pickWeights(
  deckJson: string | null | undefined,
  teamJson: string | null | undefined,
): number[] | null {
  return (decodeParams(deckJson) ?? decodeParams(teamJson))?.w ?? null;
}
