import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchContext } from './context.js';
import { ROOT } from './fixtures.js';
import { info, type SectionResult, target } from './report.js';
import { median, percentile, round, sleep } from './stats.js';

const SESSIONS = 50;
const MB = 1024 * 1024;

interface Phase {
  phase: 'core' | 'web';
  rss: number;
  port?: number;
  links?: string[];
  deckId?: string;
  cardId?: string;
}

/** VmRSS of a process, bytes (Linux). */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Signs in through the real form post; returns the session cookie. */
async function signIn(link: string): Promise<string> {
  const u = new URL(link);
  const res = await fetch(new URL('/login', u), {
    method: 'POST',
    body: new URLSearchParams({ t: u.searchParams.get('t') ?? '' }),
    redirect: 'manual',
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
  return cookie;
}

/**
 * One run: the signed-in sessions each load the dashboard's pages in turn, all at once: back to
 * back (`paceMs` 0, saturation), or one page every `paceMs` each, starting spread over one pace.
 */
async function load(
  base: string,
  cookies: string[],
  pages: string[],
  perSession: number,
  paceMs = 0,
): Promise<number[]> {
  const samples: number[] = [];
  const start = performance.now();
  await Promise.all(
    cookies.map(async (cookie, s) => {
      for (let i = 0; i < perSession; i++) {
        if (paceMs > 0) {
          const at = start + (s / cookies.length) * paceMs + i * paceMs;
          await sleep(at - performance.now());
        }
        const path = pages[(s + i) % pages.length] as string;
        const t0 = performance.now();
        const res = await fetch(`${base}${path}`, { headers: { cookie } });
        await res.text();
        samples.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      }
    }),
  );
  return samples;
}

/** 8. Dashboard: page render latency under 50 concurrent sessions, and the RSS it adds. */
export async function webSection(ctx: BenchContext): Promise<SectionResult> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      join(ROOT, 'bin/run-ts.mjs'),
      join(ROOT, 'bench/web-child.ts'),
      ctx.url,
      String(SESSIONS),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const phases: Phase[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => {
      phases.push(JSON.parse(l) as Phase);
      if (phases.length === 2) resolve();
    });
    child.once('exit', (code) => reject(new Error(`web child exited with ${code}`)));
  });
  try {
    await ready;
    const [core, web] = phases as [Phase, Phase];
    const base = `http://127.0.0.1:${web.port}`;
    const cookies = await Promise.all((web.links ?? []).map(signIn));
    const team = '/t/discord/bench-web';
    const pages = [
      `${team}/schedules`,
      `${team}/decks`,
      `${team}/decks/${core.deckId}`,
      `${team}/decks/${core.deckId}/cards/${core.cardId}`,
      `${team}/leaderboard?period=last-week`,
      `${team}/settings`,
    ];
    const perSession = ctx.quick ? 12 : 40;
    await load(base, cookies.slice(0, 5), pages, pages.length); // warm-up
    const paced: number[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      ctx.progress.step(`dashboard: paced run ${r + 1}/${ctx.runs}`);
      paced.push(percentile(await load(base, cookies, pages, ctx.quick ? 4 : 12, 1_000), 99));
    }
    const p99s: number[] = [];
    const p50s: number[] = [];
    let rps = 0;
    for (let r = 0; r < ctx.runs; r++) {
      ctx.progress.step(`dashboard: saturated run ${r + 1}/${ctx.runs}`);
      const t0 = performance.now();
      const s = await load(base, cookies, pages, perSession);
      rps = Math.max(rps, s.length / ((performance.now() - t0) / 1000));
      p99s.push(percentile(s, 99));
      p50s.push(percentile(s, 50));
    }
    const loaded = rssOf(child.pid as number);
    return {
      title: '8. Dashboard pages under 50 concurrent sessions',
      rows: [
        target('web: page p99, 50 sessions at 1 page/s each', median(paced), 'ms', '<=', 100),
        info('web: page p99, 50 sessions back to back (saturated)', median(p99s), 'ms'),
        info('web: page p50, 50 sessions back to back (saturated)', median(p50s), 'ms'),
        info('web: pages per second (best run)', round(rps, 0), 'pages/s'),
        info('web: RSS added by the dashboard, idle', (web.rss - core.rss) / MB, 'MB'),
        info('web: RSS added by the dashboard, after the load', (loaded - core.rss) / MB, 'MB'),
      ],
      notes: [
        `One bot-like process (engine on Redis, the bundled decks, 5 schedules) serves the dashboard; ${SESSIONS} sessions signed in through the real sign-in form fetch the pages in turn (schedules, decks, a deck, a card in the editor, last week's leaderboard, settings), all sessions at once, ${ctx.runs} runs, medians of the per-run percentiles. Paced: each session one page a second (an admin clicking fast), so the p99 is the render time under 50 sessions. Saturated: ${perSession} pages per session back to back, so the latency is mostly queueing (50 requests in flight / pages per second). The client runs in the bench process, the server in a child, on the same 2 cores.`,
        "RSS added: the child's RSS after a GC with the engine loaded, then after Fastify and the dashboard are imported and listening (idle), then after the load (read from /proc). The child runs through tsx, whose loader is in both figures alike.",
      ],
    };
  } finally {
    child.stdin?.end();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    clearTimeout(kill);
  }
}
