import type { Redis } from 'ioredis';
import { fsrs, type Grade } from 'ts-fsrs';
import { newCard, packCard, unpackCard } from '../src/engine/cardstate.js';
import type { TeamRef, UserRef } from '../src/engine/ports.js';
import { connectCluster, connectRedis, waitReady } from '../src/store/redis/connect.js';
import { Keys } from '../src/store/redis/keys.js';
import { RedisReviewStore } from '../src/store/redis/review-store.js';
import { noWait, type WaitPolicy, waitFor } from '../src/store/redis/wait.js';
import { startTestRedis } from '../tests/helpers/redis.js';
import { clusterUnavailable, startTestCluster } from '../tests/helpers/redis-cluster.js';
import type { BenchContext } from './context.js';
import { info, notMeasured, type SectionResult } from './report.js';
import { median, percentile, round, spread } from './stats.js';

const DECK = 'bench';
const CARDS = 20;
const WORKERS = 64;

/** One click's Redis work, as ReviewService.grade does it in a team: read state + weights, ts-fsrs, grade + next card. */
function clicker(store: RedisReviewStore, worker: number) {
  const f = fsrs();
  const user: UserRef = { platform: 'discord', userId: `1${String(worker).padStart(17, '0')}` };
  const team: TeamRef = { platform: 'discord', teamId: `9${String(worker % 8).padStart(17, '0')}` };
  let c = 0;
  let g = 0;
  return async (): Promise<number> => {
    const cardId = `c${c++ % CARDS}`;
    const t0 = performance.now();
    const now = Date.now();
    const read = await store.readForGrade(user, DECK, cardId, team);
    const grade = ((g++ % 4) + 1) as Grade;
    const prev = read.state ? unpackCard(read.state) : newCard(now);
    const next = f.next(prev, new Date(now), grade).card;
    await store.applyGradeThenQueue(
      {
        user,
        deckId: DECK,
        cardId,
        expected: read.state,
        next: packCard(next),
        due: next.due.getTime(),
        day: new Date(now).toISOString().slice(0, 10),
        isNew: read.state === null,
        recalled: null,
        log: `${now.toString(36)} ${cardId} ${grade}`,
        team: { ref: team, line: `${now.toString(36)} ${cardId} ${grade}`, at: now },
      },
      { now, endOfDay: now + 86_400_000, day: new Date(now).toISOString().slice(0, 10) },
    );
    return performance.now() - t0;
  };
}

/** `conc` workers clicking back to back for `ms`: clicks per second and each click's latency. */
async function loop(
  client: Redis,
  prefix: string,
  wait: WaitPolicy,
  conc: number,
  ms: number,
): Promise<{ perSecond: number; lat: number[] }> {
  const store = new RedisReviewStore(client, new Keys(prefix), wait);
  const ops = Array.from({ length: conc }, (_, w) => clicker(store, w));
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    ops.map(async (op) => {
      while (performance.now() < t0 + ms) lat.push(await op());
    }),
  );
  return { perSecond: lat.length / ((performance.now() - t0) / 1000), lat };
}

/**
 * Section 11: grades on a local Redis Cluster (3 masters, 3 replicas) against one redis-server,
 * in the same run, and what `REDIS_WAIT_REPLICAS=1` costs per grade on the cluster.
 */
export async function clusterSection(ctx: BenchContext): Promise<SectionResult> {
  const title = '11. Redis Cluster vs one Redis';
  if (clusterUnavailable) {
    return { title, rows: [notMeasured('cluster: grades/s', 'grades/s', clusterUnavailable)], notes: [] };
  }
  const trialMs = ctx.quick ? 800 : 3_000;
  ctx.progress.step('cluster: starting one redis-server and a 3+3 cluster');
  const single = await startTestRedis();
  const cluster = await startTestCluster();
  const one = connectRedis(single.url);
  const many = connectCluster(cluster.seeds);
  try {
    await Promise.all([waitReady(one), waitReady(many)]);
    let short = 0;
    const wait = waitFor(1, { onShort: () => short++ });
    const r = {
      one: [] as number[],
      cluster: [] as number[],
      ratio: [] as number[],
      waitTput: [] as number[],
    };
    const lat1 = { nowait: [] as number[], wait: [] as number[] };
    // Warm-up: scripts loaded, connections to every node open.
    await loop(one, 'warm', noWait, 8, 200);
    await loop(many, 'warm', noWait, 8, 200);
    for (let run = 0; run < ctx.runs; run++) {
      ctx.progress.step(`cluster: run ${run + 1}/${ctx.runs}`);
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order = run % 2 === 0 ? (['one', 'cluster'] as const) : (['cluster', 'one'] as const);
      const got: Record<string, number> = {};
      for (const which of order) {
        const client = which === 'one' ? one : many;
        got[which] = (await loop(client, `r${run}${which}`, noWait, WORKERS, trialMs)).perSecond;
      }
      r.one.push(got.one as number);
      r.cluster.push(got.cluster as number);
      r.ratio.push((got.cluster as number) / (got.one as number));
      r.waitTput.push((await loop(many, `w${run}`, wait, WORKERS, trialMs)).perSecond);
      lat1.nowait.push(...(await loop(many, `l${run}`, noWait, 1, trialMs / 2)).lat);
      lat1.wait.push(...(await loop(many, `lw${run}`, wait, 1, trialMs / 2)).lat);
    }
    const p50 = (xs: number[]) => percentile(xs, 50);
    const waitCost = p50(lat1.wait) - p50(lat1.nowait);
    return {
      title,
      rows: [
        info(
          `cluster: one redis-server, grades/s at ${WORKERS} in flight`,
          median(r.one),
          'grades/s',
          spread(r.one, 0),
        ),
        info(
          `cluster: 3+3 cluster, grades/s at ${WORKERS} in flight`,
          median(r.cluster),
          'grades/s',
          spread(r.cluster, 0),
        ),
        info('cluster: ratio cluster / one server (same run)', median(r.ratio), 'x', spread(r.ratio)),
        info(
          'cluster: REDIS_WAIT_REPLICAS=1, grades/s at 64 in flight',
          median(r.waitTput),
          'grades/s',
          spread(r.waitTput, 0),
        ),
        info('cluster: grade p50 at 1 in flight, no WAIT', p50(lat1.nowait), 'ms'),
        info('cluster: grade p50 at 1 in flight, REDIS_WAIT_REPLICAS=1', p50(lat1.wait), 'ms'),
        info('cluster: REDIS_WAIT_REPLICAS=1 cost per grade (p50 difference)', waitCost, 'ms'),
        info('cluster: WAITs a replica did not confirm within 500 ms', short, 'WAITs'),
      ],
      notes: [
        `**Method.** In the same run, one redis-server and a local Redis Cluster of 3 masters and 3 replicas (six redis-server processes, \`redis-cli --cluster create\`, tests/helpers/redis-cluster.ts), neither with AOF, all on this machine. A click is the Redis work of a team grade as ReviewService does it: \`readForGrade\` (the card's state by the gradeRead script; the team's FSRS weights beside it when the process has not kept them for the last 60 s), ts-fsrs \`next()\`, then \`applyGradeThenQueue\` (the grade script, which also reads the next card, and beside it the team's review log by the teamLog script and the fit index's SADD). Each step's commands go out at once, each to its own slot's node (on one server, the one server); with WAIT, one pipeline per slot (store/redis/batch.ts). ${WORKERS} workers, each its own user, 8 teams; closed loop for ${trialMs} ms per trial; ${ctx.runs} runs, the order alternated per run, ratios taken within a run. WAIT cost: p50 of single grades (1 in flight) on the cluster with and without \`WAIT 1 500\` after the grade script.`,
        `**Reading it.** On one machine a cluster cannot be faster than one server: its six processes share the same cores as the one server and the bench, and a click that touches the user's, the team's and an index bucket's slot sends to up to three nodes. A cluster is for memory and write throughput beyond one machine, and for automatic failover, not for latency; on separate machines each master adds its own core. \`REDIS_WAIT_REPLICAS=1\` adds the replica's acknowledgement to each grade: ${round(waitCost, 3)} ms at the median here (local replicas; across zones expect the zone round trip, typically 0.5-2 ms).`,
      ],
    };
  } finally {
    one.disconnect();
    many.disconnect();
    await single.dispose();
    await cluster.dispose();
  }
}
