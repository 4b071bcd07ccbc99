/**
 * quizbot benchmarks: `npm run bench` (full) or `npm run bench -- --quick` (under a minute).
 *
 * Starts its own redis-server on a free port, runs the sections one after another, prints a table
 * on stdout (progress on stderr), and writes bench/RESULTS.md and bench/results.json. Options:
 *   --quick          reduced sizes and durations
 *   --runs=N         repeated runs per measurement (default 3 quick, 5 full; fan-out 3)
 *   --only=a,b       sections: grade, memory, storm, e2e, fanout, sharded, close, import, web, charts, statsload, fsrs, cluster, startup
 *   --notes          print the sections' notes (what RESULTS.md would say) after the table
 *   --no-aof         redis-server without AOF (default: appendonly yes, as deployed)
 *   --no-write       print only, leave RESULTS.md and results.json as they are
 *   --strict         exit 1 when a target is missed or something was not measured
 * Environment, for looking into a profile by hand:
 *   BENCH_RAW_PROFILES=<dir>     every profiled stretch also writes its V8 .cpuprofile there
 *   BENCH_PROFILED_BURSTS=<n>    bursts per process under the profiler in e2e (default 3)
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { chartsSection } from './charts.js';
import { cleanChildren } from './child.js';
import { closeSection } from './close.js';
import { clusterSection } from './cluster.js';
import type { BenchContext } from './context.js';
import { e2eSection } from './e2e.js';
import { fanoutSection } from './fanout.js';
import { sharedFanoutSection } from './fanout-shared.js';
import { ROOT } from './fixtures.js';
import { fsrsFitSection } from './fsrs-fit.js';
import { gradeSection } from './grade.js';
import { importSection } from './import.js';
import { memorySection } from './memory.js';
import { Progress } from './progress.js';
import { startBenchRedis } from './redis.js';
import { notMeasured, type SectionResult, textTable, writeJson, writeMarkdown } from './report.js';
import { startupSection } from './startup.js';
import { statsLoadSection } from './stats-load.js';
import { stormSection } from './storm.js';
import { webSection } from './web.js';

interface Section {
  id: string;
  title: string;
  /** Rough budget; past it the section is reported as not measured and the bench moves on. */
  timeoutMs: (quick: boolean) => number;
  run: (ctx: BenchContext) => Promise<SectionResult | SectionResult[]>;
}

const SECTIONS: Section[] = [
  {
    id: 'grade',
    title: '1. Grade throughput and latency',
    timeoutMs: (q) => (q ? 40_000 : 240_000),
    run: gradeSection,
  },
  {
    id: 'memory',
    title: '2. Redis memory per card state',
    timeoutMs: (q) => (q ? 30_000 : 300_000),
    run: memorySection,
  },
  {
    id: 'storm',
    title: '3. Answer storm (and 6. process RSS)',
    timeoutMs: (q) => (q ? 45_000 : 180_000),
    run: stormSection,
  },
  {
    id: 'e2e',
    title: '4. End to end through the real clients',
    timeoutMs: (q) => (q ? 180_000 : 450_000),
    run: e2eSection,
  },
  {
    id: 'fanout',
    title: '5. Daily fan-out through the rate limit',
    timeoutMs: (q) => (q ? 40_000 : 240_000),
    run: fanoutSection,
  },
  {
    id: 'sharded',
    title: '5b. Daily fan-out by 3 shard processes through one shared rate limit',
    timeoutMs: (q) => (q ? 120_000 : 300_000),
    run: sharedFanoutSection,
  },
  {
    id: 'close',
    title: '7. Closing a 20,000-answer daily round',
    timeoutMs: (q) => (q ? 60_000 : 180_000),
    run: closeSection,
  },
  {
    id: 'import',
    title: '11. Deck import of 5,000 notes',
    timeoutMs: (q) => (q ? 60_000 : 180_000),
    run: importSection,
  },
  {
    id: 'web',
    title: '8. Dashboard pages under 50 concurrent sessions',
    timeoutMs: (q) => (q ? 60_000 : 180_000),
    run: webSection,
  },
  {
    id: 'charts',
    title: '9. Charts as images',
    timeoutMs: (q) => (q ? 180_000 : 480_000),
    run: chartsSection,
  },
  {
    id: 'statsload',
    title: '9b. /stats with its chart under 50 concurrent requests',
    timeoutMs: (q) => (q ? 180_000 : 480_000),
    run: statsLoadSection,
  },
  {
    id: 'fsrs',
    title: '10. FSRS fit of one team',
    timeoutMs: (q) => (q ? 120_000 : 600_000),
    run: fsrsFitSection,
  },
  {
    id: 'cluster',
    title: '11. Redis Cluster vs one Redis',
    timeoutMs: (q) => (q ? 90_000 : 300_000),
    run: clusterSection,
  },
  {
    id: 'startup',
    title: '12. Start-up against a bare login',
    timeoutMs: (q) => (q ? 240_000 : 480_000),
    run: startupSection,
  },
];

/** A bad command line: reported without a stack. */
class UsageError extends Error {}

function arg(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (!hit) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<number> {
  const quick = arg('quick') !== undefined;
  const runs = Number(arg('runs') ?? (quick ? 3 : 5));
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError('--runs must be a positive integer');
  const only = arg('only')?.split(',').filter(Boolean);
  const unknown = only?.filter((id) => !SECTIONS.some((s) => s.id === id)) ?? [];
  if (unknown.length)
    throw new UsageError(
      `unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.id).join(', ')}`,
    );
  const aof = arg('no-aof') === undefined;
  const progress = new Progress();
  const date = new Date().toISOString();
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

  progress.step('starting redis-server');
  const redis = await startBenchRedis({ aof });
  const admin = new Redis(redis.url);
  const results: SectionResult[] = [];
  let crashed = false;
  const onSignal = (sig: NodeJS.Signals) => {
    progress.note(`\n${sig}: stopping redis-server and exiting`);
    cleanChildren();
    void redis.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ctx: BenchContext = { url: redis.url, admin, quick, runs, aof, progress };
    for (const s of SECTIONS) {
      if (only && !only.includes(s.id)) continue;
      progress.step(`${s.title}`);
      await admin.flushall('SYNC');
      try {
        const out = await withTimeout(s.run(ctx), s.timeoutMs(quick), s.title);
        results.push(...(Array.isArray(out) ? out : [out]));
      } catch (err) {
        crashed = true;
        const reason = (err as Error).message ?? String(err);
        progress.note(`${s.title}: failed: ${(err as Error).stack ?? reason}`);
        results.push({
          title: s.title,
          rows: [notMeasured(`${s.id}: section failed`, '', reason)],
          notes: [`Not measured: the section failed with \`${reason}\`.`],
        });
      }
    }
  } finally {
    progress.step('stopping redis-server');
    admin.disconnect();
    await redis.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  progress.clear();
  // Sections in the order (the storm section also reports section 6).
  const num = (r: SectionResult) => Number(/^(\d+)\./.exec(r.title)?.[1] ?? 99);
  results.sort((a, b) => num(a) - num(b));

  process.stdout.write(`\nquizbot bench (${quick ? 'quick' : 'full'}, ${runs} runs, ${date})\n\n`);
  process.stdout.write(`${textTable(results)}\n\n`);
  if (arg('notes') !== undefined)
    for (const r of results) process.stdout.write(`## ${r.title}\n\n${r.notes.join('\n\n')}\n\n`);
  if (arg('no-write') === undefined) {
    const runInfo = {
      mode: quick ? ('quick' as const) : ('full' as const),
      date,
      redis: redis.describe,
      runs: `${runs} per measurement (daily fan-out: ${Math.min(runs, 3)})`,
      load,
      seconds: progress.elapsed(),
    };
    writeMarkdown(join(ROOT, 'bench/RESULTS.md'), results, runInfo);
    writeJson(join(ROOT, 'bench/results.json'), results);
    process.stdout.write('written: bench/RESULTS.md, bench/results.json\n');
  }
  return exitCode(results, progress, crashed);
}

/** Prints the tally; 2 when a section crashed, 1 under --strict when a target was missed or not measured. */
function exitCode(results: SectionResult[], progress: Progress, crashed: boolean): number {
  const rows = results.flatMap((r) => r.rows);
  const missed = rows.filter((r) => r.pass === false).length;
  const unmeasured = rows.filter((r) => r.value === null).length;
  process.stdout.write(
    `${missed} target(s) missed, ${unmeasured} not measured, in ${progress.elapsed().toFixed(0)} s\n`,
  );
  if (crashed) return 2;
  return arg('strict') !== undefined && (missed > 0 || unmeasured > 0) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything the bench started is closed by now; if a library still holds a handle open, say
    // which and do not hang on it.
    setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'TTYWrap');
      if (open.length) process.stderr.write(`bench: still open after 3 s (${open.join(', ')}); exiting\n`);
      process.exit(code);
    }, 3_000).unref();
  },
  (err: unknown) => {
    const usage = err instanceof UsageError;
    process.stderr.write(
      `\nbench ${usage ? 'usage' : 'failed'}: ${usage ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    process.exit(2);
  },
);
