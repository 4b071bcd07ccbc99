// deploy/k8s/overlays/sharded: Discord shards over a StatefulSet, rendered with tests/deploy/kustomize.ts
// and validated against the Kubernetes API schemas like the base.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shardIdsOf } from '../../src/adapters/discord/shards.js';
import { loadConfig } from '../../src/config.js';
import { asList, asObj, at, isObj, podSpecs, renderKustomization, validateObject } from './kustomize.js';

const K8S = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'k8s', 'overlays');
const single = <T>(list: T[], what: string): T => {
  expect(list, what).toHaveLength(1);
  return list[0] as T;
};

describe('deploy/k8s/overlays/sharded: Discord shards over a StatefulSet', () => {
  const sharded = renderKustomization(join(K8S, 'sharded'));
  const set = sharded.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'quizbot');
  const pod = set ? single(podSpecs(set), 'shard pod spec') : {};
  const container = asObj(
    asList(pod.containers)
      .filter(isObj)
      .find((c) => c.name === 'quizbot'),
    'quizbot container',
  );
  const env = Object.fromEntries(
    asList(container.env)
      .filter(isObj)
      .map((e) => [String(e.name), e]),
  );

  it('replaces the Deployment with a StatefulSet and a headless Service; the rest is the base', () => {
    const names = sharded.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names).not.toContain('Deployment/quizbot');
    expect(names).toEqual(
      expect.arrayContaining([
        'StatefulSet/quizbot',
        'Service/quizbot-shards',
        'StatefulSet/redis',
        'Service/quizbot',
      ]),
    );
    expect(at(set, 'spec', 'serviceName')).toBe('quizbot-shards');
    expect(
      at(
        sharded.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'redis'),
        'metadata',
        'namespace',
      ),
    ).toBe('quizbot');
    for (const o of sharded.objects.filter((x) => x.kind !== 'Namespace'))
      expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('quizbot');
    expect(container.image).toBe('quizbot:0.1.0');
  });

  it.each(sharded.objects.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))(
    '%s is valid against the Kubernetes API schema',
    (_, o) => {
      expect(validateObject(o)).toBe('');
    },
  );

  it('reads the generated ConfigMap and the Secret, and probes like the Deployment', () => {
    const refs = asList(container.envFrom).filter(isObj);
    expect(at(refs[0], 'configMapRef', 'name')).toBe(sharded.generated.get('ConfigMap/quizbot-config'));
    expect(at(refs[1], 'secretRef', 'name')).toBe('quizbot-secrets');
    expect(at(container, 'readinessProbe', 'httpGet', 'path')).toBe('/readyz');
    expect(at(container, 'livenessProbe', 'httpGet', 'path')).toBe('/healthz');
    expect(at(container, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
  });

  it('gives every pod its own shard range from its name: together every shard exactly once', () => {
    expect(at(env.POD_NAME, 'valueFrom', 'fieldRef', 'fieldPath')).toBe('metadata.name');
    const replicas = Number(at(set, 'spec', 'replicas'));
    expect(replicas).toBeGreaterThan(1);
    const configEnv = Object.fromEntries(
      Object.entries(
        asObj(
          sharded.objects.find((o) => o.metadata.name === sharded.generated.get('ConfigMap/quizbot-config'))
            ?.data,
          'config',
        ),
      ).map(([k, v]) => [k, String(v)]),
    );
    const seen: number[] = [];
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      // What the kubelet does with $(POD_NAME) in an env value.
      const podEnv = {
        ...configEnv,
        DISCORD_TOKEN: 'x',
        DISCORD_SHARDS: String(at(env.DISCORD_SHARDS, 'value')),
        DISCORD_SHARD_IDS: String(at(env.DISCORD_SHARD_IDS, 'value')).replace(
          '$(POD_NAME)',
          `quizbot-${ordinal}`,
        ),
      };
      const r = loadConfig(podEnv);
      expect(r.ok ? [] : r.error).toEqual([]);
      if (!r.ok || typeof r.value.DISCORD_SHARDS !== 'number') continue;
      seen.push(...shardIdsOf(r.value.DISCORD_SHARD_IDS, r.value.DISCORD_SHARDS));
    }
    const count = Number(at(env.DISCORD_SHARDS, 'value'));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
