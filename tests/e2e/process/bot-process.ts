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

/**
 * Spawns `bin/quizbot.mjs start` with only PATH and `env`, and resolves once it logged `readyMsg`
 * (the event itself, not a poll). `timeoutMs` is only a guard against a bot that never gets there:
 * it is generous because a start-up on a loaded 2-core machine (tsx, nine decks, a platform login)
 * can take tens of seconds; the calling test's own timeout bounds it as well.
 */
export async function startBotProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  readyMsg = 'quizbot running',
): Promise<BotProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(guard);
      child.kill('SIGKILL');
      reject(new Error(`the bot did not start (${why}):\n${out}`));
    };
    const guard = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(`"${readyMsg}"`)) {
        clearTimeout(guard);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => fail(`exited with ${code}`));
  });
  return { child, output: () => out, exited };
}
