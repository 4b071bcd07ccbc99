import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotProcess } from '../e2e/process/bot-process.js';
import { logLines } from './bot-log.js';
import { expectAnsweredOnce, ShardRig } from './shard-rig.js';

/** Bound of one pod's start, and of each step that waits on the pods (generous: a loaded 2-core machine). */
const POD_START_MS = 120_000;
const STEP_MS = 60_000;

/**
 * The pods: their DISCORD_SHARD_IDS (one as a list, one in the StatefulSet's `pod:NAME/N` form)
 * and the shards that gives.
 */
const PODS = [
  { shardIds: '0-1', shards: '0-1' },
  { shardIds: 'pod:quizbot-1/2', shards: '2-3' },
] as const;

/** `[shard,count]` of the four shards' IDENTIFYs. */
const EVERY_SHARD = ['[0,4]', '[1,4]', '[2,4]', '[3,4]'];

/** A pod's log lines with message `msg`. */
const logged = (pod: BotProcess, msg: string) => logLines(pod.output()).filter((l) => l.msg === msg);

/**
 * Starts the pods one after the other; with the IDENTIFYs the fake received while each started
 * (nothing else identifies meanwhile: the pods before it are up).
 */
async function startPods(rig: ShardRig): Promise<{ pods: BotProcess[]; identifiedBy: string[][] }> {
  const pods: BotProcess[] = [];
  const identifiedBy: string[][] = [];
  for (const pod of PODS) {
    const before = rig.identified().length;
    pods.push(await rig.startBot({ DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: pod.shardIds }, POD_START_MS));
    identifiedBy.push(rig.identified().slice(before));
  }
  return { pods, identifiedBy };
}

/**
 * Two independent `quizbot start` processes, as two pods of a StatefulSet: DISCORD_SHARDS=4 in
 * both, DISCORD_SHARD_IDS=0-1 in one and pod:quizbot-1/2 (shards 2-3) in the other, no sharding
 * manager, on the same fake Discord and the same Redis. Started one after the other, as the
 * StatefulSet of deploy/k8s/overlays/sharded does (OrderedReady), so each IDENTIFY is known to
 * come from the pod that was starting.
 */
describe.skipIf(Boolean(process.env.TEST_REDIS_URL))(
  'Discord shards in separate pods pinned with DISCORD_SHARD_IDS (skipped with TEST_REDIS_URL: the bot processes write the default key prefix, only into a Redis of our own)',
  () => {
    let rig: ShardRig;
    let pods: BotProcess[] = [];
    let identifiedBy: string[][] = [];

    beforeAll(
      async () => {
        rig = await ShardRig.start();
        ({ pods, identifiedBy } = await startPods(rig));
      },
      PODS.length * POD_START_MS + 30_000,
    );

    afterAll(async () => {
      await rig?.close();
    });

    it('each pod identifies only its shards and gets only their guilds; only the pod with shard 0 registers the commands', () => {
      expect(identifiedBy.map((ids) => new Set(ids))).toEqual([
        new Set(['[0,4]', '[1,4]']),
        new Set(['[2,4]', '[3,4]']),
      ]);
      expect(rig.identified().sort(), 'each shard identified once').toEqual(EVERY_SHARD);
      pods.forEach((pod, i) => {
        const connected = logged(pod, 'discord connected');
        expect(
          connected.map((l) => ({ shards: l.shards, totalShards: l.totalShards, guilds: l.guilds })),
          `pod ${i}`,
        ).toEqual([{ shards: PODS[i]?.shards, totalShards: 4, guilds: 2 }]);
      });
      // The global command list is one per application: one bulk overwrite, by the pod with shard
      // 0 (src/platforms.ts), not one per pod.
      expect(rig.commandRegistrations()).toBe(1);
      const registered = pods.map((pod) => logged(pod, 'discord commands registered').length);
      expect(registered).toEqual([1, 0]);
    });

    it(
      "answers a command in each shard's guild exactly once, from the pod owning the shard",
      async () => {
        const answers = await rig.decksInEveryGuild(pods, STEP_MS);
        for (const a of answers) {
          expectAnsweredOnce(a);
          const owner = a.shard < 2 ? 0 : 1;
          expect(a.answeredBy, `answered by pod ${owner} only`).toEqual([
            { bot: owner, shards: PODS[owner]?.shards },
          ]);
        }
      },
      2 * STEP_MS,
    );

    it(
      'posts a daily round due in all 4 guilds exactly once per channel, whichever pod claims it',
      async () => {
        await rig.expectOnePostPerGuild(STEP_MS);
      },
      2 * STEP_MS,
    );

    it(
      'stops each pod on SIGTERM with exit status 0',
      async () => {
        expect(await rig.stopAll()).toEqual([0, 0]);
        for (const pod of pods) expect(logged(pod, 'stopped')).toHaveLength(1);
      },
      STEP_MS,
    );
  },
);
