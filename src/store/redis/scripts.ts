import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'lua');

/**
 * Loads every `lua/<name>-<numKeys>.lua` file as an ioredis custom command `<name>`
 * (EVALSHA with a fallback to EVAL, so a restarted Redis reloads scripts by itself).
 */
export function defineScripts(redis: Redis, dir = LUA_DIR): string[] {
  const names: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^([a-zA-Z][a-zA-Z0-9]*)-(\d+)\.lua$/.exec(file);
    if (!m) continue;
    const [, name, keys] = m as unknown as [string, string, string];
    redis.defineCommand(name, { numberOfKeys: Number(keys), lua: readFileSync(join(dir, file), 'utf8') });
    names.push(name);
  }
  return names;
}
