import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PURGE_DELAY_ENV } from '../../src/charts/resvg.js';

const ROOT = join(import.meta.dirname, '../..');

/** The options resvg's allocator reports at load (mimalloc's verbose output), in a fresh process. */
async function allocatorOptions(
  env: Record<string, string>,
  mode: 'renderer' | 'bot-only' = 'renderer',
): Promise<string> {
  const { [PURGE_DELAY_ENV]: _, ...inherited } = process.env;
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'bin/run-ts.mjs'), join(ROOT, 'tests/charts/resvg-child.ts'), mode],
    { cwd: ROOT, env: { ...inherited, MIMALLOC_VERBOSE: '1', ...env } },
  );
  return stderr;
}

describe("resvg's allocator", () => {
  it('is told, by the renderer, to return freed memory after 1 ms (its option is read at load)', async () => {
    expect(await allocatorOptions({})).toContain("option 'purge_delay': 1\n");
  });

  it("keeps the operator's own setting", async () => {
    expect(await allocatorOptions({ [PURGE_DELAY_ENV]: '25' })).toContain("option 'purge_delay': 25\n");
  });

  it('is not loaded before the first chart (the renderer stays lazy)', async () => {
    // execFile rejects when the child fails, so this passes only once picture.ts has loaded.
    expect(await allocatorOptions({}, 'bot-only')).not.toContain('mimalloc:');
  });
});
