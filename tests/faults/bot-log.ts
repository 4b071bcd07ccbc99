import type { BotProcess } from '../e2e/process/bot-process.js';

/** The JSON log lines of a process's output (its children's included: they inherit its stdout). */
export function logLines(out: string): Record<string, unknown>[] {
  return out.split('\n').flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/**
 * Resolves once `check` holds for the output of `bots` (one process, or several: their outputs
 * joined), re-checked on every chunk any of them prints; fails after `ms` with the end of each.
 */
export function waitOutput(
  bots: BotProcess | BotProcess[],
  what: string,
  check: (out: string) => boolean,
  ms = 60_000,
): Promise<void> {
  const all = Array.isArray(bots) ? bots : [bots];
  const out = () => all.map((b) => b.output()).join('\n');
  if (check(out())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const off = () => {
      for (const b of all) b.child.stdout?.off('data', onData);
    };
    const onData = () => {
      if (!check(out())) return;
      clearTimeout(guard);
      off();
      resolve();
    };
    const guard = setTimeout(() => {
      off();
      const ends = all.map((b, i) => `process ${i}:\n${b.output().slice(-3000 / all.length)}`);
      reject(new Error(`timed out waiting for ${what}:\n${ends.join('\n')}`));
    }, ms);
    for (const b of all) b.child.stdout?.on('data', onData);
  });
}
