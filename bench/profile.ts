import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Where the CPU time of a profiled stretch went. */
export interface ProfileSummary {
  /** Share of samples by area (engine code, ioredis, ts-fsrs, node I/O, GC, idle...), percent. */
  areas: { area: string; pct: number }[];
  /** Functions with the most self time, percent of all samples. */
  top: { fn: string; where: string; pct: number }[];
  /** Length of the profiled stretch (all samples, idle included), ms. */
  totalMs: number;
  /**
   * The bundled child's own functions (quizbot's src in a bench child) with the most inclusive
   * time (their callees counted), percent of all samples.
   */
  own?: { fn: string; where: string; pct: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function areaOf(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle (waiting for I/O)';
  if (fn === '(garbage collector)') return 'garbage collection';
  if (url.includes('/node_modules/ioredis/')) return 'ioredis (command objects, RESP encode/decode)';
  if (url.includes('/node_modules/ts-fsrs/')) return 'ts-fsrs';
  if (url.includes('/node_modules/@slack/') || url.includes('/node_modules/axios/'))
    return 'Bolt / Slack SDK / axios';
  if (url.includes('/node_modules/discord.js/') || url.includes('/node_modules/@discordjs/'))
    return 'discord.js';
  if (url.includes('/node_modules/undici/')) return 'undici';
  if (url.includes('/src/adapters/')) return 'adapters (src/adapters)';
  if (url.includes('/src/engine/')) return 'engine (src/engine)';
  if (url.includes('/src/store/')) return 'store (src/store)';
  if (url.includes('/bench/.tmp/')) return 'bot (bundled src)';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:') || url === '' || !url.includes('/'))
    return 'node runtime (socket writes, promises, timers)';
  return 'other libraries';
}

/** Starts the V8 CPU profiler in this process; the returned function stops it and summarizes. */
export async function startProfile(): Promise<() => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    try {
      const { profile: p } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
      const dir = process.env.BENCH_RAW_PROFILES;
      if (dir) writeFileSync(join(dir, `${process.pid}-${Date.now()}.cpuprofile`), JSON.stringify(p));
      return summarize(p);
    } finally {
      await session.post('Profiler.disable').catch(() => {});
      session.disconnect();
    }
  };
}

/** Runs `work` under the V8 CPU profiler (this process) and summarizes self time. */
export async function profile<T>(work: () => Promise<T>): Promise<{ result: T; summary: ProfileSummary }> {
  const stop = await startProfile();
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return { result, summary: await stop() };
}

function summarize(p: CpuProfile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes as (CpuProfile['nodes'][number] & { children?: number[] })[])
    for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  // Samples taken while the profiler itself stops and serializes (node:inspector post) are not the workload's.
  const own = (id: number) => byId.get(parent.get(id) ?? -1)?.callFrame.url === 'node:inspector';
  p.samples.forEach((id, i) => {
    if (own(id)) return;
    const dt = p.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; t: number }>();
  for (const [id, t] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const area = areaOf(cf.url, cf.functionName);
    areas.set(area, (areas.get(area) ?? 0) + t);
    // A native frame says little by itself: name the JavaScript function that called it.
    const caller = byId.get(parent.get(id) ?? -1)?.callFrame;
    const where = cf.url
      ? `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`
      : `native, called by ${caller?.functionName || '(anonymous)'}${caller?.url ? ` in ${caller.url.split('/').slice(-2).join('/')}:${caller.lineNumber + 1}` : ''}`;
    const key = `${cf.functionName}@${where}`;
    const e = fns.get(key) ?? { fn: cf.functionName || '(anonymous)', where, t: 0 };
    e.t += t;
    fns.set(key, e);
  }
  const pct = (t: number) => Math.round((1000 * t) / Math.max(1, total)) / 10;
  return {
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, t]) => ({ area, pct: pct(t) })),
    top: [...fns.values()]
      .filter((f) => !f.fn.startsWith('('))
      .sort((a, b) => b.t - a.t)
      .slice(0, 8)
      .map((f) => ({ fn: f.fn, where: f.where, pct: pct(f.t) })),
    totalMs: total / 1000,
    own: inclusiveOwn(p, byId, parent, own).map((f) => ({ ...f, pct: pct(f.t) })),
  };
}

/** Inclusive time of the named functions of the bundled child (url under bench/.tmp/), top 8. */
function inclusiveOwn(
  p: CpuProfile,
  byId: Map<number, CpuProfile['nodes'][number]>,
  parent: Map<number, number>,
  skip: (id: number) => boolean,
): { fn: string; where: string; t: number }[] {
  const fns = new Map<string, { fn: string; where: string; t: number }>();
  p.samples.forEach((leaf, i) => {
    if (skip(leaf)) return;
    const dt = p.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id)?.callFrame;
      if (!cf?.functionName || !cf.url.includes('/bench/.tmp/')) continue;
      const where = `${cf.url.split('/').at(-1)}:${cf.lineNumber + 1}`;
      const key = `${cf.functionName}@${where}`;
      // A recursive function counts once per sample.
      if (seen.has(key)) continue;
      seen.add(key);
      const e = fns.get(key) ?? { fn: cf.functionName, where, t: 0 };
      e.t += dt;
      fns.set(key, e);
    }
  });
  return [...fns.values()].sort((a, b) => b.t - a.t).slice(0, 8);
}

/** One line for RESULTS.md. */
export function describeProfile(s: ProfileSummary): string {
  const areas = s.areas.map((a) => `${a.area} ${a.pct}%`).join(', ');
  const top = s.top.map((f) => `${f.fn} (${f.where}) ${f.pct}%`).join('; ');
  const own = s.own?.length
    ? ` The child's own functions by inclusive time: ${s.own.map((f) => `${f.fn} (${f.where}) ${f.pct}%`).join('; ')}.`
    : '';
  return `CPU by area: ${areas}. Top self time: ${top}.${own}`;
}
