import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCRIPTS, type ScriptShape, scriptSource } from '../../src/store/redis/scripts.js';

/*
 * The header of every `src/store/redis/lua/<name>-<N>.lua` is a contract (bullmq's layout): it
 * documents exactly KEYS[1..N], every ARGV the script reads, and what it returns; a script that
 * writes validates its arguments (an error reply) before its first write, since Redis does not
 * roll a script back; and the script's entry in SCRIPTS (src/store/redis/scripts.ts), from which
 * the TypeScript signature of its command is typed, has the header's KEYS and ARGV (optional where
 * the header says "absent", a rest where it says ARGV[n..]). Scripts are checked as Redis runs them,
 * with their `-- @include` fragments spliced in. New scripts are checked as soon as their file exists.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const LUA = join(ROOT, 'src', 'store', 'redis', 'lua');
const FRAGMENTS = join(LUA, 'fragments');

const WRITES =
  /redis\.call\(\s*'(SET|SETEX|PSETEX|HSET|HSETNX|HMSET|HDEL|HINCRBY|DEL|UNLINK|ZADD|ZREM|ZINCRBY|ZREMRANGEBYSCORE|ZREMRANGEBYRANK|SADD|SREM|LPUSH|RPUSH|LTRIM|LREM|INCR|INCRBY|PEXPIRE|PEXPIREAT|EXPIRE|PERSIST)'/i;

interface Script {
  file: string;
  name: string;
  numKeys: number;
  header: string[];
  code: string;
}

/** A script's header (the leading comment block) and its code without comments. */
function readScript(file: string): Script | null {
  const m = /^([a-zA-Z][a-zA-Z0-9]*)-(\d+)\.lua$/.exec(file);
  if (!m) return null;
  const lines = scriptSource(LUA, file).split('\n');
  const end = lines.findIndex((l) => !l.startsWith('--'));
  const header = lines.slice(0, end < 0 ? lines.length : end);
  const code = lines
    .map((l) => l.replace(/--.*$/, ''))
    .slice(header.length)
    .join('\n');
  return { file, name: m[1] as string, numKeys: Number(m[2]), header, code };
}

/** Problems of one script's header against its code. */
function headerProblems(s: Script): string[] {
  const problems: string[] = [];
  const keys = s.header.flatMap((l) => [...l.matchAll(/^-- KEYS\[(\d+)\]/g)].map((k) => Number(k[1])));
  const want = Array.from({ length: s.numKeys }, (_, i) => i + 1);
  if (keys.join(',') !== want.join(','))
    problems.push(`documents KEYS [${keys.join(',')}], its name says [${want.join(',')}]`);
  for (const used of new Set([...s.code.matchAll(/KEYS\[(\d+)\]/g)].map((k) => Number(k[1]))))
    if (used > s.numKeys) problems.push(`uses KEYS[${used}] beyond its ${s.numKeys} keys`);
  const argv = new Set<number>();
  let from: number | null = null;
  for (const l of s.header) {
    const a = /^-- ARGV\[(\d+)(\.\.)?/.exec(l);
    if (!a) continue;
    if (a[2]) from = Number(a[1]);
    else argv.add(Number(a[1]));
  }
  for (const used of new Set([...s.code.matchAll(/ARGV\[(\d+)\]/g)].map((k) => Number(k[1])))) {
    if (!argv.has(used) && (from === null || used < from)) problems.push(`uses ARGV[${used}], undocumented`);
  }
  if (!s.header.some((l) => /^-- Returns\b/.test(l))) problems.push('documents no return (-- Returns ...)');
  const write = WRITES.exec(s.code);
  if (write) {
    const check = s.code.indexOf('error_reply');
    if (check < 0 || check > write.index)
      problems.push(`writes (${write[1]}) before validating its arguments with an error reply`);
  }
  return problems;
}

/** Problems of one script's entry in {@link SCRIPTS} (its TypeScript signature) against its header. */
function signatureProblems(s: Script): string[] {
  const shape = (SCRIPTS as Record<string, ScriptShape>)[s.name];
  if (!shape) return [`no entry ${s.name} in SCRIPTS (src/store/redis/scripts.ts)`];
  const problems: string[] = [];
  if (shape.keys.length !== s.numKeys)
    problems.push(`SCRIPTS has ${shape.keys.length} keys, the name says ${s.numKeys}`);
  // An ARGV line with its continuation lines (indented further).
  const entries = s.header.join('\n').split(/\n(?!--\s{2,})/);
  const argv = entries.flatMap((l) => {
    const a = /^-- ARGV\[(\d+)(\.\.)?\]?([\s\S]*)$/.exec(l);
    return a
      ? [{ n: Number(a[1]), rest: a[2] !== undefined, optional: /\babsent\b/.test(a[3] as string) }]
      : [];
  });
  const names = shape.argv.map((name, i) => ({
    n: i + 1,
    rest: name.startsWith('...'),
    optional: name.endsWith('?'),
  }));
  const show = (a: { n: number; rest: boolean; optional: boolean }[]) =>
    a.map((x) => `${x.n}${x.rest ? '..' : ''}${x.optional ? '?' : ''}`).join(',');
  if (show(names) !== show(argv))
    problems.push(`SCRIPTS has ARGV [${show(names)}], the header [${show(argv)}]`);
  return problems;
}

describe('Lua headers are a checked contract', () => {
  const scripts = readdirSync(LUA)
    .sort()
    .map(readScript)
    .filter((s): s is Script => s !== null);
  const fragments = readdirSync(FRAGMENTS).filter((f) => f.endsWith('.lua'));
  const raw = readdirSync(LUA)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => readFileSync(join(LUA, f), 'utf8'))
    .join('\n');

  it('finds the scripts, and sees a header that lies', () => {
    expect(scripts.length).toBeGreaterThan(8);
    const bad: Script = {
      file: 'x-2.lua',
      name: 'x',
      numKeys: 2,
      header: ['-- x', '-- KEYS[1] a', '-- ARGV[1] b', '-- ARGV[2..] c, absent = none'],
      code: "redis.call('SET', KEYS[2], ARGV[2])\nreturn redis.error_reply('ERR x')",
    };
    expect(headerProblems(bad)).toEqual([
      'documents KEYS [1], its name says [1,2]',
      'documents no return (-- Returns ...)',
      'writes (SET) before validating its arguments with an error reply',
    ]);
    expect(headerProblems({ ...bad, header: bad.header.slice(0, 3) })).toContain(
      'uses ARGV[2], undocumented',
    );
    expect(signatureProblems(bad)).toEqual(['no entry x in SCRIPTS (src/store/redis/scripts.ts)']);
    const renew = scripts.find((s) => s.name === 'dailyRenew') as Script;
    expect(
      signatureProblems({ ...renew, numKeys: 2, header: [...renew.header, bad.header[3] as string] }),
    ).toEqual(['SCRIPTS has 1 keys, the name says 2', 'SCRIPTS has ARGV [1,2,3], the header [1,2,3,2..?]']);
  });

  it.each(scripts.map((s) => [s.file, s] as const))('%s: header matches the code', (_file, s) => {
    expect(headerProblems(s)).toEqual([]);
  });

  it.each(scripts.map((s) => [s.file, s] as const))(
    '%s: its TypeScript signature (SCRIPTS) has the KEYS and ARGV of its header',
    (_file, s) => {
      expect(signatureProblems(s)).toEqual([]);
    },
  );

  it('SCRIPTS names only scripts that exist', () => {
    expect(Object.keys(SCRIPTS).sort()).toEqual(scripts.map((s) => s.name).sort());
  });

  it.each(fragments.map((f) => [f] as const))(
    'fragments/%s: included by a script, takes its keys and arguments as parameters, writes nothing',
    (file) => {
      const name = file.replace(/\.lua$/, '');
      expect(raw).toMatch(new RegExp(`^-- @include ${name}\\s*$`, 'm'));
      const code = readFileSync(join(FRAGMENTS, file), 'utf8').replace(/--.*$/gm, '');
      expect(code).not.toMatch(/\b(KEYS|ARGV)\[/);
      expect(WRITES.exec(code)).toBeNull();
    },
  );
});
