import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** `quizbot start` as a real process, with everything it printed so far. */
export interface BotProcess {
  /** The child process. */
  child: ChildProcess;
  /** Its stdout and stderr, so far. */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Spawns `bin/quizbot.mjs start` with only PATH and `env`, and waits until it logged `readyMsg`. */
export async function startBotProcess(
  env: Record<string, string>,
  timeoutMs = 20_000,
  readyMsg = 'quizbot running',
): Promise<BotProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + timeoutMs;
  while (!out.includes(`"${readyMsg}"`)) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the bot did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exited };
}
