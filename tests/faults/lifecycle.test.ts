import { afterEach, describe, expect, it } from 'vitest';
import { startBotProcess } from '../e2e/process/bot-process.js';
import { DiscordFaultRig, FAULT_ENV, httpPortOf } from './discord-rig.js';
import { hasRedisServer } from './redis-aof.js';

const haveRedis = await hasRedisServer();

/** GET a path of the bot's HTTP server: the status, or null when nothing answers. */
async function probe(port: number, path: string): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}

/** Resolves once `cond` holds (checked every 25 ms), waiting on the state itself. */
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * One slow post must not stall the process (issue 11, item 4), as a real process: probes and
 * signal handlers are up before the start-up catch-up, `/readyz` turns 503 the moment shutdown
 * starts, and shutdown drains for at most SHUTDOWN_DRAIN_MS, then exits.
 */
describe.skipIf(!haveRedis)('fault suite: a bot process with a post that hangs', () => {
  let rig: DiscordFaultRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('answers probes and stops gracefully on SIGTERM while its start-up catch-up hangs on a post', async () => {
    rig = await DiscordFaultRig.start(3);
    const channels = rig.channelIds;
    await rig.scheduleInStore(channels);
    // Every post hangs (a socket that never answers); the process catches up on start.
    const POSTS = /^\/channels\/\d+\/messages$/;
    rig.fake.fault({ method: 'POST', path: POSTS, kind: 'hang', times: Number.POSITIVE_INFINITY });
    await rig.dueNow(channels);
    const { child, output, exited } = await startBotProcess(
      {
        DISCORD_TOKEN: 'fault-token',
        DISCORD_API_URL: rig.fake.apiUrl,
        REDIS_URL: rig.redis.url,
        HTTP_PORT: '0',
        ...FAULT_ENV,
        // Longer than the test: only a bounded drain lets the process exit.
        SCHEDULER_ITEM_TIMEOUT_MS: '600000',
        SCHEDULER_LEASE_MS: '1200000',
        // A post times out at two fifths of the claim lease: a long lease keeps it hanging.
        DAILY_CLAIM_LEASE_MS: '1200000',
        SHUTDOWN_DRAIN_MS: '1500',
      },
      20_000,
      'http listening',
    );
    try {
      const fake = rig.fake;
      // Catch-up is under way, and every post hangs.
      await until('every post to hang', () => fake.find('POST', POSTS).length >= channels.length);
      expect(output()).not.toContain('"quizbot running"');
      const port = httpPortOf(output());
      expect(port).not.toBeNull();
      expect(await probe(port as number, '/healthz')).toBe(200);
      expect(await probe(port as number, '/readyz')).toBe(200);

      child.kill('SIGTERM');
      // From the moment shutdown starts, the pod is taken out of the Service.
      await until('/readyz to answer 503', async () => (await probe(port as number, '/readyz')) === 503);
      expect(await exited).toBe(0);
      expect(output()).toContain('in-flight work did not finish in time');
      expect(output()).toContain('"stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
