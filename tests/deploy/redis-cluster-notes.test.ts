// deploy/k8s/redis-cluster.md shows the settings for a managed Redis Cluster: checked against
// src/config.ts the way the bot would read them (config.env with the notes' changes applied).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clusterSeeds, loadConfig } from '../../src/config.js';

const K8S = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'k8s');
const read = (f: string) => readFileSync(join(K8S, f), 'utf8');

/** KEY=value lines of an env text (comments and blank lines skipped). */
function envOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

describe('deploy/k8s/redis-cluster.md', () => {
  const notes = read('redis-cluster.md');
  const block = /```env\n([\s\S]*?)```/.exec(notes)?.[1] ?? '';

  it('shows settings the bot accepts: config.env without REDIS_URL, plus the block, plus the Secret', () => {
    expect(block).toMatch(/REDIS_CLUSTER_NODES=/);
    const base = envOf(read('config.env'));
    delete base.REDIS_URL;
    const r = loadConfig({ ...base, ...envOf(block), REDIS_PASSWORD: 'from-the-secret' });
    expect(r.ok ? [] : r.problems).toEqual([]);
    expect(r.ok && clusterSeeds(r.config)).toMatchObject({ password: 'from-the-secret' });
  });

  it('keeps the password out of config.env and names it in the Secret example', () => {
    expect(envOf(read('config.env'))).not.toHaveProperty('REDIS_PASSWORD');
    expect(read('secret.example.yaml')).toContain('REDIS_PASSWORD');
  });
});
