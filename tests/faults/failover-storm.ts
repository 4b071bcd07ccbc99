import { Keys } from '../../src/store/redis/keys.js';
import { WAIT_DEFAULTS } from '../../src/store/redis/wait.js';
import type { FakeMessage, FakeUser } from '../fakes/discord/payloads.js';
import type { TestCluster } from '../helpers/redis-cluster.js';
import { logLines } from './bot-log.js';
import type { Answered, DiscordFaultRig, FaultBot } from './discord-rig.js';
import { readyz, until } from './outcome.js';

/**
 * Bounds (ms) of the phases of one failover run. Each phase that runs out fails with its own
 * evidence (the bot's log, the counts so far); the test's timeout is their sum plus slack
 * ({@link failoverTimeout}), so the test's own timeout never fires first. Generous: on a loaded
 * 2-core machine a bot process took over 60 s to start.
 */
export interface FailoverBounds {
  /** `quizbot start` until it logs "quizbot running". */
  botStart: number;
  /** The first daily post in every channel. */
  posted: number;
  /** The storm, the kill and the failover; a click in flight at the deadline may add `click`. */
  storm: number;
  /** One click answered (a deferred answer's edit included); a slower one is clicked again. */
  click: number;
  /** `/readyz` answering 200 again after the storm. */
  readyAgain: number;
  /** `cluster_state:ok` on every live node. */
  clusterOk: number;
}

/** The bounds the tests use. */
export const FAILOVER_BOUNDS: FailoverBounds = {
  botStart: 150_000,
  posted: 60_000,
  storm: 90_000,
  click: 20_000,
  readyAgain: 30_000,
  clusterOk: 30_000,
};

/** A test timeout above the sum of the bounds (plus 30 s for the rest: lookups, teardown). */
export function failoverTimeout(b: FailoverBounds = FAILOVER_BOUNDS): number {
  return b.botStart + b.posted + b.storm + b.click + b.readyAgain + b.clusterOk + 30_000;
}

/** What one failover run measured (printed for bench/RESULTS.md and the report). */
export interface FailoverRun {
  /** REDIS_WAIT_REPLICAS of the bot. */
  waitReplicas: number;
  clicks: number;
  /** Answers the bot acknowledged ("Right" / "Not quite"). */
  acknowledged: number;
  /**
   * Clicks refused or failed whose answer was stored all the same: clicked again, the bot
   * answered "You already answered" (e.g. the master died after the write, before its reply).
   */
  alreadyStored: number;
  /** Clicks the bot refused (e.g. "cannot reach my database"). */
  refused: number;
  /** Clicks with no answer in time, or "This interaction failed" (clicked again). */
  unanswered: number;
  /** Acknowledged (or already stored) answers missing from Redis after the failover. */
  lost: number;
  /** Short WAITs the bot logged: the write acknowledged without a replica's confirmation, WAIT paused. */
  shortWaits: number;
  /**
   * Acknowledged answers that may have gone without a replica's confirmation: all of them
   * without WAIT; with WAIT, those clicked before a logged short WAIT's pause ended and answered
   * after it was logged (their own WAIT was short, or WAIT was paused when they were written).
   */
  unconfirmed: number;
  /** Lost answers outside those: confirmed by WAIT, lost anyway (WAIT's promise broken). */
  lostConfirmed: number;
  /** From the kill to the first acknowledgement of a click started after it (the same bot process, no restart). */
  servingAgainS: number;
  /** From the kill to /readyz answering 200 after its last 503 (0: no 503 was seen). */
  readyAgainS: number;
}

/** Options of {@link stormWithFailover}. */
export interface FailoverOptions {
  /** The bot's REDIS_WAIT_REPLICAS (0: not set). */
  waitReplicas: number;
  /** Phase bounds (default {@link FAILOVER_BOUNDS}). */
  bounds?: FailoverBounds;
}

/** Runs one phase; when it fails, the error names the phase and carries `evidence()`. */
async function phase<T>(name: string, work: () => Promise<T>, evidence: () => string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new Error(`failover run, phase "${name}": ${(err as Error).message}\n${evidence()}`, {
      cause: err,
    });
  }
}

/** The end of a bot's log, as evidence. */
const logEnd = (bot: FaultBot | undefined) => `bot log (end):\n${bot?.output().slice(-3_000) ?? '(no bot)'}`;

/**
 * A real bot process (`quizbot start`) on a local Redis Cluster (3 masters, 3 replicas, node
 * timeout 2 s), a guild of 4 channels with a daily round each, and an answer storm: 8 clicks in
 * flight at a time from 60 members. A third into the storm the master serving the guild's slot
 * is SIGKILLed; refused and unanswered clicks are clicked again until stored. Then: one post per
 * channel, the same process serving again, and every stored answer looked up in Redis.
 */
export async function stormWithFailover(
  rig: DiscordFaultRig,
  cluster: TestCluster,
  o: FailoverOptions,
): Promise<FailoverRun> {
  const b = o.bounds ?? FAILOVER_BOUNDS;
  const env: Record<string, string> =
    o.waitReplicas > 0 ? { REDIS_WAIT_REPLICAS: String(o.waitReplicas) } : {};
  // Written straight into the store and due before the bot starts: it posts as soon as it runs.
  await rig.scheduleInStore(rig.channelIds);
  await rig.dueNow(rig.channelIds);
  const bot = await phase(
    'bot start',
    () => rig.startBot(env, b.botStart),
    () => '',
  );
  await phase(
    'first posts',
    () => rig.waitPosted(rig.channelIds, b.posted),
    () => logEnd(bot),
  );
  const posts = rig.channelIds.map((c) => rig.posts(c)[0] as FakeMessage);
  const users: FakeUser[] = Array.from({ length: 60 }, (_, i) => rig.fake.user(`m${i}`));
  const master = await cluster.masterOf(new Keys().teamMeta(rig.team));
  const storm = new Storm(rig, cluster, master, b);
  await storm.run(
    bot,
    users.flatMap((user) => posts.map((post) => ({ user, post, firstAt: 0 }))),
  );
  await phase(
    'ready again',
    () => storm.probe.untilReady(b.readyAgain),
    () => `${storm.probe.evidence()}\n${logEnd(bot)}`,
  );
  await phase(
    'cluster ok',
    () => cluster.waitOk(b.clusterOk),
    () => logEnd(bot),
  );
  return storm.measure(bot, o.waitReplicas);
}

/** One click to make: who clicks which post, and when they first clicked it. */
interface Job {
  user: FakeUser;
  post: FakeMessage;
  firstAt: number;
}

/** An answer acknowledged (or found already stored): when it was first clicked, when the reply came. */
interface Stored {
  a: Answered;
  firstAt: number;
  ackAt: number;
}

/** The clicking side of a run: 8 workers over a queue of clicks, the kill a third into it. */
class Storm {
  readonly stored: Stored[] = [];
  readonly probe = new ReadyProbe();
  private queue: Job[] = [];
  private total = 0;
  private clicks = 0;
  private acknowledged = 0;
  private refused = 0;
  private unanswered = 0;
  private killedAt = 0;
  private killDone = 0;
  private servingAgainAt = 0;
  private lastRefusal = '';
  private stopped = false;

  constructor(
    private readonly rig: DiscordFaultRig,
    private readonly cluster: TestCluster,
    private readonly master: number,
    private readonly b: FailoverBounds,
  ) {}

  /** Clicks every job until stored; fails with the counts and the bot's log when the deadline passes. */
  async run(bot: FaultBot, jobs: Job[]): Promise<void> {
    this.queue = jobs;
    this.total = jobs.length;
    const deadline = Date.now() + this.b.storm;
    try {
      await Promise.all(Array.from({ length: 8 }, () => this.worker(bot, deadline)));
    } catch (err) {
      // The other workers stop at their next click, the probe at its next poll.
      this.stopped = true;
      this.probe.stop();
      const layout = await this.cluster.masters().catch((e: Error) => e.message);
      throw new Error(
        `failover run, phase "storm": ${(err as Error).message}: ${this.counts()}, masters ${String(layout)}; last refusal: ${this.lastRefusal}\n${logEnd(bot)}`,
        { cause: err },
      );
    }
    this.probe.stormOver();
  }

  private counts(): string {
    return `${this.stored.length}/${this.total} stored, ${this.clicks} clicks, ${this.refused} refused, ${this.unanswered} unanswered`;
  }

  private async worker(bot: FaultBot, deadline: number): Promise<void> {
    for (let job = this.queue.shift(); job && !this.stopped; job = this.queue.shift()) {
      if (Date.now() > deadline) throw new Error(`the storm did not finish within ${this.b.storm} ms`);
      if (!this.killedAt && this.clicks >= this.total / 3) {
        this.killedAt = Date.now();
        await this.cluster.kill(this.master);
        this.killDone = Date.now();
        this.probe.start(bot.httpPort);
      }
      await this.click(job);
    }
  }

  private async click(job: Job): Promise<void> {
    this.clicks++;
    const at = Date.now();
    if (!job.firstAt) job.firstAt = at;
    let a: Answered;
    try {
      a = await this.rig.answer(job.user, job.post, this.clicks % 4, this.b.click);
    } catch (err) {
      // No answer in time, or "This interaction failed": to the user, not acknowledged.
      this.unanswered++;
      this.lastRefusal = (err as Error).message;
      this.queue.push(job);
      return;
    }
    const already = a.reply.text.includes('already answered');
    if (a.acknowledged || already) {
      if (a.acknowledged) this.acknowledged++;
      this.stored.push({ a, firstAt: job.firstAt, ackAt: Date.now() });
      if (this.killDone && at >= this.killDone && !this.servingAgainAt) this.servingAgainAt = Date.now();
    } else {
      this.refused++;
      this.lastRefusal = a.reply.text;
      this.queue.push(job);
    }
  }

  /** Looks every stored answer up in Redis and sorts the lost ones by the bot's short-WAIT log lines. */
  async measure(bot: FaultBot, waitReplicas: number): Promise<FailoverRun> {
    const keys = new Keys();
    const lost: Stored[] = [];
    for (const s of this.stored) {
      const v = await this.rig.client.hget(keys.teamAnswers(this.rig.team, s.a.roundId), s.a.user.id);
      if (v === null) lost.push(s);
    }
    const shorts = shortWaitTimes(bot.output());
    const unconfirmed = (s: Stored) => waitReplicas === 0 || mayBeUnconfirmed(s, shorts);
    return {
      waitReplicas,
      clicks: this.clicks,
      acknowledged: this.acknowledged,
      alreadyStored: this.stored.length - this.acknowledged,
      refused: this.refused,
      unanswered: this.unanswered,
      lost: lost.length,
      shortWaits: shorts.length,
      unconfirmed: this.stored.filter(unconfirmed).length,
      lostConfirmed: lost.filter((s) => !unconfirmed(s)).length,
      servingAgainS: (this.servingAgainAt - this.killedAt) / 1000,
      readyAgainS: (this.probe.readyAgainAt(this.killedAt) - this.killedAt) / 1000,
    };
  }
}

/** When (the bot's clock, ms) it logged each write it acknowledged after a short WAIT. */
export function shortWaitTimes(out: string): number[] {
  return logLines(out)
    .filter((l) => String(l.msg).startsWith('write acknowledged before enough replicas'))
    .map((l) => Number(l.time));
}

/**
 * Whether an answer may have been acknowledged without WAIT's confirmation, by the bot's own log:
 * some short WAIT was logged before its reply came and paused WAIT past its first click. (The
 * bot logs the short WAIT before it replies to that click; a write while WAIT is paused happens
 * after the log line and before the pause ends.) The same machine's clock on both sides.
 */
export function mayBeUnconfirmed(s: { firstAt: number; ackAt: number }, shorts: number[]): boolean {
  return shorts.some((w) => w <= s.ackAt && s.firstAt <= w + WAIT_DEFAULTS.pauseMs);
}

/** `/readyz` polled from the kill until the storm is over and it answers 200 (or the run gave up). */
class ReadyProbe {
  private readonly probes: { at: number; status: number | null }[] = [];
  private over = false;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  start(port: number): void {
    this.done = this.loop(port);
  }

  stormOver(): void {
    this.over = true;
  }

  stop(): void {
    this.stopped = true;
  }

  private async loop(port: number): Promise<void> {
    while (!this.stopped) {
      const status = await readyz(port);
      this.probes.push({ at: Date.now(), status });
      if (this.over && status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves once the last poll answered 200 (the probe ends there). */
  async untilReady(ms: number): Promise<void> {
    try {
      await until('/readyz to answer 200 again', () => this.probes.at(-1)?.status === 200, ms);
    } finally {
      this.stop();
    }
    await this.done;
  }

  /** The first 200 after the last non-200, or `killedAt` when every poll was 200. */
  readyAgainAt(killedAt: number): number {
    const lastUnready = this.probes.findLastIndex((p) => p.status !== 200);
    return lastUnready < 0 ? killedAt : (this.probes[lastUnready + 1]?.at ?? killedAt);
  }

  evidence(): string {
    return `/readyz polls (last 5): ${JSON.stringify(this.probes.slice(-5))}`;
  }
}
