// deploy/k8s/overlays/discord-http: the base with DISCORD_MODE=http, the interactions port and a
// HorizontalPodAutoscaler, rendered by tests/deploy/kustomize.ts and validated against the API schemas.
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  asList,
  asObj,
  at,
  containersOf,
  isObj,
  type K8sObject,
  podSpecs,
  renderKustomization,
  validateObject,
} from './kustomize.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OVERLAY = join(ROOT, 'deploy', 'k8s', 'overlays', 'discord-http');
const base = renderKustomization(join(ROOT, 'deploy', 'k8s'));
const rendered = renderKustomization(OVERLAY);
const { objects } = rendered;
const find = (kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the rendered overlay`);
  return o;
};
const configName = rendered.generated.get('ConfigMap/quizbot-config') ?? '';
const config = asObj(find('ConfigMap', configName).data, 'config') as Record<string, string>;
const deployment = find('Deployment', 'quizbot');
const pod = podSpecs(deployment)[0] ?? {};
const bot = asObj(
  containersOf(pod).find((c) => c.name === 'quizbot'),
  'quizbot container',
);

describe('deploy/k8s/overlays/discord-http', () => {
  it('renders the base plus the autoscaler and the disruption budget, all in the namespace', () => {
    const names = (r: typeof objects) =>
      r.map((o) => `${o.kind}/${o.metadata.name}`).filter((n) => !n.startsWith('ConfigMap/quizbot-config'));
    expect(names(objects).sort()).toEqual(
      [...names(base.objects), 'HorizontalPodAutoscaler/quizbot', 'PodDisruptionBudget/quizbot'].sort(),
    );
    for (const o of objects)
      if (o.kind !== 'Namespace')
        expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('quizbot');
  });

  it.each(objects.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))(
    '%s is valid against the Kubernetes API schema',
    (_, o) => {
      expect(validateObject(o)).toBe('');
    },
  );

  it('scales the bot Deployment on CPU, from two replicas, and leaves the count to the autoscaler', () => {
    const hpa = find('HorizontalPodAutoscaler', 'quizbot');
    expect(at(hpa, 'spec', 'scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'quizbot',
    });
    expect(Number(at(hpa, 'spec', 'minReplicas'))).toBeGreaterThanOrEqual(2);
    expect(Number(at(hpa, 'spec', 'maxReplicas'))).toBeGreaterThan(Number(at(hpa, 'spec', 'minReplicas')));
    expect(at(hpa, 'spec', 'metrics', 0, 'resource', 'name')).toBe('cpu');
    // Utilization is measured against the request: there must be one.
    expect(at(bot, 'resources', 'requests', 'cpu')).toBeDefined();
    expect(at(deployment, 'spec', 'replicas')).toBeUndefined();
    const pdb = find('PodDisruptionBudget', 'quizbot');
    expect(at(pdb, 'spec', 'selector', 'matchLabels')).toEqual(
      at(deployment, 'spec', 'selector', 'matchLabels'),
    );
  });

  it('exposes the interactions endpoint on DISCORD_PORT, in the pod and the Service', () => {
    const port = asList(bot.ports)
      .filter(isObj)
      .find((p) => p.name === 'discord');
    expect(port?.containerPort).toBe(Number(config.DISCORD_PORT));
    const svc = asList(at(find('Service', 'quizbot'), 'spec', 'ports')).filter(isObj);
    expect(svc.map((p) => [p.name, p.port, p.targetPort])).toContainEqual(['discord', 3001, 'discord']);
  });

  it('merges DISCORD_MODE=http into the base config the pods read', () => {
    const baseName = base.generated.get('ConfigMap/quizbot-config');
    const baseData = asObj(base.objects.find((o) => o.metadata.name === baseName)?.data, 'base config');
    expect(config).toMatchObject({ ...baseData, DISCORD_MODE: 'http', DISCORD_PORT: '3001' });
    expect(configName).not.toBe(baseName);
    const refs = asList(bot.envFrom)
      .filter(isObj)
      .map((e) => at(e, 'configMapRef', 'name'))
      .filter(Boolean);
    expect(refs).toEqual([configName]);
  });

  it('stops with a clear error until the public key is filled in, and starts once it is', () => {
    const env = { ...config, DISCORD_TOKEN: 'from-the-secret' };
    const missing = loadConfig(env);
    expect(missing.ok ? [] : missing.problems).toEqual([
      expect.stringMatching(/^DISCORD_PUBLIC_KEY must be/),
    ]);
    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const key = Buffer.from(String(jwk.x), 'base64url').toString('hex');
    const filled = loadConfig({ ...env, DISCORD_PUBLIC_KEY: key });
    expect(filled.ok ? [] : filled.problems).toEqual([]);
  });
});
