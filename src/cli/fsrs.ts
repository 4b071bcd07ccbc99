import type { Logger } from '../engine/api.js';
import type { FitMetrics, FsrsStore, Platform, TeamRef, UserRef } from '../engine/ports.js';
import type { TeamReport } from '../fsrs/fit.js';
import { FitJob } from '../fsrs/job.js';
import { loadOptimizer } from '../fsrs/optimizer.js';

const PLATFORMS: readonly Platform[] = ['discord', 'slack', 'terminal'];

/** Parses `--<option> <platform>:<id>`; throws a RangeError that shows a good value. */
function parseRefArg(option: string, s: string): { platform: Platform; id: string } {
  const i = s.indexOf(':');
  const platform = s.slice(0, i) as Platform;
  const id = s.slice(i + 1);
  if (i <= 0 || !PLATFORMS.includes(platform) || id === '') {
    throw new RangeError(
      `--${option} must be <platform>:<id> with platform ${PLATFORMS.join('|')}, e.g. discord:123456789012345678`,
    );
  }
  return { platform, id };
}

/** Parses `--team <platform>:<id>`; throws a RangeError that shows a good value. */
export function parseTeamArg(s: string): TeamRef {
  const r = parseRefArg('team', s);
  return { platform: r.platform, teamId: r.id };
}

/** Parses `--user <platform>:<id>`; throws a RangeError that shows a good value. */
export function parseUserArg(s: string): UserRef {
  const r = parseRefArg('user', s);
  return { platform: r.platform, userId: r.id };
}

const fmt = (m: FitMetrics | undefined) =>
  m ? `log loss ${m.logLoss.toFixed(4)}, RMSE(bins) ${m.rmseBins.toFixed(4)}` : '-';

/** Lines describing one team's fit. */
export function reportLines(r: TeamReport, minReviews: number, dryRun: boolean): string[] {
  const name = `${r.team.platform}:${r.team.teamId}`;
  if (r.scopes.length === 0) return [`${name}: ${r.reviews} reviews, fewer than ${minReviews}: not fitted`];
  return r.scopes.map((s) => {
    const scope = s.deckId === null ? 'team' : `deck ${s.deckId}`;
    const head = `${name} ${scope} (${s.reviews} reviews): ${s.outcome}${s.version ? ` as version ${s.version}` : ''}`;
    if (s.outcome === 'failed') return `${head}: ${s.error ?? 'unknown error'}`;
    if (s.outcome === 'skipped') return `${head} (no review since the last fit)`;
    const would = dryRun && s.outcome === 'adopted' ? ' (dry run: would adopt)' : '';
    return `${head}${would}\n  before: ${fmt(s.before)}\n  after:  ${fmt(s.after)}`;
  });
}

/** `quizbot fsrs fit`: one run now (forced), printing before/after; exit code 1 when it could not run. */
export async function fsrsFit(
  store: FsrsStore,
  o: { team?: TeamRef; dryRun: boolean; minReviews: number; log: Logger; out: (s: string) => void },
): Promise<number> {
  const job = new FitJob({
    store,
    optimizer: () => loadOptimizer(o.log),
    minReviews: o.minReviews,
    log: o.log,
  });
  const run = await job.run(Date.now(), {
    force: true,
    dryRun: o.dryRun,
    ...(o.team ? { team: o.team } : {}),
  });
  if (run.status === 'busy') {
    o.out('another process is fitting FSRS parameters right now; try again in a minute\n');
    return 1;
  }
  if (run.status === 'unavailable') {
    o.out('the FSRS optimizer (native module) cannot load on this machine: nothing fitted\n');
    return 1;
  }
  if (run.teams.length === 0) o.out('no team has a review log yet\n');
  for (const t of run.teams) o.out(`${reportLines(t, o.minReviews, o.dryRun).join('\n')}\n`);
  return 0;
}

/** `quizbot fsrs reset --team`: back to FSRS's defaults. */
export async function fsrsReset(store: FsrsStore, team: TeamRef, out: (s: string) => void): Promise<void> {
  const before = await store.params(team);
  await store.resetParams(team);
  const had = (before.team ? 1 : 0) + Object.keys(before.decks).length;
  out(
    `${team.platform}:${team.teamId}: ${had} fitted parameter set${had === 1 ? '' : 's'} removed; reviews use FSRS's defaults\n`,
  );
}
