import { describe, expect, it } from 'vitest';
import { clusterSeeds, formatConfigProblems, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>) => {
  const r = loadConfig(env);
  return r.ok ? [] : r.problems;
};

describe('config: Redis Cluster', () => {
  it('reads seed nodes as host:port or URL, the password from REDIS_PASSWORD or the URL', () => {
    const a = loadConfig({
      REDIS_CLUSTER_NODES: 'redis-0:6379, 10.0.0.2:7000,[::1]:7001',
      REDIS_PASSWORD: 'pw',
    });
    expect(a.ok && clusterSeeds(a.config)).toEqual({
      nodes: [
        { host: 'redis-0', port: 6379 },
        { host: '10.0.0.2', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      password: 'pw',
    });
    const b = loadConfig({
      REDIS_CLUSTER_NODES: 'rediss://app:s%40cret@r1.example:6380,r2.example:6380',
      REDIS_WAIT_REPLICAS: '1',
    });
    expect(b.ok && clusterSeeds(b.config)).toEqual({
      nodes: [
        { host: 'r1.example', port: 6380 },
        { host: 'r2.example', port: 6380 },
      ],
      password: 's@cret',
      username: 'app',
      tls: true,
    });
    expect(b.ok && b.config.REDIS_WAIT_REPLICAS).toBe(1);
    const none = loadConfig({});
    expect(none.ok && clusterSeeds(none.config)).toBeUndefined();
    expect(none.ok && none.config.REDIS_WAIT_REPLICAS).toBe(0);
  });

  it.each([
    [
      { REDIS_CLUSTER_NODES: 'redis-0' },
      /REDIS_CLUSTER_NODES must list seed nodes as host:port .*"redis-0" is neither/,
    ],
    [{ REDIS_CLUSTER_NODES: 'a:1,b:99999' }, /"b:99999" is neither/],
    [
      { REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://x:6379' },
      /REDIS_URL \(one Redis server\) or REDIS_CLUSTER_NODES .* not both/,
    ],
    [
      { REDIS_URL: 'redis://x:6379', REDIS_PASSWORD: 'pw' },
      /REDIS_PASSWORD is only read with REDIS_CLUSTER_NODES/,
    ],
    [
      { REDIS_CLUSTER_NODES: 'a:1', REDIS_WAIT_REPLICAS: 'two' },
      /REDIS_WAIT_REPLICAS must be a whole number of replicas from 0 to 5/,
    ],
    [{ REDIS_WAIT_REPLICAS: '1' }, /REDIS_WAIT_REPLICAS needs Redis/],
  ])('refuses %o clearly', (env, message) => {
    expect(problems(env).join('\n')).toMatch(message);
  });

  it('never echoes the password', () => {
    const r = loadConfig({ REDIS_URL: 'redis://x:6379', REDIS_PASSWORD: 'supersecret' });
    expect(!r.ok && formatConfigProblems(r.problems)).not.toContain('supersecret');
  });
});
