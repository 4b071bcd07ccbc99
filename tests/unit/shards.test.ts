import { describe, expect, it } from 'vitest';
import {
  formatShardIds,
  parseShardIds,
  type ShardIdsSpec,
  shardIdsOf,
  shardOfGuild,
} from '../../src/adapters/discord/shards.js';
import { loadConfig } from '../../src/config.js';
import { childHttpPort, shardChildPlan } from '../../src/sharding.js';

const spec = (text: string): ShardIdsSpec => {
  const r = parseShardIds(text);
  if (!r.ok) throw new Error(r.error);
  return r.spec;
};

describe('DISCORD_SHARD_IDS', () => {
  it('reads ranges and lists, sorted and without repeats', () => {
    expect(spec('0-3')).toEqual({ kind: 'list', ids: [0, 1, 2, 3] });
    expect(spec('4,5')).toEqual({ kind: 'list', ids: [4, 5] });
    expect(spec(' 6, 0-1 ,1')).toEqual({ kind: 'list', ids: [0, 1, 6] });
  });

  it('reads a StatefulSet pod: its ordinal, or its name ending in the ordinal', () => {
    expect(spec('pod:2/4')).toEqual({ kind: 'pod', ordinal: 2, pods: 4 });
    expect(spec('pod:quizbot-shards-3/4')).toEqual({ kind: 'pod', ordinal: 3, pods: 4 });
  });

  it.each(['', 'a', '3-1', '1,,2', '0-3/2', 'pod:4/4', 'pod:x/2'])('refuses %j with an example', (text) => {
    const r = parseShardIds(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/DISCORD_SHARD_IDS/);
  });

  it('splits the shards into contiguous ranges, one per pod, the first ones longer', () => {
    const ranges = [0, 1, 2].map((ordinal) => shardIdsOf({ kind: 'pod', ordinal, pods: 3 }, 8));
    expect(ranges).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    expect(shardIdsOf(undefined, 3)).toEqual([0, 1, 2]);
    expect(() => shardIdsOf({ kind: 'list', ids: [3, 4] }, 4)).toThrow(
      /shard 4, but there are only 4 shards/,
    );
    expect(() => shardIdsOf({ kind: 'pod', ordinal: 0, pods: 5 }, 4)).toThrow(/more pods than the 4 shards/);
  });

  it("computes a guild's shard as Discord does and prints id lists compactly", () => {
    // (id >> 22) % count: the id's timestamp part.
    expect(shardOfGuild(String((41n << 22n) | 12345n), 4)).toBe(1);
    expect(formatShardIds([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
  });
});

describe('sharding configuration', () => {
  const base = { DISCORD_TOKEN: 'x' };
  it('accepts a count or auto, and checks the ids against a count', () => {
    const ok = loadConfig({
      ...base,
      DISCORD_SHARDS: '8',
      DISCORD_SHARDS_PER_PROCESS: '2',
      DISCORD_SHARD_IDS: '4-7',
    });
    expect(ok.ok && ok.value.DISCORD_SHARDS).toBe(8);
    expect(loadConfig({ ...base, DISCORD_SHARDS: 'auto' }).ok).toBe(true);
    const bad = loadConfig({ ...base, DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: '4-5' });
    expect(bad.ok ? [] : bad.error.join('\n')).toMatch(/names shard 4, 5, but there are only 4 shards/);
  });

  it('refuses bad values and shard settings without DISCORD_SHARDS, naming the variable', () => {
    const r = loadConfig({
      ...base,
      DISCORD_SHARDS_PER_PROCESS: '0',
      DISCORD_SHARD_IDS: 'pod:1/2',
      DISCORD_GLOBAL_RATE_LIMIT: 'fast',
    });
    const text = r.ok ? '' : r.error.join('\n');
    expect(text).toMatch(/DISCORD_SHARDS_PER_PROCESS must be a whole number of shards/);
    expect(text).toMatch(/need DISCORD_SHARDS/);
    expect(text).toMatch(/DISCORD_GLOBAL_RATE_LIMIT must be a whole number of requests per second/);
    const shards = loadConfig({ ...base, DISCORD_SHARDS: 'many' });
    expect(shards.ok ? '' : shards.error.join('\n')).toMatch(
      /DISCORD_SHARDS must be a shard count like 4, or auto/,
    );
  });
});

describe('a shard process spawned by the manager', () => {
  it('reads its shards from the environment discord-hybrid-sharding gives it', () => {
    expect(
      shardChildPlan({ CLUSTER_MANAGER_MODE: 'process', SHARD_LIST: '2,3', TOTAL_SHARDS: '4', CLUSTER: '1' }),
    ).toEqual({ ids: [2, 3], count: 4, cluster: 1, managed: true });
    // The manager itself has SHARD_LIST "undefined" in its own environment.
    expect(
      shardChildPlan({ CLUSTER_MANAGER_MODE: 'process', SHARD_LIST: 'undefined', TOTAL_SHARDS: '4' }),
    ).toBeNull();
    expect(shardChildPlan({})).toBeNull();
  });

  it('takes the ports after the manager’s, or any free one', () => {
    expect(childHttpPort(8080, 0)).toBe(8081);
    expect(childHttpPort(8080, 2)).toBe(8083);
    expect(childHttpPort(0, 2)).toBe(0);
  });
});
