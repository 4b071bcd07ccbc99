import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Every module a source text loads: static `import`/`export ... from`, side-effect `import '...'`,
 * and dynamic `import(...)` (a dynamic import of anything but a string literal is reported as
 * `import(<expression>)`, since where it leads cannot be checked).
 */
function importsOf(text: string): string[] {
  const statics = [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] as string,
  );
  const bare = [...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
  const dynamic = [...text.matchAll(/\bimport\s*\(\s*([^)]*?)\s*\)/g)].map((m) => {
    const literal = /^(['"`])([^'"`$]+)\1$/.exec(m[1] as string);
    return literal ? (literal[2] as string) : 'import(<expression>)';
  });
  return [...statics, ...bare, ...dynamic];
}

function imports(file: string): string[] {
  return importsOf(readFileSync(file, 'utf8'));
}

describe('boundaries (DESIGN.md)', () => {
  it('the import scanner sees static, side-effect and dynamic imports', () => {
    const text = [
      "import { a } from './a.js';",
      "export * from './b.js';",
      "import './c.js';",
      "const fs = await import('node:fs');",
      'const m = await import(name);',
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.js', './b.js', './c.js', 'node:fs', 'import(<expression>)']);
  });

  it('the engine imports no platform, Redis, cron, file or network module, nor anything outside src/engine', () => {
    const forbidden =
      /^(discord\.js|@discordjs\/|@slack\/|ioredis|node-cron|pino|prom-client|(node:)?(fs|net|http|https|http2)(\/|$)|import\(<expression>\))/;
    const offenders: string[] = [];
    for (const f of files(join(ROOT, 'src', 'engine'))) {
      for (const spec of imports(f)) {
        const outside = spec.startsWith('.') && !join(f, '..', spec).startsWith(join(ROOT, 'src', 'engine'));
        if (forbidden.test(spec) || outside) offenders.push(`${relative(ROOT, f)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('only src/charts/resvg.ts loads resvg (its allocator must be set up before the native module loads)', () => {
    const offenders = files(join(ROOT, 'src'))
      .filter((f) => readFileSync(f, 'utf8').includes("'@resvg/resvg-js'"))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual(['src/charts/resvg.ts']);
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
