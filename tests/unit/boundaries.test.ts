import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] as string,
  );
}

describe('boundaries (DESIGN.md)', () => {
  it('the engine imports no platform, Redis or cron library, nor anything outside src/engine', () => {
    const forbidden = /^(discord\.js|@discordjs\/|@slack\/|ioredis|node-cron|pino|prom-client)/;
    const offenders: string[] = [];
    for (const f of files(join(ROOT, 'src', 'engine'))) {
      for (const spec of imports(f)) {
        const outside = spec.startsWith('.') && !join(f, '..', spec).startsWith(join(ROOT, 'src', 'engine'));
        if (forbidden.test(spec) || outside) offenders.push(`${relative(ROOT, f)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('adapters never touch the stores directly: they go through the engine', () => {
    const offenders: string[] = [];
    for (const f of files(join(ROOT, 'src', 'adapters'))) {
      for (const spec of imports(f)) {
        if (/\/store\/|ioredis/.test(spec)) offenders.push(`${relative(ROOT, f)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
