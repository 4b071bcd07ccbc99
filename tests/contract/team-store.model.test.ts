import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DailyRound, TeamRef, TeamStore } from '../../src/engine/ports.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { cleanupPrefix, readyClient } from '../helpers/team-stores.js';

// Issue 11, item 8: random sequences of schedule / claim / post / fail / answer / close / expire /
// restart run against both team stores and a small reference model; every outcome must be equal.
// Time is the caller's clock only (the model has no other): where Redis' TTLs and the caller's clock
// disagree, the caller's clock wins (see README "Retention").
// Reproduce a failure with FC_SEED=<seed printed by fast-check> (and FC_PATH=<path> to replay it).

const TEAM: TeamRef = { platform: 'slack', teamId: 'Tmodel' };
const DAY = 86_400_000;
const T0 = Date.parse('2024-03-29T00:00:00Z');
const KEEP = 14 * DAY;
const LEASE = 5 * 60_000;
const ROUNDS = ['C1-20240329', 'C1-20240330', 'C2-20240329'] as const;
const USERS = ['u1', 'u2', 'u3', 'u4'] as const;
const OWNERS = ['a', 'b'] as const;

function roundOf(id: string): DailyRound {
  const day = id.endsWith('30') ? 1 : 0;
  const opensAt = T0 + day * DAY + 9 * 3_600_000;
  return {
    roundId: id,
    channelId: id.slice(0, 2),
    date: day ? '2024-03-30' : '2024-03-29',
    deckId: 'k8s',
    cardId: 'c1',
    form: 0,
    order: [0, 1, 2, 3],
    correct: 2,
    opensAt,
    closesAt: opensAt + 8 * 3_600_000,
    prevDate: null,
    status: 'open',
    message: null,
    revealed: false,
  };
}

// ---- the reference model ---------------------------------------------------------------------

type Claim =
  | { s: 'run'; owner: string; attempt: number; until: number }
  | { s: 'retry'; attempts: number }
  | { s: 'posted' }
  | { s: 'failed'; attempts: number };

interface ModelRound {
  closesAt: number;
  /** A post was recorded (the round has a message). */
  posted: boolean;
  answers: Map<string, { choice: number; at: number }>;
  closed: boolean;
  expiresAt: number;
}

interface Model {
  now: number;
  claims: Map<string, { claim: Claim; expiresAt: number }>;
  rounds: Map<string, ModelRound>;
  open: Set<string>;
  points: Map<string, number>;
  /** Channels with a schedule. */
  schedules: Set<string>;
  /** The generation each owner got from its last claim of a round. */
  attempts: Map<string, number>;
}

function purge(m: Model): void {
  for (const [id, c] of m.claims) if (c.expiresAt <= m.now) m.claims.delete(id);
  for (const [id, r] of m.rounds) if (r.expiresAt <= m.now) m.rounds.delete(id);
}

interface Real {
  now: number;
  stores: { name: string; store: TeamStore }[];
  restart: () => void;
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** Runs one operation on every store; all outcomes must be equal to each other and to the model's. */
async function same<T>(r: Real, op: (s: TeamStore) => Promise<T>, expected: T): Promise<void> {
  for (const { name, store } of r.stores) {
    const got = await op(store);
    expect({ store: name, got }).toEqual({ store: name, got: expected });
  }
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    m.now += this.ms;
    r.now = m.now;
  }
  toString = () => `advance(${this.ms})`;
}

class Restart implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    r.restart();
  }
  toString = () => 'restart';
}

class ClaimCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly owner: string,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    purge(m);
    const round = roundOf(this.id);
    const cur = m.claims.get(this.id)?.claim;
    const kept = m.rounds.get(this.id);
    let attempt = 1;
    let expected: unknown;
    if (cur?.s === 'run' && cur.until > m.now) expected = { status: 'busy', until: cur.until };
    else if (cur?.s === 'posted') expected = { status: 'posted' };
    else if (cur?.s === 'failed') expected = { status: 'failed', attempts: cur.attempts };
    // A round posted or closed is never posted again, even after its claim expired.
    else if (kept && (kept.posted || kept.closed)) expected = { status: 'posted' };
    else {
      if (cur?.s === 'run') attempt = cur.attempt + 1;
      if (cur?.s === 'retry') attempt = cur.attempts + 1;
      if (attempt > 3) {
        m.claims.set(this.id, { claim: { s: 'failed', attempts: attempt - 1 }, expiresAt: m.now + KEEP });
        expected = { status: 'failed', attempts: attempt - 1 };
      } else {
        m.claims.set(this.id, {
          claim: { s: 'run', owner: this.owner, attempt, until: m.now + LEASE },
          expiresAt: m.now + KEEP,
        });
        // The first claim writes the round; later ones keep it, with its answers.
        if (!kept)
          m.rounds.set(this.id, {
            closesAt: round.closesAt,
            posted: false,
            answers: new Map(),
            closed: false,
            expiresAt: Math.max(round.closesAt, m.now) + KEEP,
          });
        m.attempts.set(`${this.id}|${this.owner}`, attempt);
        expected = { status: 'claimed', generation: attempt, attempt, round };
      }
    }
    const lease = { owner: this.owner, now: m.now, leaseMs: LEASE, maxAttempts: 3, keepMs: KEEP };
    await same(r, (s) => s.claimRound(TEAM, round, lease), expected);
  }
  toString = () => `claim(${this.id}, ${this.owner})`;
}

/** Whether a round's claim is still there by the caller's clock. */
function live(m: Readonly<Model>, id: string): boolean {
  const c = m.claims.get(id);
  return c !== undefined && c.expiresAt > m.now;
}

/** The generation this owner got from its last claim of a round, if that generation still holds it (the fence). */
function holds(m: Model, id: string, owner: string): number | null {
  const c = m.claims.get(id);
  const attempt = m.attempts.get(`${id}|${owner}`);
  if (!c || c.expiresAt <= m.now || attempt === undefined) return null;
  return c.claim.s === 'run' && c.claim.attempt === attempt ? attempt : null;
}

class PostCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly owner: string,
  ) {}
  // A post is recorded within its lease (outbound calls time out inside it), never days later.
  check = (m: Readonly<Model>) => m.attempts.has(`${this.id}|${this.owner}`) && live(m, this.id);
  async run(m: Model, r: Real) {
    const round = roundOf(this.id);
    const attempt = m.attempts.get(`${this.id}|${this.owner}`) ?? 0;
    const held = holds(m, this.id, this.owner);
    const rd = m.rounds.get(this.id);
    const ok = held !== null && rd !== undefined && rd.expiresAt > m.now;
    if (ok) {
      const c = m.claims.get(this.id);
      // A posted claim lives as long as its round.
      if (c) {
        c.claim = { s: 'posted' };
        c.expiresAt = Math.max(c.expiresAt, rd.expiresAt);
      }
      rd.posted = true;
      // A post that lands after its round closed is recorded (late) but never listed open again.
      if (!rd.closed) m.open.add(this.id);
    }
    const post = {
      generation: attempt,
      message: { channelId: round.channelId, messageId: `m-${this.id}` },
      resetAsked: false,
      keepMs: KEEP,
    };
    await same(r, (s) => s.recordPost(TEAM, round, post), !ok ? 'lost' : rd?.closed ? 'late' : 'ok');
  }
  toString = () => `post(${this.id}, ${this.owner})`;
}

class FailCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly owner: string,
    readonly final: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.attempts.has(`${this.id}|${this.owner}`) && live(m, this.id);
  async run(m: Model, r: Real) {
    const attempt = m.attempts.get(`${this.id}|${this.owner}`) ?? 0;
    const held = holds(m, this.id, this.owner);
    const c = m.claims.get(this.id);
    if (held !== null && c)
      c.claim = this.final ? { s: 'failed', attempts: held } : { s: 'retry', attempts: held };
    await same(r, (s) => s.failPost(TEAM, this.id, attempt, this.final, KEEP), held !== null ? 'ok' : 'lost');
  }
  toString = () => `fail(${this.id}, ${this.owner}, ${this.final})`;
}

class AnswerCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly user: string,
    readonly choice: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const round = m.rounds.get(this.id);
    let status: string;
    if (!round || round.expiresAt <= m.now) status = 'unknown';
    else if (round.closed || m.now >= round.closesAt) status = 'closed';
    else if (this.choice > 3) status = 'bad_choice';
    else if (round.answers.has(this.user)) status = 'already';
    else {
      round.answers.set(this.user, { choice: this.choice, at: m.now });
      status = 'accepted';
    }
    const now = m.now;
    await same(
      r,
      async (s) => (await s.answer(TEAM, this.id, this.user, this.choice, now, null)).status,
      status,
    );
  }
  toString = () => `answer(${this.id}, ${this.user}, ${this.choice})`;
}

class CloseCmd implements Cmd {
  constructor(readonly id: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const round = m.rounds.get(this.id);
    let expected: { status: string; answered?: number; right?: number };
    if (!round || round.expiresAt <= m.now) {
      expected = { status: 'unknown' };
      m.open.delete(this.id);
    } else {
      const right = [...round.answers].filter(([, a]) => a.choice === 2);
      expected = {
        status: round.closed ? 'already' : 'closed',
        answered: round.answers.size,
        right: right.length,
      };
      if (!round.closed) {
        right.sort(([ua, a], [ub, b]) => a.at - b.at || (ua < ub ? -1 : 1));
        for (const [i, [u]] of right.entries())
          m.points.set(u, (m.points.get(u) ?? 0) + 10 + ([5, 3, 1][i] ?? 0));
        round.closed = true;
        round.expiresAt = m.now + KEEP;
      }
      m.open.delete(this.id);
    }
    const awards = {
      now: m.now,
      boards: ['w:2024-W13', 'm:2024-03', 'all'] as [string, string, string],
      points: 10,
      bonus: [5, 3, 1],
      fastest: 3,
      keepMs: KEEP,
    };
    await same(
      r,
      async (s) => {
        const out = await s.closeRound(TEAM, this.id, awards);
        return out.status === 'unknown'
          ? { status: out.status }
          : { status: out.status, answered: out.result.answered, right: out.result.right };
      },
      expected,
    );
  }
  toString = () => `close(${this.id})`;
}

class ScheduleCmd implements Cmd {
  constructor(
    readonly channel: string,
    readonly put: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const had = m.schedules.has(this.channel);
    if (this.put) m.schedules.add(this.channel);
    else m.schedules.delete(this.channel);
    const s = {
      channelId: this.channel,
      deckId: 'k8s',
      time: '09:00',
      timezone: 'UTC',
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      close: { kind: 'after' as const, minutes: 480 },
      paused: false,
      updatedBy: 'admin',
      updatedAt: m.now,
    };
    await same(
      r,
      async (st) => {
        let out = true;
        if (this.put) await st.putSchedule(TEAM, s);
        else out = await st.deleteSchedule(TEAM, this.channel);
        return { out, channels: (await st.listSchedules(TEAM)).map((x) => x.channelId) };
      },
      { out: this.put || had, channels: [...m.schedules].sort() },
    );
  }
  toString = () => `${this.put ? 'schedule' : 'unschedule'}(${this.channel})`;
}

/** Reads that every store must answer alike after each command sequence step. */
class Observe implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    const points = Object.fromEntries([...m.points].sort());
    await same(
      r,
      async (s) => {
        const page = await s.leaderboard(TEAM, 'all', 'nobody', 10);
        return Object.fromEntries(page.top.map((e) => [e.userId, e.points]).sort());
      },
      points,
    );
    await same(r, async (s) => (await s.openRounds(TEAM)).map((o) => o.roundId).sort(), [...m.open].sort());
  }
  toString = () => 'observe';
}

const id = fc.constantFrom(...ROUNDS);
const owner = fc.constantFrom(...OWNERS);
const commands = fc.commands(
  [
    fc.constantFrom(60_000, 3_600_000, 6 * 3_600_000, 15 * DAY).map((ms) => new Advance(ms)),
    fc.constant(new Restart()),
    fc.tuple(fc.constantFrom('C1', 'C2'), fc.boolean()).map(([c, p]) => new ScheduleCmd(c, p)),
    fc.tuple(id, owner).map(([i, o]) => new ClaimCmd(i, o)),
    fc.tuple(id, owner).map(([i, o]) => new PostCmd(i, o)),
    fc.tuple(id, owner, fc.boolean()).map(([i, o, f]) => new FailCmd(i, o, f)),
    fc
      .tuple(id, fc.constantFrom(...USERS), fc.integer({ min: 0, max: 4 }))
      .map(([i, u, c]) => new AnswerCmd(i, u, c)),
    id.map((i) => new CloseCmd(i)),
    fc.constant(new Observe()),
  ],
  { maxCommands: 40 },
);

let server: TestRedis;
let redis: Redis;
let dir: string;
let n = 0;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
  dir = mkdtempSync(join(tmpdir(), 'qb-model-'));
});

afterAll(async () => {
  if (redis) await cleanupPrefix(redis, server);
  redis?.disconnect();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('team stores against a reference model (fast-check)', () => {
  it('schedule / claim / post / fail / answer / close / expire / restart: equal outcomes', async () => {
    const seed = Number(process.env.FC_SEED ?? 20261130);
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const run = ++n;
        const file = join(dir, `m${run}.json`);
        const keys = new Keys(`${server.prefix}m${run}`);
        // Saved at once (no 50 ms batching): every write waits for its save, and restarts read the file.
        const memory = () => new MemoryTeamStore(new PersistedDoc<object>(file, () => ({}), 0));
        let mem = memory();
        const real: Real = {
          now: T0,
          stores: [],
          restart: () => {},
        };
        const wire = () => {
          real.stores = [
            { name: 'memory', store: mem },
            { name: 'redis', store: new RedisTeamStore(redis, keys) },
          ];
        };
        wire();
        real.restart = () => {
          // The embedded store is written to its file and read back; Redis gets a fresh store object.
          (mem as unknown as { doc: PersistedDoc<object> }).doc.flush();
          mem = memory();
          wire();
        };
        const model: Model = {
          now: T0,
          claims: new Map(),
          rounds: new Map(),
          open: new Set(),
          points: new Map(),
          attempts: new Map(),
          schedules: new Set(),
        };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      {
        numRuns: 300,
        seed,
        verbose: 1,
        // Drifts found before (kept as fixed cases beside the random ones): a round that expired
        // unclosed must leave the open index; a claim past its lifetime by the caller's clock is gone.
        examples: [
          [
            [
              new ClaimCmd('C1-20240329', 'a'),
              new PostCmd('C1-20240329', 'a'),
              new Advance(15 * DAY),
              new CloseCmd('C1-20240329'),
              new Observe(),
            ],
          ],
          [[new ClaimCmd('C1-20240329', 'a'), new Advance(15 * DAY), new ClaimCmd('C1-20240329', 'a')]],
        ],
      },
    );
  }, 60_000);
});
