import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { SLACK_SECRET, SLACK_TEAM } from './bot-rig.js';
import { compileChild, startChild } from './child.js';
import type { BenchContext } from './context.js';
import { ROOT } from './fixtures.js';
import { info, notMeasured, type SectionResult } from './report.js';
import { median, round, sleep, spread } from './stats.js';

const APP = join(ROOT, 'bench/.tmp/app');
/** How long a started process is left alone before its RSS is read. */
const IDLE_MS = 2_000;
const READY_TIMEOUT_MS = 60_000;

/** One start: spawn to ready, and the resident set after it idled. */
interface Start {
  readyMs: number;
  rssMiB: number;
  /** quizbot only: when each start-up log line arrived, ms after spawn (the phases of its start). */
  lines?: { msg: string; at: number }[];
}

/**
 * The image's layout under bench/.tmp/app: every src/ file transpiled one to one into dist/ (as
 * `tsc -p tsconfig.build.json` does; esbuild, for speed), the Lua and CSS assets beside them (as
 * bin/copy-assets.mjs does) and bin/quizbot.mjs, which runs dist/cli.js when there is no src/.
 */
async function buildApp(): Promise<void> {
  const { build } = await import('esbuild');
  const all = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? all(join(dir, e.name)) : [join(dir, e.name)],
    );
  const files = all(join(ROOT, 'src'));
  await build({
    entryPoints: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: join(APP, 'dist'),
    outbase: join(ROOT, 'src'),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
  for (const f of files.filter((x) => /\.(lua|css)$/.test(x))) {
    const to = join(APP, 'dist', relative(join(ROOT, 'src'), f));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f, to);
  }
  mkdirSync(join(APP, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin/quizbot.mjs'), join(APP, 'bin/quizbot.mjs'));
}

/** Resident set of a process from /proc (Linux), MiB. */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Resolves with ms from `t0` when a stdout line matches `ready`; rejects on exit or timeout. */
function whenReady(
  proc: ChildProcess,
  t0: number,
  ready: (line: string) => boolean,
  seen?: (line: string, at: number) => void,
): Promise<number> {
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => {
    err = (err + c).slice(-2_000);
  });
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
    if (!proc.stdout) return;
    createInterface({ input: proc.stdout }).on('line', (line) => {
      seen?.(line, performance.now() - t0);
      if (!ready(line)) return;
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
  });
}

/** Waits for a process to exit, SIGKILLing it after `ms`. */
async function exited(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  if (await Promise.race([gone.then(() => true), sleep(ms).then(() => false)])) return;
  proc.kill('SIGKILL');
  await gone;
}

/**
 * `bin/quizbot.mjs start` from the image layout, pointed at the fakes and the bench's Redis.
 * With `node` flags (the profiled start) it is stopped as soon as it is ready.
 */
async function startQuizbot(env: Record<string, string>, node: string[] = []): Promise<Start> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...node, join(APP, 'bin/quizbot.mjs'), 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: { msg: string; at: number }[] = [];
  const seen = (line: string, at: number) => {
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
    if (msg) lines.push({ msg, at });
  };
  try {
    const readyMs = await whenReady(proc, t0, (l) => l.includes('"quizbot running"'), seen);
    if (node.length) return { readyMs, rssMiB: Number.NaN };
    await sleep(IDLE_MS);
    const rssMiB = rssOf(proc.pid as number);
    return { readyMs, rssMiB, lines: lines.filter((l) => l.at <= readyMs) };
  } finally {
    proc.kill('SIGTERM');
    await exited(proc, 15_000);
  }
}

/** The bare process (bench/bare-child.ts): a discord.js login and a Bolt app started, nothing else. */
async function startBare(args: string[], config: object): Promise<Start> {
  const t0 = performance.now();
  const child = startChild({ args, how: '' }, config, { timeoutMs: READY_TIMEOUT_MS + 30_000 });
  try {
    await Promise.race([
      child.ready,
      sleep(READY_TIMEOUT_MS).then(() => Promise.reject(new Error('not ready'))),
    ]);
    const readyMs = performance.now() - t0;
    await sleep(IDLE_MS);
    return { readyMs, rssMiB: rssOf(child.proc.pid as number) };
  } finally {
    await Promise.race([child.request({ op: 'stop' }).catch(() => {}), sleep(5_000)]);
    await exited(child.proc, 5_000);
  }
}

/** Section 12: start-up time and idle RSS of `quizbot start`, each against a bare login in the same run. */
export async function startupSection(ctx: BenchContext): Promise<SectionResult> {
  const title = '12. Start-up against a bare login';
  const fd = await import('../tests/fakes/discord/fake-discord.js');
  const { snowflake } = await import('../tests/fakes/discord/payloads.js');
  const { startFakeSlack } = await import('../tests/fakes/slack/fake-slack.js');
  const guild = { id: snowflake(), name: 'Bench server', channels: [{ id: snowflake(), name: 'quiz' }] };
  const discord = await fd.FakeDiscord.start({ guilds: [guild] });
  const slack = await startFakeSlack({ teamId: SLACK_TEAM });
  const pairs: { bot: Start; bare: Start; load: number }[] = [];
  let profiledNote = '';
  try {
    ctx.progress.step('start-up: building the image layout (bench/.tmp/app) and the bare child');
    await buildApp();
    const bare = await compileChild('bare-child');
    const env = {
      REDIS_URL: ctx.url,
      DISCORD_TOKEN: 'bench-token',
      DISCORD_API_URL: discord.apiUrl,
      SLACK_BOT_TOKEN: 'xoxb-bench-token',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_PORT: '0',
      HTTP_PORT: '0',
    };
    const bareConfig = {
      discordApiUrl: discord.apiUrl,
      slackApiUrl: slack.apiUrl,
      slackSecret: SLACK_SECRET,
    };
    const n = Math.max(4, ctx.runs);
    // One warm-up pair (disk cache, compiled code cache), then A B A B ...
    for (let i = 0; i <= n; i++) {
      const what = i === 0 ? 'warm-up' : `pair ${i}/${n}`;
      ctx.progress.step(`start-up: ${what}: quizbot start`);
      const bot = await startQuizbot(env);
      ctx.progress.step(`start-up: ${what}: bare login`);
      const b = await startBare(bare.args, bareConfig);
      if (i > 0) pairs.push({ bot, bare: b, load: loadavg()[0] ?? Number.NaN });
    }
    ctx.progress.step('start-up: one more quizbot start under the CPU profiler');
    profiledNote = await profiledStart(env);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0] ?? 'failed';
    return {
      title,
      rows: [notMeasured('start-up: quizbot / bare login, time to ready', 'x', why)],
      notes: [`Not measured: ${why}.`],
    };
  } finally {
    await discord.close().catch(() => {});
    await slack.close().catch(() => {});
  }
  const out = startupResult(title, pairs);
  if (profiledNote) out.notes.push(profiledNote);
  return out;
}

/** Which package (or part of quizbot's dist/) a profiled function's script belongs to. */
function packageOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(idle)') return 'idle (waiting for I/O)';
  if (fn === '(program)') return 'V8 outside JavaScript (parsing, compiling)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return (parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]) ?? url;
  }
  const dist = url.indexOf('/app/dist/');
  if (dist >= 0) return `quizbot dist/${url.slice(dist + 10).split('/')[0]}`;
  return url.startsWith('node:') || !url
    ? 'node internals and native code (module loading and compiling, I/O)'
    : url;
}

/** One more quizbot start under `node --cpu-prof`, stopped once ready: its CPU by package, for the notes. */
async function profiledStart(env: Record<string, string>): Promise<string> {
  const dir = join(ROOT, 'bench/.tmp/startup-prof');
  rmSync(dir, { recursive: true, force: true });
  const started = await startQuizbot(env, ['--cpu-prof', '--cpu-prof-dir', dir]);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return '';
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const frame = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const by = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const cf = frame.get(id);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    if (cf)
      by.set(packageOf(cf.url, cf.functionName), (by.get(packageOf(cf.url, cf.functionName)) ?? 0) + dt);
  });
  const top = [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, ms]) => `${k} ${round(ms, 0)} ms`)
    .join(', ');
  return `**quizbot start under the CPU profiler** (\`node --cpu-prof\`, one more start, ready after ${round(started.readyMs, 0)} ms, stopped at once; ${round(total, 0)} ms profiled, shutdown included): self time by package — ${top}.`;
}

function startupResult(title: string, pairs: { bot: Start; bare: Start; load: number }[]): SectionResult {
  const time = pairs.map((p) => p.bot.readyMs / p.bare.readyMs);
  const rss = pairs.map((p) => p.bot.rssMiB / p.bare.rssMiB);
  const col = (f: (p: (typeof pairs)[number]) => number) => pairs.map(f);
  const rows = [
    info(
      'start-up: quizbot / bare login, time to ready (median of paired ratios)',
      median(time),
      'x',
      `pairs ${spread(time)}`,
    ),
    info(
      'start-up: quizbot start, process start -> ready',
      median(col((p) => p.bot.readyMs)),
      'ms',
      `runs ${spread(
        col((p) => p.bot.readyMs),
        0,
      )}`,
    ),
    info(
      'start-up: bare login, process start -> ready',
      median(col((p) => p.bare.readyMs)),
      'ms',
      `runs ${spread(
        col((p) => p.bare.readyMs),
        0,
      )}`,
    ),
    info(
      'start-up: quizbot / bare login, idle RSS (median of paired ratios)',
      median(rss),
      'x',
      `pairs ${spread(rss)}`,
    ),
    info(
      'start-up: quizbot idle RSS',
      median(col((p) => p.bot.rssMiB)),
      'MiB',
      `runs ${spread(
        col((p) => p.bot.rssMiB),
        1,
      )}`,
    ),
    info(
      'start-up: bare login idle RSS',
      median(col((p) => p.bare.rssMiB)),
      'MiB',
      `runs ${spread(
        col((p) => p.bare.rssMiB),
        1,
      )}`,
    ),
  ];
  const per = pairs
    .map(
      (p) =>
        `${round(p.bot.readyMs, 0)} / ${round(p.bare.readyMs, 0)} ms, ${round(p.bot.rssMiB, 1)} / ${round(p.bare.rssMiB, 1)} MiB (load ${p.load.toFixed(2)})`,
    )
    .join('; ');
  const notes = [
    `**quizbot** is \`bin/quizbot.mjs start\` run from the image's layout (bench/.tmp/app: src/ transpiled file by file into dist/ with esbuild, the Lua and CSS assets beside it, bin/quizbot.mjs, which runs dist/cli.js as the Docker image does; not tsx), with the environment pointed at the bench's fakes and redis-server: DISCORD_TOKEN + DISCORD_API_URL (gateway), SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET + SLACK_API_URL (HTTP mode), REDIS_URL, SLACK_PORT and HTTP_PORT 0. Ready is its \`quizbot running\` log line: Redis connected and its scripts defined, the decks loaded, the health server listening, Discord logged in with its commands registered, Bolt's HTTP receiver listening, the scheduler started. **The bare login** is bench/bare-child.ts (esbuild bundle on node): a discord.js client logged in (clientReady) and a Bolt app initialised (auth.test) and listening, both against the same fakes; ready is its READY line. Both are timed by the bench from just before spawn to that line (node's own boot included in both), then left idle ${IDLE_MS / 1000} s before their VmRSS is read from /proc. One warm-up pair, then quizbot and the bare login alternate; the ratio is taken per pair. Issue 17 asks for these ratios without a limit: the rows carry no target.`,
    `Per pair (quizbot / bare): ${per}.`,
    `**Where quizbot's start-up goes** (from its log: modules loaded, Redis connected and the decks parsed by \`quizbot core ready\`; Discord logged in by \`discord connected\`; the chart renderer is loaded at the first chart, not at start) (median over the pairs of when each of its log lines arrived, ms after spawn; the bare login's ready at ${round(median(col((p) => p.bare.readyMs)), 0)} ms for comparison): ${phases(pairs.map((p) => p.bot.lines ?? []))}.`,
  ];
  return { title, rows, notes };
}

/** `msg at N ms` for each start-up log line, median over the starts, in order. */
function phases(starts: { msg: string; at: number }[][]): string {
  const by = new Map<string, number[]>();
  for (const lines of starts) for (const l of lines) by.set(l.msg, [...(by.get(l.msg) ?? []), l.at]);
  return [...by]
    .map(([msg, at]) => ({ msg, at: median(at) }))
    .sort((a, b) => a.at - b.at)
    .map((x) => `${x.msg} ${round(x.at, 0)}`)
    .join(', ');
}
