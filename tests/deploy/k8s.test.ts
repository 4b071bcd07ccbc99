// deploy/k8s: renders the kustomization here (there is no kustomize binary on these machines),
// validates every object against the Kubernetes API schemas (kubernetes-models), and checks the
// essentials: probes, non-root, resources, PVC and AOF, config, secret and decks wiring.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { shardIdsOf } from '../../src/adapters/discord/shards.js';
import { loadConfig, SECRET_KEYS } from '../../src/config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const K8S = join(ROOT, 'deploy', 'k8s');
const RESYNC = 'cp decks/*.yaml deploy/k8s/decks/';

type Obj = Record<string, unknown>;
interface K8sObject extends Obj {
  apiVersion: string;
  kind: string;
  metadata: Obj & { name: string; namespace?: string };
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObj = (v: unknown, what: string): Obj => {
  if (!isObj(v)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(v)}`);
  return v;
};
const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** The value at a path of keys and array indexes, or undefined. */
function at(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof k === 'number') cur = Array.isArray(cur) ? cur[k] : undefined;
    else cur = isObj(cur) ? cur[k] : undefined;
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// A small kustomize: the features kustomization.yaml uses, and an error for any other.
// ---------------------------------------------------------------------------------------------

const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'images',
  'patches',
]);
const GENERATOR_FIELDS = new Set(['name', 'envs', 'files', 'literals', 'type', 'options']);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'CustomResourceDefinition',
  'PriorityClass',
]);

/** A file of the kustomization; kustomize refuses paths that leave its folder, and so does this. */
function inside(dir: string, path: string): string {
  const full = normalize(join(dir, path));
  const rel = relative(dir, full);
  if (isAbsolute(path) || rel.startsWith('..')) {
    throw new Error(`${path}: outside the kustomization root ${dir} (kustomize refuses it)`);
  }
  if (!existsSync(full)) throw new Error(`${path}: listed in kustomization.yaml but missing`);
  return full;
}

/** kustomize's env-file format: KEY=value lines, blank lines and # comments skipped. */
function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      const eq = line.indexOf('=');
      const key = line.slice(0, eq).trimStart();
      if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        throw new Error(`${file}:${i + 1}: not KEY=value: ${line}`);
      }
      out[key] = line.slice(eq + 1);
    });
  return out;
}

/** Go's json.Marshal of the value: sorted keys, <, > and & escaped. */
function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sorted)
      : isObj(x)
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sorted(x[k])]),
          )
        : x;
  return JSON.stringify(sorted(v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** kustomize's content hash suffix: sha256 of the encoded object, 10 characters, vowels avoided. */
function nameHash(encoded: Obj): string {
  const hex = createHash('sha256').update(goJson(encoded)).digest('hex').slice(0, 10);
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex].map((c) => swap[c] ?? c).join('');
}

/** Every pod spec of a workload. */
function podSpecs(o: K8sObject): Obj[] {
  if (o.kind === 'Pod') return [asObj(o.spec, 'Pod spec')];
  const spec = at(o, 'spec', 'template', 'spec') ?? at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
  return isObj(spec) ? [spec] : [];
}
const containersOf = (pod: Obj): Obj[] =>
  [...asList(pod.initContainers), ...asList(pod.containers)].filter(isObj);

interface Rendered {
  objects: K8sObject[];
  /** Generated name of each generator, by kind and given name. */
  generated: Map<string, string>;
}

/** Renders a kustomization folder the way `kubectl kustomize` does, for the fields it uses. */
function renderKustomization(dir: string): Rendered {
  const k = asObj(parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')), 'kustomization.yaml');
  for (const field of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) {
      throw new Error(`kustomization.yaml: "${field}" is not implemented by this test's renderer: add it`);
    }
  }
  const objects: K8sObject[] = [];
  const generated = new Map<string, string>();
  for (const res of asList(k.resources)) {
    const base = normalize(join(dir, String(res)));
    if (existsSync(base) && statSync(base).isDirectory()) {
      // A base: another kustomization, rendered on its own (kustomize allows bases outside the root).
      const r = renderKustomization(base);
      objects.push(...r.objects);
      for (const [key, name] of r.generated) generated.set(key, name);
      continue;
    }
    const file = inside(dir, String(res));
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${res}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const o: unknown = doc.toJS();
      if (o === null || o === undefined) continue;
      const obj = asObj(o, `${res}: document`);
      const name = at(obj, 'metadata', 'name');
      if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || typeof name !== 'string') {
        throw new Error(`${res}: a document without apiVersion, kind and metadata.name`);
      }
      objects.push(obj as K8sObject);
    }
  }

  const defaults = isObj(k.generatorOptions) ? k.generatorOptions : {};
  const generate = (kind: 'ConfigMap' | 'Secret', g: Obj) => {
    for (const field of Object.keys(g)) {
      if (!GENERATOR_FIELDS.has(field)) throw new Error(`generator field "${field}" is not implemented`);
    }
    const name = String(g.name);
    const data: Record<string, string> = {};
    const put = (key: string, value: string, from: string) => {
      if (key in data) throw new Error(`${kind} ${name}: key ${key} twice (${from})`);
      data[key] = value;
    };
    for (const env of asList(g.envs)) {
      const file = String(env);
      for (const [key, v] of Object.entries(parseEnvFile(readFileSync(inside(dir, file), 'utf8'), file))) {
        put(key, v, file);
      }
    }
    for (const entry of asList(g.files)) {
      const [key, path] = String(entry).includes('=')
        ? (String(entry).split('=', 2) as [string, string])
        : [basename(String(entry)), String(entry)];
      put(key, readFileSync(inside(dir, path), 'utf8'), path);
    }
    for (const lit of asList(g.literals)) {
      const eq = String(lit).indexOf('=');
      put(String(lit).slice(0, eq), String(lit).slice(eq + 1), 'literals');
    }
    const options = { ...defaults, ...(isObj(g.options) ? g.options : {}) };
    const type = str(g.type) ?? 'Opaque';
    const payload: Obj =
      kind === 'ConfigMap'
        ? { data }
        : {
            type,
            data: Object.fromEntries(
              Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString('base64')]),
            ),
          };
    const encoded: Obj = { kind, name, ...payload };
    const finalName = options.disableNameSuffixHash === true ? name : `${name}-${nameHash(encoded)}`;
    generated.set(`${kind}/${name}`, finalName);
    objects.push({
      apiVersion: 'v1',
      kind,
      metadata: {
        name: finalName,
        ...(isObj(options.labels) ? { labels: options.labels } : {}),
        ...(isObj(options.annotations) ? { annotations: options.annotations } : {}),
      },
      ...payload,
    });
  };
  for (const g of asList(k.configMapGenerator)) generate('ConfigMap', asObj(g, 'configMapGenerator'));
  for (const g of asList(k.secretGenerator)) generate('Secret', asObj(g, 'secretGenerator'));

  // patches: only `$patch: delete` of a target, which is all the overlays use.
  for (const p of asList(k.patches).filter(isObj)) {
    const patch = asObj(parse(String(p.patch)), 'patch');
    const target = asObj(p.target, 'patch target');
    if (patch.$patch !== 'delete')
      throw new Error('patches: only $patch: delete is implemented by this renderer');
    const i = objects.findIndex((o) => o.kind === target.kind && o.metadata.name === target.name);
    if (i < 0) throw new Error(`patches: no ${String(target.kind)} ${String(target.name)} to delete`);
    objects.splice(i, 1);
  }

  const namespace = str(k.namespace);
  for (const o of objects) {
    if (namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = namespace;
    // References to generated objects follow their hashed names.
    for (const pod of podSpecs(o)) {
      const rename = (ref: unknown, field: string, kind: string) => {
        if (!isObj(ref)) return;
        const to = generated.get(`${kind}/${String(ref[field])}`);
        if (to) ref[field] = to;
      };
      for (const v of asList(pod.volumes).filter(isObj)) {
        rename(v.configMap, 'name', 'ConfigMap');
        rename(v.secret, 'secretName', 'Secret');
        for (const src of asList(at(v, 'projected', 'sources')).filter(isObj)) {
          rename(src.configMap, 'name', 'ConfigMap');
          rename(src.secret, 'name', 'Secret');
        }
      }
      for (const c of containersOf(pod)) {
        for (const e of asList(c.envFrom).filter(isObj)) {
          rename(e.configMapRef, 'name', 'ConfigMap');
          rename(e.secretRef, 'name', 'Secret');
        }
        for (const e of asList(c.env).filter(isObj)) {
          rename(at(e, 'valueFrom', 'configMapKeyRef'), 'name', 'ConfigMap');
          rename(at(e, 'valueFrom', 'secretKeyRef'), 'name', 'Secret');
        }
        for (const img of asList(k.images).filter(isObj)) {
          const image = String(c.image);
          const bare = image.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
          if (bare !== img.name) continue;
          const digest = str(img.digest);
          const tag = img.newTag === undefined ? undefined : String(img.newTag);
          c.image = `${str(img.newName) ?? bare}${digest ? `@${digest}` : tag ? `:${tag}` : image.slice(bare.length)}`;
        }
      }
    }
  }
  return { objects, generated };
}

// ---------------------------------------------------------------------------------------------
// Validation against the Kubernetes API schemas.
// ---------------------------------------------------------------------------------------------

interface ModelClass {
  new (data: never): { validate(): void };
  prototype: { validate(): void };
}
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
};

function modelOf(o: { apiVersion: string; kind: string }): ModelClass {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model) throw new Error(`no schema model for ${o.apiVersion} ${o.kind}: add it to MODELS`);
  return model;
}

/**
 * Fields the schema does not know (a typo such as `livenesProbe`), which the API server rejects
 * (strict field validation) but the OpenAPI schemas, having no additionalProperties: false, let
 * pass. Found by watching which fields the compiled schema validator reads: a field of an object
 * it inspected but never read, in an object it did not enumerate as a map, is unknown.
 */
function unknownFields(model: ModelClass, obj: Obj): string[] {
  const seen = new WeakMap<object, { read: Set<PropertyKey>; enumerated: boolean }>();
  const proxies = new WeakMap<object, object>();
  const note = (t: object) => {
    let s = seen.get(t);
    if (!s) {
      s = { read: new Set(), enumerated: false };
      seen.set(t, s);
    }
    return s;
  };
  const wrap = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    let p = proxies.get(v);
    if (!p) {
      p = new Proxy(v, {
        get(t, key, receiver) {
          note(t).read.add(key);
          return wrap(Reflect.get(t, key, receiver));
        },
        has(t, key) {
          note(t).read.add(key);
          return Reflect.has(t, key);
        },
        ownKeys(t) {
          note(t).enumerated = true;
          return Reflect.ownKeys(t);
        },
      });
      proxies.set(v, p);
    }
    return p;
  };
  try {
    model.prototype.validate.call(wrap(obj));
  } catch {
    return []; // schema errors are reported by the validation itself
  }
  const out: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, `${path}/${i}`);
      });
      return;
    }
    if (!isObj(v)) return;
    const s = seen.get(v);
    for (const [key, x] of Object.entries(v)) {
      if (s && !s.enumerated && !s.read.has(key)) out.push(`${path}/${key}`);
      else walk(x, `${path}/${key}`);
    }
  };
  walk(obj, '');
  return out;
}

/** Schema problems of one object ('' when valid). */
function validateObject(o: K8sObject): string {
  const model = modelOf(o);
  const problems: string[] = [];
  try {
    new model(structuredClone(o) as never).validate();
  } catch (err) {
    problems.push((err as Error).message);
  }
  const unknown = unknownFields(model, structuredClone(o));
  if (unknown.length > 0) problems.push(`unknown fields: ${unknown.join(', ')}`);
  return problems.join('; ');
}

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

describe('deploy/k8s/sharded: Discord shards over a StatefulSet', () => {
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
    expect(at(find('Service', 'redis'), 'metadata', 'namespace')).toBe('quizbot');
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
      expect(r.ok ? [] : r.problems).toEqual([]);
      if (!r.ok || typeof r.config.DISCORD_SHARDS !== 'number') continue;
      seen.push(...shardIdsOf(r.config.DISCORD_SHARD_IDS, r.config.DISCORD_SHARDS));
    }
    const count = Number(at(env.DISCORD_SHARDS, 'value'));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
