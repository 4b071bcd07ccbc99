// deploy/k8s: renders the kustomization here (tests/deploy/kustomize.ts: there is no kustomize
// binary on these machines), validates every object against the Kubernetes API schemas (kubernetes-models), and checks the
// essentials: probes, non-root, resources, PVC and AOF, config, secret and decks wiring.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, SECRET_KEYS } from '../../src/config.js';
import {
  asList,
  asObj,
  at,
  containersOf,
  inside,
  isObj,
  type K8sObject,
  modelOf,
  type Obj,
  podSpecs,
  renderKustomization,
  validateObject,
} from './kustomize.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const K8S = join(ROOT, 'deploy', 'k8s');
const RESYNC = 'cp decks/*.yaml deploy/k8s/decks/';

// ---------------------------------------------------------------------------------------------

const rendered = renderKustomization(K8S);
const { objects } = rendered;
const find = (kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the rendered kustomization`);
  return o;
};
const generatedName = (kind: string, name: string): string => {
  const n = rendered.generated.get(`${kind}/${name}`);
  if (!n) throw new Error(`no ${kind} generator ${name}`);
  return n;
};
const single = <T>(list: T[], what: string): T => {
  expect(list, what).toHaveLength(1);
  return list[0] as T;
};

const deployment = find('Deployment', 'quizbot');
const botPod = single(podSpecs(deployment), 'bot pod spec');
const bot = asObj(
  asList(botPod.containers)
    .filter(isObj)
    .find((c) => c.name === 'quizbot'),
  'quizbot container',
);
const redisSet = find('StatefulSet', 'redis');
const redisPod = single(podSpecs(redisSet), 'redis pod spec');
const redis = single(asList(redisPod.containers).filter(isObj), 'redis container');
const configData = asObj(find('ConfigMap', generatedName('ConfigMap', 'quizbot-config')).data, 'config');
const decksData = asObj(find('ConfigMap', generatedName('ConfigMap', 'quizbot-decks')).data, 'decks');

describe('deploy/k8s renders and validates', () => {
  it('renders the kustomization into the expected objects', () => {
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        'Namespace/quizbot',
        'Deployment/quizbot',
        'Service/quizbot',
        'StatefulSet/redis',
        'Service/redis',
        'Service/redis-headless',
        'NetworkPolicy/redis',
        'Secret/quizbot-secrets',
        `ConfigMap/${generatedName('ConfigMap', 'quizbot-config')}`,
        `ConfigMap/${generatedName('ConfigMap', 'quizbot-decks')}`,
      ].sort(),
    );
    expect(new Set(names).size, 'no duplicate kind/name').toBe(names.length);
  });

  it.each(objects.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))(
    '%s is valid against the Kubernetes API schema',
    (_, o) => {
      expect(validateObject(o)).toBe('');
    },
  );

  it('puts every namespaced object in the quizbot namespace', () => {
    for (const o of objects) {
      if (o.kind === 'Namespace') continue;
      expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('quizbot');
    }
  });

  it('catches schema errors and unknown fields (the validation is live)', () => {
    const broken = structuredClone(deployment);
    const c = asObj(at(broken, 'spec', 'template', 'spec', 'containers', 0), 'container');
    c.livenesProbe = c.livenessProbe; // typo
    expect(validateObject(broken)).toMatch(/unknown fields: .*\/containers\/0\/livenesProbe/);
    asObj(at(c, 'ports', 0), 'port').containerPort = 'eighty';
    expect(validateObject(broken)).toMatch(/containerPort must be integer/);
    expect(() => modelOf({ apiVersion: 'v1', kind: 'Frobnicator' })).toThrow(/no schema model/);
  });

  it('refuses files outside the kustomization root, like kustomize', () => {
    expect(() => inside(K8S, '../../decks/kubernetes.yaml')).toThrow(/outside the kustomization root/);
  });
});

describe('the bot Deployment', () => {
  it('runs more than one replica of the pushed image', () => {
    expect(at(deployment, 'spec', 'replicas')).toBe(1);
    expect(bot.image).toBe('quizbot:0.1.0');
    expect(at(deployment, 'spec', 'selector', 'matchLabels')).toEqual(
      expect.objectContaining({ 'app.kubernetes.io/name': 'quizbot' }),
    );
    const labels = asObj(at(deployment, 'spec', 'template', 'metadata', 'labels'), 'pod labels');
    for (const [key, v] of Object.entries(asObj(at(deployment, 'spec', 'selector', 'matchLabels'), 'sel'))) {
      expect(labels[key], `selector ${key} matches the pod template`).toBe(v);
    }
  });

  it('probes /healthz for liveness and /readyz for readiness on the HTTP port', () => {
    const httpPort = asList(bot.ports)
      .filter(isObj)
      .find((p) => p.name === 'http');
    expect(httpPort?.containerPort).toBe(8080);
    expect(String(configData.HTTP_PORT)).toBe('8080');
    expect(at(bot, 'livenessProbe', 'httpGet')).toEqual({ path: '/healthz', port: 'http' });
    expect(at(bot, 'readinessProbe', 'httpGet')).toEqual({ path: '/readyz', port: 'http' });
    expect(at(bot, 'startupProbe', 'httpGet', 'path')).toBe('/healthz');
    const slackPort = asList(bot.ports)
      .filter(isObj)
      .find((p) => p.name === 'slack');
    expect(slackPort?.containerPort).toBe(Number(configData.SLACK_PORT));
  });

  it('has resource requests and limits', () => {
    for (const side of ['requests', 'limits']) {
      for (const r of ['cpu', 'memory']) {
        expect(at(bot, 'resources', side, r), `${side}.${r}`).toBeDefined();
      }
    }
  });

  it('runs non-root with a read-only root filesystem, no privilege escalation, no capabilities', () => {
    expect(at(botPod, 'securityContext', 'runAsNonRoot')).toBe(true);
    // Numeric and not 0: the kubelet cannot check runAsNonRoot against the image's user name.
    expect(at(botPod, 'securityContext', 'runAsUser')).toBe(1000);
    expect(at(bot, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
    expect(at(bot, 'securityContext', 'allowPrivilegeEscalation')).toBe(false);
    expect(at(bot, 'securityContext', 'capabilities', 'drop')).toEqual(['ALL']);
    expect(botPod.automountServiceAccountToken).toBe(false);
    const tmp = asList(bot.volumeMounts)
      .filter(isObj)
      .find((m) => m.mountPath === '/tmp');
    const tmpVolume = asList(botPod.volumes)
      .filter(isObj)
      .find((v) => v.name === tmp?.name);
    expect(tmpVolume?.emptyDir, '/tmp is a writable emptyDir').toBeDefined();
  });

  it('reads its settings from the generated ConfigMap and its tokens from the Secret', () => {
    const envFrom = asList(bot.envFrom).filter(isObj);
    expect(envFrom.map((e) => at(e, 'configMapRef', 'name')).filter(Boolean)).toEqual([
      generatedName('ConfigMap', 'quizbot-config'),
    ]);
    expect(envFrom.map((e) => at(e, 'secretRef', 'name')).filter(Boolean)).toEqual(['quizbot-secrets']);
    expect(find('Secret', 'quizbot-secrets').kind).toBe('Secret');
    // Every reference in every pod points at an object that is rendered.
    for (const o of objects) {
      for (const pod of podSpecs(o)) {
        const refs = [
          ...asList(pod.volumes).flatMap((v) => [
            ['ConfigMap', at(v, 'configMap', 'name')],
            ['Secret', at(v, 'secret', 'secretName')],
          ]),
          ...containersOf(pod).flatMap((c) =>
            asList(c.envFrom).flatMap((e) => [
              ['ConfigMap', at(e, 'configMapRef', 'name')],
              ['Secret', at(e, 'secretRef', 'name')],
            ]),
          ),
        ].filter(([, name]) => name !== undefined) as [string, string][];
        for (const [kind, name] of refs) expect(() => find(kind, name)).not.toThrow();
      }
    }
  });

  it('has a config that quizbot itself accepts, pointing at the Redis Service', () => {
    const env = Object.fromEntries(Object.entries(configData).map(([k, v]) => [k, String(v)]));
    for (const key of SECRET_KEYS) expect(env[key], `${key} belongs in the Secret`).toBeUndefined();
    const r = loadConfig(env);
    expect(r.ok ? [] : r.problems).toEqual([]);
    const url = new URL(String(configData.REDIS_URL));
    const svc = find('Service', url.hostname);
    expect(asList(at(svc, 'spec', 'ports')).map((p) => at(p, 'port'))).toContain(Number(url.port || 6379));
    expect(configData.DECKS_DIR).toBe('/app/decks');
  });

  it('mounts the decks ConfigMap read-only at DECKS_DIR', () => {
    const volume = asList(botPod.volumes)
      .filter(isObj)
      .find((v) => at(v, 'configMap', 'name') === generatedName('ConfigMap', 'quizbot-decks'));
    expect(volume, 'a volume from the decks ConfigMap').toBeDefined();
    const mount = asList(bot.volumeMounts)
      .filter(isObj)
      .find((m) => m.name === volume?.name);
    expect(mount?.mountPath).toBe(configData.DECKS_DIR);
    expect(mount?.readOnly).toBe(true);
    expect(Object.keys(decksData)).toContain('kubernetes.yaml');
  });
});

describe('decks in the kustomization', () => {
  const top = readdirSync(join(ROOT, 'decks')).filter((f) => /\.ya?ml$/i.test(f));
  const copies = readdirSync(join(K8S, 'decks')).filter((f) => /\.ya?ml$/i.test(f));
  /** The deck a file holds: a copy may differ in YAML formatting (quotes), not in content. */
  const deckIn = (path: string): unknown => parse(readFileSync(path, 'utf8'));

  it('deploy/k8s/decks/kubernetes.yaml holds the same deck as decks/kubernetes.yaml', () => {
    expect(
      deckIn(join(K8S, 'decks', 'kubernetes.yaml')),
      `deploy/k8s/decks/kubernetes.yaml differs from decks/kubernetes.yaml: run ${RESYNC}`,
    ).toEqual(deckIn(join(ROOT, 'decks', 'kubernetes.yaml')));
  });

  it.each(top)('decks/%s has a copy in deploy/k8s/decks, in the ConfigMap', (file) => {
    const copy = join(K8S, 'decks', file);
    const hint = `deploy/k8s/decks/${file} is missing or differs: run ${RESYNC} (and list it in kustomization.yaml)`;
    expect(existsSync(copy), hint).toBe(true);
    expect(deckIn(copy), hint).toEqual(deckIn(join(ROOT, 'decks', file)));
    expect(decksData[file], `${file} in the decks ConfigMap`).toBe(readFileSync(copy, 'utf8'));
  });

  it('holds no deck that is not in decks/ and every copy is in the ConfigMap', () => {
    expect(copies.filter((f) => !top.includes(f))).toEqual([]);
    expect(Object.keys(decksData).sort()).toEqual([...copies].sort());
  });

  it('stays under the 1 MiB ConfigMap limit', () => {
    const bytes = Object.values(decksData).reduce((n: number, v) => n + Buffer.byteLength(String(v)), 0);
    expect(bytes).toBeLessThan(1024 * 1024 - 64 * 1024);
  });
});

describe('Redis', () => {
  it('is a StatefulSet of redis:7-alpine with AOF on', () => {
    expect(redis.image).toBe('redis:7-alpine');
    const args = [...asList(redis.command), ...asList(redis.args)].map(String).join(' ');
    expect(args).toMatch(/--appendonly yes\b/);
    expect(args).toMatch(/--appendfsync everysec\b/);
    expect(args).toMatch(/--zset-max-listpack-entries 512\b/);
    expect(at(redisSet, 'spec', 'replicas')).toBe(1);
    // Bounded memory under the container limit, and user data never evicted silently (issue 11, item 5).
    expect(args).toMatch(/--maxmemory-policy noeviction\b/);
    const max = Number(/--maxmemory (\d+)mb\b/.exec(args)?.[1]);
    const limit = String(at(redis, 'resources', 'limits', 'memory'));
    expect(limit).toMatch(/^\d+Mi$/);
    expect(max).toBeGreaterThan(0);
    expect(max * 1000 * 1000).toBeLessThan(0.8 * Number.parseInt(limit, 10) * 1024 * 1024);
  });

  it('keeps /data on a PersistentVolumeClaim from volumeClaimTemplates', () => {
    const claim = single(asList(at(redisSet, 'spec', 'volumeClaimTemplates')).filter(isObj), 'one claim');
    expect(at(claim, 'spec', 'accessModes')).toEqual(['ReadWriteOnce']);
    expect(at(claim, 'spec', 'resources', 'requests', 'storage')).toBeDefined();
    const mount = asList(redis.volumeMounts)
      .filter(isObj)
      .find((m) => m.name === at(claim, 'metadata', 'name'));
    expect(mount?.mountPath).toBe('/data');
  });

  it('runs non-root, probed with redis-cli ping, with resources', () => {
    expect(at(redisPod, 'securityContext', 'runAsNonRoot')).toBe(true);
    expect(at(redisPod, 'securityContext', 'runAsUser')).toBeGreaterThan(0);
    expect(at(redisPod, 'securityContext', 'fsGroup')).toBeGreaterThan(0);
    expect(at(redis, 'securityContext', 'allowPrivilegeEscalation')).toBe(false);
    expect(at(redis, 'readinessProbe', 'exec', 'command')).toEqual(['redis-cli', 'ping']);
    expect(at(redis, 'livenessProbe', 'exec', 'command')).toEqual(['redis-cli', 'ping']);
    expect(at(redis, 'resources', 'limits', 'memory')).toBeDefined();
  });

  it('is governed by a headless Service', () => {
    const governing = find('Service', String(at(redisSet, 'spec', 'serviceName')));
    expect(at(governing, 'spec', 'clusterIP')).toBe('None');
  });
});

describe('Services', () => {
  const workloads = objects.filter((o) => podSpecs(o).length > 0);
  const services = objects.filter((o) => o.kind === 'Service');

  it.each(services.map((s) => [s.metadata.name, s] as const))(
    'Service %s selects pods and its target ports exist',
    (_, svc) => {
      const selector = asObj(at(svc, 'spec', 'selector'), 'selector');
      const targets = workloads.filter((w) => {
        const labels = asObj(at(w, 'spec', 'template', 'metadata', 'labels'), 'labels');
        return Object.entries(selector).every(([k, v]) => labels[k] === v);
      });
      expect(targets.length, 'pods matching the selector').toBeGreaterThan(0);
      for (const port of asList(at(svc, 'spec', 'ports')).filter(isObj)) {
        const target = port.targetPort ?? port.port;
        for (const w of targets) {
          const ports = podSpecs(w).flatMap((p) => containersOf(p).flatMap((c) => asList(c.ports)));
          const hit = ports.some((p) =>
            typeof target === 'string' ? at(p, 'name') === target : at(p, 'containerPort') === target,
          );
          expect(hit, `${svc.metadata.name}:${String(port.name)} -> ${String(target)}`).toBe(true);
        }
      }
    },
  );

  it('exposes the bot on 8080 (http) and 3000 (slack)', () => {
    const ports = asList(at(find('Service', 'quizbot'), 'spec', 'ports')).filter(isObj);
    expect(ports.map((p) => [p.name, p.port])).toEqual([
      ['http', 8080],
      ['slack', 3000],
    ]);
  });
});

describe('secret.example.yaml', () => {
  it('holds placeholders only, no value', () => {
    const secret = find('Secret', 'quizbot-secrets');
    for (const field of ['data', 'stringData']) {
      for (const [key, v] of Object.entries(isObj(secret[field]) ? (secret[field] as Obj) : {})) {
        expect(String(v), `${field}.${key}`).toMatch(/^(|<[^>]*>)$/);
      }
    }
    const text = readFileSync(join(K8S, 'secret.example.yaml'), 'utf8');
    for (const key of SECRET_KEYS) expect(text, `${key} shown as a placeholder`).toContain(key);
    expect(text).toMatch(/kubectl -n quizbot create secret generic quizbot-secrets/);
  });
});
