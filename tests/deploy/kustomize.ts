// A small kustomize (there is no kustomize binary on these machines) and validation of the rendered
// objects against the Kubernetes API schemas (kubernetes-models), shared by the deploy/k8s tests.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, normalize, relative } from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';

export type Obj = Record<string, unknown>;
export interface K8sObject extends Obj {
  apiVersion: string;
  kind: string;
  metadata: Obj & { name: string; namespace?: string };
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asObj = (v: unknown, what: string): Obj => {
  if (!isObj(v)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(v)}`);
  return v;
};
export const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** The value at a path of keys and array indexes, or undefined. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
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
const GENERATOR_FIELDS = new Set(['name', 'envs', 'files', 'literals', 'type', 'options', 'behavior']);
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
export function inside(dir: string, path: string): string {
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
export function podSpecs(o: K8sObject): Obj[] {
  if (o.kind === 'Pod') return [asObj(o.spec, 'Pod spec')];
  const spec = at(o, 'spec', 'template', 'spec') ?? at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
  return isObj(spec) ? [spec] : [];
}
export const containersOf = (pod: Obj): Obj[] =>
  [...asList(pod.initContainers), ...asList(pod.containers)].filter(isObj);

/** A generator's output before its name is hashed (overlays may still merge into it). */
interface Generator {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  data: Record<string, string>;
  type: string;
  options: Obj;
  namespace?: string;
}

export interface Rendered {
  objects: K8sObject[];
  /** Generated name of each generator, by kind and given name. */
  generated: Map<string, string>;
}

/** One level of a kustomization: its resources (bases rendered first), generators, patches, transformers. */
function load(dir: string): { objects: K8sObject[]; generators: Generator[] } {
  const k = asObj(parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')), 'kustomization.yaml');
  for (const field of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) {
      throw new Error(`kustomization.yaml: "${field}" is not implemented by this test's renderer: add it`);
    }
  }
  const objects: K8sObject[] = [];
  const generators: Generator[] = [];
  for (const res of asList(k.resources)) {
    // A base (a folder with its own kustomization) may live anywhere; plain files must be inside.
    const base = normalize(join(dir, String(res)));
    if (existsSync(join(base, 'kustomization.yaml'))) {
      const sub = load(base);
      objects.push(...sub.objects);
      generators.push(...sub.generators);
      continue;
    }
    objects.push(...readObjects(inside(dir, String(res)), String(res)));
  }
  const defaults = isObj(k.generatorOptions) ? k.generatorOptions : {};
  for (const [kind, list] of [
    ['ConfigMap', k.configMapGenerator],
    ['Secret', k.secretGenerator],
  ] as const) {
    for (const g of asList(list)) generate(dir, kind, asObj(g, `${kind} generator`), defaults, generators);
  }
  for (const p of asList(k.patches)) applyPatch(dir, asObj(p, 'patch'), objects);
  const namespace = str(k.namespace);
  if (namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = namespace;
    for (const g of generators) g.namespace = namespace;
  }
  for (const o of objects) for (const pod of podSpecs(o)) for (const c of containersOf(pod)) setImage(c, k);
  return { objects, generators };
}

function readObjects(file: string, res: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${res}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const o: unknown = doc.toJS();
    if (o === null || o === undefined) continue;
    const obj = asObj(o, `${res}: document`);
    const name = at(obj, 'metadata', 'name');
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || typeof name !== 'string') {
      throw new Error(`${res}: a document without apiVersion, kind and metadata.name`);
    }
    out.push(obj as K8sObject);
  }
  return out;
}

/** A configMapGenerator / secretGenerator entry; `behavior: merge` adds to (and overrides in) a base's. */
function generate(dir: string, kind: 'ConfigMap' | 'Secret', g: Obj, defaults: Obj, all: Generator[]): void {
  for (const field of Object.keys(g)) {
    if (!GENERATOR_FIELDS.has(field)) throw new Error(`generator field "${field}" is not implemented`);
  }
  const name = String(g.name);
  const behavior = str(g.behavior) ?? 'create';
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
  const existing = all.find((x) => x.kind === kind && x.name === name);
  if (behavior === 'merge' || behavior === 'replace') {
    if (!existing)
      throw new Error(`${kind} ${name}: behavior ${behavior} but no base generator of that name`);
    existing.data = behavior === 'merge' ? { ...existing.data, ...data } : data;
    return;
  }
  if (behavior !== 'create') throw new Error(`${kind} ${name}: unknown behavior ${behavior}`);
  if (existing) throw new Error(`${kind} ${name}: generated twice (use behavior: merge in an overlay)`);
  const options = { ...defaults, ...(isObj(g.options) ? g.options : {}) };
  all.push({ kind, name, data, type: str(g.type) ?? 'Opaque', options });
}

/**
 * A `patches` entry as kustomize reads it: `target` (kind, name) and a JSON 6902 patch, inline
 * (`patch`) or in a file (`path`). Strategic-merge patches are not implemented: an error says so.
 */
function applyPatch(dir: string, p: Obj, objects: K8sObject[]): void {
  const target = asObj(p.target, 'patch target');
  const text = p.path !== undefined ? readFileSync(inside(dir, String(p.path)), 'utf8') : String(p.patch);
  const ops = parse(text) as unknown;
  if (!Array.isArray(ops)) throw new Error('only JSON 6902 patches (a list of ops) are implemented');
  const hits = objects.filter(
    (o) =>
      (target.kind === undefined || o.kind === target.kind) &&
      (target.name === undefined || o.metadata.name === target.name),
  );
  if (hits.length === 0) throw new Error(`patch target ${JSON.stringify(target)} matches nothing`);
  for (const o of hits) for (const op of ops) jsonPatch(o, asObj(op, 'patch op'));
}

/** One RFC 6902 op (add, replace, remove) on a JSON-pointer path; `-` appends to a list. */
function jsonPatch(doc: Obj, op: Obj): void {
  const parts = String(op.path)
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop();
  if (last === undefined) throw new Error(`patch path ${String(op.path)}: empty`);
  const parent = at(doc, ...parts.map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
  const kind = String(op.op);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (kind === 'add') parent.splice(i, 0, op.value);
    else if (kind === 'replace' && i < parent.length) parent[i] = op.value;
    else if (kind === 'remove' && i < parent.length) parent.splice(i, 1);
    else throw new Error(`patch ${kind} ${String(op.path)}: no such element`);
    return;
  }
  if (!isObj(parent)) throw new Error(`patch ${kind} ${String(op.path)}: the parent does not exist`);
  if (kind === 'add') parent[last] = op.value;
  else if ((kind === 'replace' || kind === 'remove') && last in parent) {
    if (kind === 'replace') parent[last] = op.value;
    else delete parent[last];
  } else throw new Error(`patch ${kind} ${String(op.path)}: no such field`);
}

function setImage(c: Obj, k: Obj): void {
  for (const img of asList(k.images).filter(isObj)) {
    const image = String(c.image);
    const bare = image.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
    if (bare !== img.name) continue;
    const digest = str(img.digest);
    const tag = img.newTag === undefined ? undefined : String(img.newTag);
    c.image = `${str(img.newName) ?? bare}${digest ? `@${digest}` : tag ? `:${tag}` : image.slice(bare.length)}`;
  }
}

/** Renders a kustomization folder the way `kubectl kustomize` does, for the fields it uses. */
export function renderKustomization(dir: string): Rendered {
  const { objects, generators } = load(dir);
  const generated = new Map<string, string>();
  for (const g of generators) {
    const payload: Obj =
      g.kind === 'ConfigMap'
        ? { data: g.data }
        : {
            type: g.type,
            data: Object.fromEntries(
              Object.entries(g.data).map(([key, v]) => [key, Buffer.from(v).toString('base64')]),
            ),
          };
    const encoded: Obj = { kind: g.kind, name: g.name, ...payload };
    const finalName = g.options.disableNameSuffixHash === true ? g.name : `${g.name}-${nameHash(encoded)}`;
    generated.set(`${g.kind}/${g.name}`, finalName);
    objects.push({
      apiVersion: 'v1',
      kind: g.kind,
      metadata: {
        name: finalName,
        ...(g.namespace ? { namespace: g.namespace } : {}),
        ...(isObj(g.options.labels) ? { labels: g.options.labels } : {}),
        ...(isObj(g.options.annotations) ? { annotations: g.options.annotations } : {}),
      },
      ...payload,
    });
  }
  // References to generated objects follow their hashed names.
  for (const o of objects) {
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
export const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
};

export function modelOf(o: { apiVersion: string; kind: string }): ModelClass {
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
export function validateObject(o: K8sObject): string {
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
