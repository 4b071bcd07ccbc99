/**
 * Which Discord shards a process (or a pod) runs: `DISCORD_SHARD_IDS` as written. Either an
 * explicit list (`0-3`, `4,5`, `0-1,6`), or `pod:<ordinal>/<pods>`: the shards split into `pods`
 * contiguous ranges and this is range number `ordinal` (a StatefulSet pod's index, or its name
 * `quizbot-2`, whose trailing number is the index).
 */
export type ShardIdsSpec = { kind: 'list'; ids: number[] } | { kind: 'pod'; ordinal: number; pods: number };

/** Parses `DISCORD_SHARD_IDS`; an error message says what a good value looks like. */
export function parseShardIds(text: string): { ok: true; spec: ShardIdsSpec } | { ok: false; error: string } {
  const bad = {
    ok: false as const,
    error:
      'DISCORD_SHARD_IDS must be shard ids and ranges like 0-3 or 4,5, or pod:<ordinal>/<pods> like pod:2/4 (pod:$(POD_NAME)/4 in a StatefulSet)',
  };
  const s = text.trim();
  const pod = /^pod:(?:.*?)(\d+)\/(\d+)$/.exec(s);
  if (pod) {
    const ordinal = Number(pod[1]);
    const pods = Number(pod[2]);
    if (pods < 1 || ordinal >= pods)
      return { ok: false, error: `DISCORD_SHARD_IDS ${s}: the pod ordinal must be below the pod count` };
    return { ok: true, spec: { kind: 'pod', ordinal, pods } };
  }
  const ids = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) return bad;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 100_000) return bad;
    for (let i = from; i <= to; i++) ids.add(i);
  }
  return ids.size ? { ok: true, spec: { kind: 'list', ids: [...ids].sort((a, b) => a - b) } } : bad;
}

/**
 * The shard ids of this process (or pod) out of `count` shards: all of them without a spec; for
 * `pod:i/n` the i-th of n contiguous ranges, the first `count % n` ranges one shard longer.
 */
export function shardIdsOf(spec: ShardIdsSpec | undefined, count: number): number[] {
  if (!spec) return Array.from({ length: count }, (_, i) => i);
  if (spec.kind === 'list') {
    const over = spec.ids.filter((i) => i >= count);
    if (over.length)
      throw new Error(
        `DISCORD_SHARD_IDS names shard ${over.join(', ')}, but there are only ${count} shards (0-${count - 1})`,
      );
    return spec.ids;
  }
  if (spec.pods > count)
    throw new Error(`DISCORD_SHARD_IDS pod:${spec.ordinal}/${spec.pods}: more pods than the ${count} shards`);
  const base = Math.floor(count / spec.pods);
  const extra = count % spec.pods;
  const start = spec.ordinal * base + Math.min(spec.ordinal, extra);
  const size = base + (spec.ordinal < extra ? 1 : 0);
  return Array.from({ length: size }, (_, i) => start + i);
}

/** The shard a guild's events arrive on, as Discord computes it. */
export function shardOfGuild(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/** `[0,1,2,5]` as `0-2,5`, for logs. */
export function formatShardIds(ids: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && (ids[j + 1] as number) === (ids[j] as number) + 1) j++;
    out.push(i === j ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
