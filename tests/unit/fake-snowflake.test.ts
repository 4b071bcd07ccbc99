import { describe, expect, it } from 'vitest';
import { snowflake, snowflakeOnShard } from '../fakes/discord/payloads.js';

describe("the fake Discord's snowflakes", () => {
  it('never repeat, even 30,000 within one millisecond, and keep their time (and so their shard)', () => {
    const at = Date.UTC(2026, 10, 30, 12);
    const ids = Array.from({ length: 30_000 }, () => snowflake(at));
    expect(new Set(ids).size).toBe(ids.length);
    const time = (id: string) => Number((BigInt(id) >> 22n) + 1_420_070_400_000n);
    expect(ids.every((id) => time(id) === at)).toBe(true);
    const guilds = Array.from({ length: 300 }, (_, i) => snowflakeOnShard(i % 3, 3));
    expect(new Set(guilds).size).toBe(guilds.length);
    expect(guilds.every((id, i) => Number((BigInt(id) >> 22n) % 3n) === i % 3)).toBe(true);
  });
});
