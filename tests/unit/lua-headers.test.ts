import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The header of every `src/store/redis/lua/<name>-<N>.lua` is a contract (bullmq's layout): it
 * documents exactly KEYS[1..N], every ARGV the script reads, and what it returns; a script that
 * writes validates its arguments (an error reply) before its first write, since Redis does not
 * roll a script back; and the TypeScript declaration of the command matches the header where it
 * spells its arguments out. New scripts are checked as soon as their file exists.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const LUA = join(ROOT, 'src', 'store', 'redis', 'lua');
const REDIS_TS = join(ROOT, 'src', 'store', 'redis');

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
  const lines = readFileSync(join(LUA, file), 'utf8').split('\n');
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

/** The argument count of the command's TypeScript declaration, or null when it takes `...args: X[]`. */
function declaredArgs(name: string, ts: string): number | null | undefined {
  const decl = new RegExp(`\\b${name}\\(([^)]*)\\)\\s*:\\s*(?:Promise|\\w+Pipeline)`).exec(ts);
  if (!decl) return undefined;
  const params = (decl[1] as string).trim();
  const rest = /^\.\.\.\w+\s*:\s*(.+)$/.exec(params);
  if (!rest) return params === '' ? 0 : params.split(',').filter((p) => p.trim() !== '').length;
  const type = (rest[1] as string).trim();
  if (type.endsWith('[]')) return null;
  const tuple = new RegExp(`type ${type} = \\[([^\\]]*)\\]`).exec(ts);
  return tuple ? (tuple[1] as string).split(',').filter((p) => p.trim() !== '').length : null;
}

describe('Lua headers are a checked contract', () => {
  const scripts = readdirSync(LUA)
    .sort()
    .map(readScript)
    .filter((s): s is Script => s !== null);
  const ts = readdirSync(REDIS_TS)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(REDIS_TS, f), 'utf8'))
    .join('\n');

  it('finds the scripts, and sees a header that lies', () => {
    expect(scripts.length).toBeGreaterThan(8);
    const bad: Script = {
      file: 'x-2.lua',
      name: 'x',
      numKeys: 2,
      header: ['-- x', '-- KEYS[1] a', '-- ARGV[1] b'],
      code: "redis.call('SET', KEYS[2], ARGV[2])\nreturn redis.error_reply('ERR x')",
    };
    expect(headerProblems(bad)).toEqual([
      'documents KEYS [1], its name says [1,2]',
      'uses ARGV[2], undocumented',
      'documents no return (-- Returns ...)',
      'writes (SET) before validating its arguments with an error reply',
    ]);
  });

  it.each(scripts.map((s) => [s.file, s] as const))('%s: header matches the code', (_file, s) => {
    expect(headerProblems(s)).toEqual([]);
  });

  it.each(scripts.map((s) => [s.file, s] as const))(
    '%s: declared in TypeScript, with as many arguments as the header where it spells them out',
    (_file, s) => {
      const n = declaredArgs(s.name, ts);
      expect(n, `no declaration ${s.name}(...) in src/store/redis`).not.toBeUndefined();
      const argv = s.header.filter((l) => /^-- ARGV\[\d+\]/.test(l)).length;
      const open = s.header.some((l) => /^-- ARGV\[\d+\.\./.test(l));
      if (n !== null && !open) expect(n).toBe(s.numKeys + argv);
    },
  );
});
