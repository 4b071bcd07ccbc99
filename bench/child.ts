import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './fixtures.js';
import { type ProfileSummary, startProfile } from './profile.js';

const TMP = join(ROOT, 'bench/.tmp');

/** How to start a bench child process. */
export interface ChildCommand {
  /** Arguments after the node binary. */
  args: string[];
  /** For the notes: how the child runs. */
  how: string;
}

/**
 * Compiles a child entry (bench/<name>.ts) to plain JavaScript with esbuild (dependencies stay in
 * node_modules) so it runs on node as the Docker image runs dist/, without tsx's loader thread in
 * its memory and CPU; falls back to tsx when bundling fails. Code splitting keeps every dynamic
 * import a chunk of its own, loaded when it is first imported, as in dist/: a single bundle would
 * load every package any lazy module imports (ECharts, the adapters not started) at start.
 */
export async function compileChild(name: string): Promise<ChildCommand> {
  const entry = join(ROOT, 'bench', `${name}.ts`);
  const outdir = join(TMP, name);
  try {
    const { build } = await import('esbuild');
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    await build({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outdir,
      outExtension: { '.js': '.mjs' },
      logLevel: 'silent',
    });
    // scripts.ts finds its Lua next to itself, i.e. next to the bundle.
    cpSync(join(ROOT, 'src/store/redis/lua'), join(outdir, 'lua'), { recursive: true });
    return {
      args: [join(outdir, `${name}.mjs`)],
      how: 'compiled to plain JavaScript with esbuild and run on node, as the Docker image runs dist/',
    };
  } catch (err) {
    return {
      args: [join(ROOT, 'bin/run-ts.mjs'), entry],
      how: `run through tsx (bundling failed: ${(err as Error).message.split('\n')[0]}), whose loader thread adds to its memory and CPU`,
    };
  }
}

/** Removes the compiled children. */
export function cleanChildren(): void {
  rmSync(TMP, { recursive: true, force: true });
}

/** A running child speaking the bench's line protocol on stdin/stdout. */
export interface Child {
  /** Resolves with the child's `READY <json>` payload. */
  ready: Promise<unknown>;
  /** Resolves with the child's `RESULT <json>` payload once it exited with 0. */
  result: Promise<unknown>;
  /** Sends `{id, ...msg}` as one JSON line; resolves with the matching `REPLY` (rejects on `error`). */
  request<T>(msg: object): Promise<T>;
  /** Kills the child if it still runs. */
  kill(): void;
  /** The process. */
  proc: ChildProcess;
}

/**
 * Starts `node <args> <json config>`. The child writes `PROGRESS <text>`, `READY <json>`,
 * `REPLY <json with id>` and `RESULT <json>` lines; anything else on stdout is ignored, stderr is
 * kept (its tail goes into the error when the child fails). The child is killed after `timeoutMs`
 * and when the bench exits. `nodeOptions`, when given, replaces the NODE_OPTIONS it would inherit.
 */
export function startChild(
  command: ChildCommand,
  config: object,
  opts: { timeoutMs: number; progress?: (s: string) => void; nodeOptions?: string },
): Child {
  const proc = spawn(process.execPath, [...command.args, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.nodeOptions === undefined ? {} : { env: { ...process.env, NODE_OPTIONS: opts.nodeOptions } }),
  });
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  process.once('exit', kill);
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-4_000);
  });
  const tail = () => err.trim().split('\n').slice(-6).join(' | ');
  let onReady: (v: unknown) => void = () => {};
  let onResult: unknown;
  let failReady: (e: Error) => void = () => {};
  const ready = new Promise<unknown>((resolve, reject) => {
    onReady = resolve;
    failReady = reject;
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => {
    kill();
  }, opts.timeoutMs);
  const result = exited.then((code) => {
    clearTimeout(timer);
    process.off('exit', kill);
    const why = new Error(
      `child ${command.args.at(-1)} exited with ${code ?? 'a signal (timeout?)'}: ${tail() || 'no stderr'}`,
    );
    failReady(why);
    for (const p of pending.values()) p.reject(why);
    pending.clear();
    if (code === 0 && onResult !== undefined) return onResult;
    throw why;
  });
  // Unobserved when a caller only needs `ready`/`request`; failures surface there.
  result.catch(() => {});
  ready.catch(() => {});
  if (proc.stdout) {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const sp = line.indexOf(' ');
      const kind = sp < 0 ? line : line.slice(0, sp);
      const rest = sp < 0 ? '' : line.slice(sp + 1);
      if (kind === 'PROGRESS') opts.progress?.(rest);
      else if (kind === 'READY') onReady(JSON.parse(rest || 'null'));
      else if (kind === 'RESULT') onResult = JSON.parse(rest);
      else if (kind === 'REPLY') {
        const msg = JSON.parse(rest) as { id: number; error?: string };
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error));
        else p?.resolve(msg);
      }
    });
  }
  let nextId = 0;
  return {
    ready,
    result,
    proc,
    kill,
    request<T>(msg: object): Promise<T> {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.stdin?.write(`${JSON.stringify({ ...msg, id })}\n`);
      });
    },
  };
}

/** The child side: reads requests, answers them, and writes the protocol lines. */
export function childSide(
  handle: (msg: { id: number; op: string } & Record<string, unknown>) => Promise<object>,
): {
  send(kind: 'PROGRESS' | 'READY' | 'RESULT', payload: unknown): void;
  closed: Promise<void>;
} {
  const send = (kind: string, payload: unknown) =>
    process.stdout.write(`${kind} ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n`);
  const rl = createInterface({ input: process.stdin });
  const closed = new Promise<void>((resolve) => rl.once('close', () => resolve()));
  rl.on('line', (line) => {
    if (!line.trim()) return;
    const msg = JSON.parse(line) as { id: number; op: string } & Record<string, unknown>;
    handle(msg).then(
      (out) => send('REPLY', { ...out, id: msg.id }),
      (err: unknown) => send('REPLY', { id: msg.id, error: (err as Error).message ?? String(err) }),
    );
  });
  return { send, closed };
}

/**
 * The requests every bench child answers alike: `cpu` (the CPU time this process itself spent,
 * which machine load moves far less than wall time), `profileStart` / `profileStop` (the V8
 * profiler in this process) and `stop` (answered first, then the process exits). The returned
 * handler answers those and gives undefined for any other op, which the child handles itself.
 */
export function commonOps(stop: () => Promise<void>): (op: string) => Promise<object> | undefined {
  let stopProfile: (() => Promise<ProfileSummary>) | undefined;
  return (op) => {
    switch (op) {
      case 'cpu': {
        const { user, system } = process.cpuUsage();
        return Promise.resolve({ ms: (user + system) / 1000 });
      }
      case 'profileStart':
        return startProfile().then((s) => {
          stopProfile = s;
          return {};
        });
      case 'profileStop': {
        const stopping = stopProfile;
        stopProfile = undefined;
        return (stopping ? stopping() : Promise.resolve(undefined)).then((summary) => ({ summary }));
      }
      case 'stop':
        return stop().then(() => {
          setTimeout(() => process.exit(0), 20);
          return {};
        });
      default:
        return undefined;
    }
  };
}
