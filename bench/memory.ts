import type { Redis } from 'ioredis';
import { toStoredState } from '../src/engine/cardstate.js';
import type { UserRef } from '../src/engine/ports.js';
import { localDate } from '../src/engine/time.js';
import { CardKeys } from '../src/store/redis/card-keys.js';
import { connectRedis, waitReady } from '../src/store/redis/connect.js';
import { Keys, REVIEW_LOG_CAP } from '../src/store/redis/keys.js';
import { scriptedPipeline } from '../src/store/redis/scripts.js';
import { oldestKeptDay } from '../src/store/retention.js';
import type { BenchContext } from './context.js';
import { cardId, snowflakeUser, statePool } from './fixtures.js';
import { infoNumber } from './redis.js';
import { info, type Measurement, type SectionResult, target } from './report.js';
import { round } from './stats.js';

const DECK = 'kubernetes';
const BATCH = 2_000;
const IN_FLIGHT = 4;

interface Shape {
  users: number;
  cards: number;
}

interface ShapeResult extends Shape {
  /** Bytes per card state: cards hash + due zset (keys included), after the other keys are deleted. */
  stateBytes: number;
  /** Bytes per reviewed card of everything the grade script writes (state, due, counters, log, sets). */
  totalBytes: number;
  /** OBJECT ENCODING of one user's cards hash and due zset. */
  hashEncoding: string;
  zsetEncoding: string;
  /** MEMORY USAGE of one user's cards hash and of the due zset, per card. */
  hashSample: number;
  zsetSample: number;
  /** Grade scripts that did not return 1. */
  failed: number;
  /** Seconds to write all states. */
  seconds: number;
}

const fmtN = (n: number) => n.toLocaleString('en-US');

/**
 * Writes `users x cards` first reviews through the store's `grade` script (the exact script,
 * keys and arguments RedisReviewStore.applyGrade sends for a new card, pipelined in batches), and
 * reads `used_memory` before, after, and after deleting everything but the card states and due
 * queues.
 */
async function measureShape(
  redis: Redis,
  admin: Redis,
  shape: Shape,
  progress: (s: string) => void,
): Promise<ShapeResult> {
  const keys = new Keys();
  const now = Date.now();
  const day = localDate(now, 'UTC');
  const pool = statePool(2_000, now, 3);
  await admin.flushall('SYNC');
  const before = await infoNumber(admin, 'memory', 'used_memory');
  // As at start (core.ts): the deck's card keys are assigned when decks load (measured with the rest).
  const cardKeys = await new CardKeys(redis, keys).assign(
    DECK,
    Array.from({ length: shape.cards }, (_, c) => cardId(c)),
  );
  const t0 = performance.now();
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  let pipe = scriptedPipeline(redis);
  let queued = 0;
  const flush = async () => {
    const p = pipe;
    pipe = scriptedPipeline(redis);
    queued = 0;
    const done = p.exec().then((res) => {
      // Replies alternate: the grade script (1 = applied), then the SADD (0 once the user is indexed).
      (res ?? []).forEach(([err, val], i) => {
        if (err || (i % 2 === 0 && val !== 1)) failed++;
      });
    });
    const tracked = done.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };
  const users: UserRef[] = [];
  for (let u = 0; u < shape.users; u++) {
    const user: UserRef = { platform: 'discord', userId: snowflakeUser(9, u) };
    users.push(user);
    const k = {
      cards: keys.cards(user, DECK),
      due: keys.due(user, DECK),
      deckDays: keys.deckDays(user, DECK),
      days: keys.days(user),
      log: keys.log(user),
      decks: keys.decks(user),
    };
    for (let c = 0; c < shape.cards; c++) {
      const s = pool[(u * 31 + c * 7) % pool.length] as (typeof pool)[number];
      const id = cardId(c);
      pipe.grade(
        k.cards,
        k.due,
        k.deckDays,
        k.days,
        k.log,
        k.decks,
        cardKeys[c] as string,
        '',
        toStoredState(s.packed, s.due),
        String(s.due),
        day,
        '1',
        '',
        `${Math.round(now / 1000).toString(36)} ${id} 3 0>1 0`,
        String(REVIEW_LOG_CAP),
        DECK,
        oldestKeptDay(day),
      );
      // As applyGrade does for a card's first state: the export index, in the same pipeline.
      pipe.sadd(keys.users(user), keys.userMember(user));
      queued++;
      if (queued >= BATCH) await flush();
    }
    if (u % 500 === 0) progress(`${fmtN(u)}/${fmtN(shape.users)} users`);
  }
  if (queued) await flush();
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  if (failed) throw new Error(`${failed} grade scripts did not apply: the memory figures would be wrong`);
  const after = await infoNumber(admin, 'memory', 'used_memory');
  const u0 = users[0] as UserRef;
  const hashEncoding = String(await admin.object('ENCODING', keys.cards(u0, DECK)));
  const zsetEncoding = String(await admin.object('ENCODING', keys.due(u0, DECK)));
  const hashUsage = Number(await admin.memory('USAGE', keys.cards(u0, DECK), 'SAMPLES', '0'));
  const zsetUsage = Number(await admin.memory('USAGE', keys.due(u0, DECK), 'SAMPLES', '0'));
  const len = await admin.hlen(keys.cards(u0, DECK));
  if (len !== shape.cards) throw new Error(`user 0 has ${len} card states, expected ${shape.cards}`);

  progress('deleting counters, logs and sets: card states and due queues remain');
  for (let i = 0; i < users.length; i += BATCH) {
    const del = admin.pipeline();
    for (const user of users.slice(i, i + BATCH))
      del.del(keys.log(user), keys.days(user), keys.deckDays(user, DECK), keys.decks(user));
    await del.exec();
  }
  await admin.del(...Keys.buckets((b) => keys.usersBucket(b)));
  const statesOnly = await infoNumber(admin, 'memory', 'used_memory');
  const n = shape.users * shape.cards;
  return {
    ...shape,
    stateBytes: (statesOnly - before) / n,
    totalBytes: (after - before) / n,
    hashEncoding,
    zsetEncoding,
    hashSample: hashUsage / shape.cards,
    zsetSample: zsetUsage / shape.cards,
    failed,
    seconds,
  };
}

/** Section 2: Redis memory per card state, at two shapes, with the encodings Redis picked. */
export async function memorySection(ctx: BenchContext): Promise<SectionResult> {
  const { admin, progress } = ctx;
  const shapes: Shape[] = ctx.quick
    ? [
        { users: 1_000, cards: 50 },
        { users: 100, cards: 500 },
      ]
    : [
        { users: 10_000, cards: 50 },
        { users: 1_000, cards: 500 },
      ];
  const redis = connectRedis(ctx.url);
  const defaults = (await admin.config('GET', '*-max-listpack-*')) as string[];
  const config = Object.fromEntries(
    defaults.flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1] as string]] : [])),
  ) as Record<string, string>;
  // AOF does not change the dataset, but its buffer counts in used_memory and half a million
  // scripts would write hundreds of MB of log: off while measuring memory.
  if (ctx.aof) await admin.config('SET', 'appendonly', 'no');
  try {
    await waitReady(redis);
    const results: ShapeResult[] = [];
    for (const shape of shapes) {
      const label = `${fmtN(shape.users)} users x ${shape.cards} cards`;
      results.push(await measureShape(redis, admin, shape, (s) => progress.step(`memory: ${label}: ${s}`)));
    }
    // What the fix would cost: listpack limits raised above the card count, on the largest shape.
    const tuned: ShapeResult[] = [];
    const big = shapes[shapes.length - 1] as Shape;
    const last = results[results.length - 1] as ShapeResult;
    const limit = 2 ** Math.ceil(Math.log2(big.cards * 2));
    if (last.hashEncoding !== 'listpack' || last.zsetEncoding !== 'listpack') {
      await admin.config(
        'SET',
        'hash-max-listpack-entries',
        String(limit),
        'zset-max-listpack-entries',
        String(limit),
      );
      try {
        tuned.push(
          await measureShape(redis, admin, big, (s) =>
            progress.step(`memory: ${fmtN(big.users)} x ${big.cards}, listpack limits ${limit}: ${s}`),
          ),
        );
      } finally {
        await admin.config(
          'SET',
          'hash-max-listpack-entries',
          config['hash-max-listpack-entries'] ?? '128',
          'zset-max-listpack-entries',
          config['zset-max-listpack-entries'] ?? '128',
        );
      }
    }
    await admin.flushall('SYNC');

    const rows: Measurement[] = [];
    for (const r of results) {
      const label = `${fmtN(r.users)} users x ${r.cards} cards`;
      rows.push(
        target(
          `memory: bytes per card state incl. due-queue entry, ${label}`,
          r.stateBytes,
          'B',
          '<=',
          64,
          `hash ${r.hashEncoding}, zset ${r.zsetEncoding}`,
        ),
      );
    }
    for (const r of results)
      rows.push(
        info(
          `memory: cards hash is listpack (1 = yes), ${fmtN(r.users)} users x ${r.cards} cards`,
          r.hashEncoding === 'listpack' ? 1 : 0,
          'flag',
          `OBJECT ENCODING: ${r.hashEncoding}; due zset ${r.zsetEncoding}`,
        ),
      );
    for (const r of results)
      rows.push(
        info(
          `memory: all study data per reviewed card (state, due, day counters, log, sets), ${fmtN(r.users)} users x ${r.cards} cards`,
          r.totalBytes,
          'B',
        ),
      );
    for (const r of tuned)
      rows.push(
        info(
          `memory: bytes per card state, ${fmtN(r.users)} users x ${r.cards} cards, listpack limits raised to ${limit}`,
          r.stateBytes,
          'B',
          `hash ${r.hashEncoding}, zset ${r.zsetEncoding}`,
        ),
      );

    const pool = statePool(2_000, Date.now(), 3);
    const avgPacked = pool.reduce((n, s) => n + toStoredState(s.packed, s.due).length, 0) / pool.length;
    const notes = [
      `**Method.** For each shape: FLUSHALL (the bench's own server), \`used_memory\` read, then every card's first review written through the store's \`grade\` script — the same script, keys and arguments RedisReviewStore.applyGrade sends for a new card, plus its SADD to the export index — pipelined ${fmtN(BATCH)} grades at a time. States are real ts-fsrs states after 1–8 reviews, in the stored form of cardstate.ts \`toStoredState\` (the packed state without version and due, since the due queue's score holds the due: average ${round(avgPacked, 1)} bytes, e.g. \`${toStoredState(pool[1]?.packed ?? '', pool[1]?.due ?? 0)}\`), named in the user's hash and due queue by the deck's short card key (a decimal counter assigned once per card id in the deck's own slot, store/redis/card-keys.ts; the deck's map is measured too) instead of the card id; user ids are 19-digit Discord snowflakes. \`used_memory\` is read again (everything a review writes), then the per-user day counters, review logs and deck sets and the global users index are deleted and it is read a third time: what remains is exactly the cards hash and the due sorted set of every user, keys included. Bytes per card state = that growth / card states. Redis config as deployed (docker-compose.yml and deploy/k8s): AOF, and zset-max-listpack-entries 512 so due queues of up to 512 cards stay listpacks; hash limits at their defaults (512 entries, 64-byte values).`,
      ...results.map(
        (r) =>
          `${fmtN(r.users)} users x ${r.cards} cards: ${round(r.stateBytes, 1)} B per card state with its due entry (hash ${r.hashEncoding}, zset ${r.zsetEncoding}; MEMORY USAGE of one user's keys per card: cards hash ${round(r.hashSample, 1)} B, due zset ${round(r.zsetSample, 1)} B); ${round(r.totalBytes, 1)} B per reviewed card with counters, log line and sets; written in ${round(r.seconds, 1)} s.`,
      ),
    ];
    const over = results.filter((r) => r.hashEncoding !== 'listpack' || r.zsetEncoding !== 'listpack');
    if (over.length) {
      const t = tuned[0];
      notes.push(
        `**Why the ${over.map((r) => `${r.cards}-card`).join(', ')} shape costs more.** Redis keeps a hash as a listpack only up to \`hash-max-listpack-entries\` fields (${config['hash-max-listpack-entries'] ?? '?'} on this server, the Redis 7 default) and a sorted set only up to \`zset-max-listpack-entries\` (${config['zset-max-listpack-entries'] ?? '?'}). With ${over[0]?.cards} cards in one deck ${[over[0]?.hashEncoding !== 'listpack' ? `the cards hash became a ${over[0]?.hashEncoding}` : '', over[0]?.zsetEncoding !== 'listpack' ? `the due queue became a ${over[0]?.zsetEncoding} (a dict entry, a skiplist node and a separate string per card)` : ''].filter(Boolean).join(' and ')}. What closes it: raise the limits in the deployed Redis config (\`--hash-max-listpack-entries ${limit} --zset-max-listpack-entries ${limit}\` in docker-compose.yml and deploy/k8s/redis.yaml)${t ? `, measured here at ${round(t.stateBytes, 1)} B per card state for ${fmtN(t.users)} x ${t.cards} (hash ${t.hashEncoding}, zset ${t.zsetEncoding})` : ''}; listpack lookups are linear, which at a few hundred small entries is still microseconds. The other way is to split a user's deck into buckets of at most ${config['zset-max-listpack-entries'] ?? 128} cards, which keeps default configs but touches keys.ts and every script.`,
      );
    }
    const lp = results.filter(
      (r) => r.hashEncoding === 'listpack' && r.zsetEncoding === 'listpack' && r.stateBytes > 64,
    );
    if (lp.length) {
      const r = lp[0] as ShapeResult;
      notes.push(
        `**Why ${round(r.stateBytes, 1)} B and not 64 even as listpacks (${fmtN(r.users)} x ${r.cards}).** The states hash costs ${round(r.hashSample, 1)} B per card: the stored state (${round(avgPacked, 1)} B on average) plus the card key as field plus listpack entry headers; the due entry costs ${round(r.zsetSample, 1)} B more (the card key again, the score as a 13-digit integer, headers); keys, their dict entries and allocator rounding make up the rest. Levers left: due scores as seconds since a 2025 epoch (a 4-byte listpack integer instead of 8, about −4 B per state, measured), 4 significant digits for stability and difficulty (about −4 B).`,
      );
    }
    notes.push(
      'The review log (capped at 500 lines per user) and the day counters are per user and per day, not per card state; they are reported as "all study data per reviewed card" for context, without a target.',
    );
    return { title: '2. Redis memory per card state', rows, notes };
  } finally {
    redis.disconnect();
    if (ctx.aof) await admin.config('SET', 'appendonly', 'yes').catch(() => {});
  }
}
