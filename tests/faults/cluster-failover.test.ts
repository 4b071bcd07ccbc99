import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectCluster } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import type { FakeMessage, FakeUser } from '../fakes/discord/payloads.js';
import { clusterUnavailable, startTestCluster, type TestCluster } from '../helpers/redis-cluster.js';
import { type Answered, DiscordFaultRig } from './discord-rig.js';
import { readyz, until } from './outcome.js';

/** What one failover run measured (printed for bench/RESULTS.md and the issue's report). */
interface FailoverRun {
  clicks: number;
  acknowledged: number;
  refused: number;
  /** Acknowledged answers missing from Redis after the failover. */
  lost: number;
  /** From the kill to the first acknowledgement of a click started after it (the same bot process, no restart). */
  servingAgainS: number;
  /** From the kill to /readyz answering 200 after its last 503 (0: no 503 was seen). */
  readyAgainS: number;
}

/**
 * A real bot process (`quizbot start`) on a local Redis Cluster (3 masters, 3 replicas, node
 * timeout 2 s), a guild of 4 channels with a daily round each, and an answer storm: 8 clicks in
 * flight at a time from 60 members. A third into the storm the master serving the guild's slot
 * is SIGKILLed; refused clicks are clicked again until acknowledged. Then: one post per channel,
 * the same process serving again, and every acknowledged answer looked up in Redis.
 */
async function stormWithFailover(rig: DiscordFaultRig, cluster: TestCluster): Promise<FailoverRun> {
  const bot = await rig.startBot();
  await rig.schedule(rig.channelIds);
  await rig.dueNow(rig.channelIds);
  await rig.waitPosted(rig.channelIds);
  const posts = rig.channelIds.map((c) => rig.posts(c)[0] as FakeMessage);
  const users: FakeUser[] = Array.from({ length: 60 }, (_, i) => rig.fake.user(`m${i}`));
  const queue = users.flatMap((user) => posts.map((post) => ({ user, post })));
  const total = queue.length;
  const answered: Answered[] = [];
  let clicks = 0;
  let refused = 0;
  let killedAt = 0;
  let killDone = 0;
  let servingAgainAt = 0;
  let lastRefusal = '';
  const probes: { at: number; status: number | null }[] = [];
  const master = await cluster.masterOf(new Keys().teamMeta(rig.team));
  // A storm that cannot finish (a client that never finds the promoted replica) fails with the
  // evidence instead of running into the test's timeout.
  const deadline = Date.now() + 75_000;
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (Date.now() > deadline) {
        const layout = await cluster.masters().catch((err: Error) => err.message);
        throw new Error(
          `the storm did not finish: ${answered.length}/${total} acknowledged, ${refused} refused, masters ${String(layout)}; last refusal: ${lastRefusal}`,
        );
      }
      if (!killedAt && clicks >= total / 3) {
        killedAt = Date.now();
        await cluster.kill(master);
        killDone = Date.now();
        void probe();
      }
      clicks++;
      const started = Date.now();
      const a = await rig.answer(job.user, job.post, clicks % 4);
      if (a.acknowledged) {
        answered.push(a);
        if (killDone && started >= killDone && !servingAgainAt) servingAgainAt = Date.now();
      } else {
        refused++;
        lastRefusal = a.reply.text;
        queue.push(job);
      }
    }
  };
  // /readyz polled from the kill until the storm is over and it answers 200 (or the test gave up).
  let stormOver = false;
  let gaveUp = false;
  const probe = async () => {
    while (!gaveUp) {
      const status = await readyz(bot.httpPort);
      probes.push({ at: Date.now(), status });
      if (stormOver && status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker)).catch((err: Error) => {
    gaveUp = true;
    throw new Error(`${err.message}\nbot log (end):\n${bot.output().slice(-3_000)}`);
  });
  stormOver = true;
  await until('the bot to be ready again', () => probes.at(-1)?.status === 200, 30_000);
  const lastUnready = probes.findLastIndex((p) => p.status !== 200);
  const readyAgainAt = lastUnready < 0 ? killedAt : (probes[lastUnready + 1]?.at ?? killedAt);
  await cluster.waitOk();

  // Every channel still has exactly one post: the storm and the failover made no second one.
  for (const c of rig.channelIds) expect(rig.posts(c), `posts in ${c}`).toHaveLength(1);
  // The acknowledged answers, looked up where the promoted replica serves them now.
  const keys = new Keys();
  let lost = 0;
  for (const a of answered) {
    const stored = await rig.client.hget(keys.teamAnswers(rig.team, a.roundId), a.user.id);
    if (stored === null) lost++;
  }
  return {
    clicks,
    acknowledged: answered.length,
    refused,
    lost,
    servingAgainS: (servingAgainAt - killedAt) / 1000,
    readyAgainS: (readyAgainAt - killedAt) / 1000,
  };
}

async function clusterRig(cluster: TestCluster): Promise<DiscordFaultRig> {
  const client = connectCluster(cluster.seeds, { retryDelayMs: 100 });
  return DiscordFaultRig.start(4, {
    client,
    env: { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodesEnv },
    redis: {
      url: '',
      stop: () => Promise.reject(new Error('a cluster rig stops nodes with cluster.kill')),
      start: () => Promise.reject(new Error('a cluster rig stops nodes with cluster.kill')),
      dispose: () => cluster.dispose(),
    },
  });
}

describe.skipIf(clusterUnavailable !== null)(
  `Redis Cluster failover under an answer storm${clusterUnavailable ? ` (${clusterUnavailable})` : ''}`,
  () => {
    let rig: DiscordFaultRig | undefined;
    let cluster: TestCluster | undefined;
    // Six nodes joining and syncing on a loaded machine take their own time: a hook with its own
    // bound, so the test's timeout measures the storm and the failover alone.
    beforeEach(async () => {
      cluster = await startTestCluster({ nodeTimeoutMs: 2_000 });
    }, 120_000);
    afterEach(async () => {
      if (rig) await rig.close();
      else await cluster?.dispose();
      rig = undefined;
      cluster = undefined;
    });

    it('a master killed mid-storm: one post per channel, the same process serves again, lost acknowledged writes counted', async () => {
      if (!cluster) throw new Error('no test cluster');
      rig = await clusterRig(cluster);
      const run = await stormWithFailover(rig, cluster);
      console.info(`cluster failover, REDIS_WAIT_REPLICAS=0: ${JSON.stringify(run)}`);
      expect(run.acknowledged).toBe(60 * 4);
      expect(run.servingAgainS).toBeGreaterThan(0);
      // Asynchronous replication may lose acknowledged writes: `lost` is counted and reported, not
      // asserted (REDIS_WAIT_REPLICAS=1 is the setting that promises none).
    }, 180_000);
  },
);
