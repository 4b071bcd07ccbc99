import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The house rule: small files, one concept each. */
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

const ROOT = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every function-like node with a body (declarations, methods, arrows, accessors) and its line count. */
function functionSpans(name: string, text: string): { name: string; line: number; lines: number }[] {
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const own = (node as { name?: ts.Node }).name;
      const parent = node.parent as { name?: ts.Node } | undefined;
      const id = (own ?? parent?.name)?.getText(sf) ?? '<anonymous>';
      out.push({ name: id, line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe(`size: no file in src/ over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`, () => {
  const sources = files(join(ROOT, 'src')).map((f) => ({
    file: relative(ROOT, f),
    text: readFileSync(f, 'utf8'),
  }));

  it('finds the sources and measures a long function', () => {
    expect(sources.length).toBeGreaterThan(20);
    const long = `function f() {\n${'  x();\n'.repeat(100)}}\nconst g = () => 1;\n`;
    expect(functionSpans('t.ts', long)).toEqual([
      { name: 'f', line: 1, lines: 102 },
      { name: 'g', line: 103, lines: 1 },
    ]);
  });

  it('files', () => {
    const over = sources
      .map((s) => ({ file: s.file, lines: s.text.split('\n').length - (s.text.endsWith('\n') ? 1 : 0) }))
      .filter((s) => s.lines > MAX_FILE_LINES)
      .map((s) => `${s.file}: ${s.lines} lines`);
    expect(over).toEqual([]);
  });

  it('functions', () => {
    const over = sources.flatMap((s) =>
      functionSpans(s.file, s.text)
        .filter((f) => f.lines > MAX_FUNCTION_LINES)
        .map((f) => `${s.file}:${f.line} ${f.name}: ${f.lines} lines`),
    );
    expect(over).toEqual([]);
  });
});
