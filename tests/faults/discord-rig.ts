import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { decodeAction } from '../../src/engine/actions.js';
import type { TeamRef } from '../../src/engine/ports.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { type BotProcess, startBotProcess } from '../e2e/process/bot-process.js';
import { FakeDiscord, type InteractionResult } from '../fakes/discord/fake-discord.js';
import type { FakeMessage, FakeUser } from '../fakes/discord/payloads.js';
import { snowflake } from '../fakes/discord/payloads.js';
import { aMinuteAgo, everyDaySchedule } from '../helpers/round-fixture.js';
import { type AofRedis, startAofRedis } from './redis-aof.js';

/**
 * Leases, timeouts and backoffs of the bot processes in the fault suite: seconds instead of
 * minutes, so every scenario runs in seconds. The ratios are the production ones: a post times
 * out after 1.2 s and renews its claim every 0.6 s (two fifths and a fifth of the 3 s claim
 * lease), a work item is given up after 4 s, its due entry leased for 5 s.
 */
export const FAULT_ENV: Record<string, string> = {
  SCHEDULER_TICK: '* * * * * *',
  SCHEDULER_CONCURRENCY: '8',
  SCHEDULER_ITEM_TIMEOUT_MS: '4000',
  SCHEDULER_LEASE_MS: '5000',
  SCHEDULER_BACKOFF_MS: '300',
  DAILY_CLAIM_LEASE_MS: '3000',
  SHUTDOWN_DRAIN_MS: '2000',
  LOG_LEVEL: 'info',
};

/** Another store for a rig than its own AOF redis-server (a Redis Cluster). */
export interface FaultStoreBackend {
  /** Stands in for the AOF server: `dispose` tears the backend down. */
  redis: AofRedis;
  /** The test's own client on it. */
  client: Redis;
  /** What the bots get to reach it (e.g. REDIS_CLUSTER_NODES). */
  env: Record<string, string>;
}

/** A bot process of the rig. */
export interface FaultBot extends BotProcess {
  /** Port of /healthz, /readyz, /metrics. */
  httpPort: number;
}

/** The port the bot logged with "http listening". */
export function httpPortOf(out: string): number | null {
  const m = /"httpPort":(\d+)[^\n]*"msg":"http listening"|"msg":"http listening"[^\n]*"httpPort":(\d+)/.exec(
    out,
  );
  return m ? Number(m[1] ?? m[2]) : null;
}

/** A clicked answer and what the bot replied. */
export interface Answered {
  /** Who. */
  user: FakeUser;
  /** The round answered. */
  roundId: string;
  /** The bot's private reply. */
  reply: InteractionResult;
  /** Whether the reply acknowledged the answer as recorded (right or wrong). */
  acknowledged: boolean;
}

/**
 * Real bot processes (`quizbot start`) against one fake Discord (in this test process) and one
 * AOF redis-server. Schedules are made with the real `/quiz-admin schedule` command; "the clock
 * reaching 09:00" is the due entry's score set to now, which is all the scheduler reads.
 */
export class DiscordFaultRig {
  readonly bots: FaultBot[] = [];
  readonly team: TeamRef;
  readonly admin: FakeUser;
  readonly channelIds: string[];
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'qb-faults-'));

  private constructor(
    readonly redis: AofRedis,
    readonly fake: FakeDiscord,
    readonly client: Redis,
    readonly store: RedisTeamStore,
    /** Environment every bot of the rig gets for its store (REDIS_URL, or the cluster's). */
    private readonly storeEnv: Record<string, string>,
  ) {
    const guild = fake.guilds[0];
    if (!guild) throw new Error('no guild');
    this.team = { platform: 'discord', teamId: guild.id };
    this.channelIds = guild.channels.map((c) => c.id);
    this.admin = fake.user('admin', { admin: true });
  }

  /**
   * A fresh AOF Redis (or the given store backend, e.g. a Redis Cluster) and a fake Discord with
   * one guild of `channels` channels.
   */
  static async start(channels: number, backend?: FaultStoreBackend): Promise<DiscordFaultRig> {
    const redis = backend?.redis ?? (await startAofRedis());
    const guildId = snowflake();
    const fake = await FakeDiscord.start({
      guilds: [
        {
          id: guildId,
          name: 'Faults',
          channels: Array.from({ length: channels }, (_, i) => ({ id: snowflake(), name: `quiz-${i}` })),
        },
      ],
    });
    // Commands fail fast while Redis restarts; the test's own reads retry below.
    const client = backend?.client ?? connectRedis(redis.url);
    await waitReady(client);
    const env = backend?.env ?? { REDIS_URL: redis.url };
    return new DiscordFaultRig(redis, fake, client, new RedisTeamStore(client, new Keys()), env);
  }

  /**
   * Starts one more bot process and waits until it runs (at most `timeoutMs`: the bound of
   * {@link startBotProcess} by default; it fails with everything the bot printed).
   */
  async startBot(env: Record<string, string> = {}, timeoutMs?: number): Promise<FaultBot> {
    const proc = await startBotProcess(
      {
        DISCORD_TOKEN: 'fault-token',
        DISCORD_API_URL: this.fake.apiUrl,
        ...this.storeEnv,
        HTTP_PORT: '0',
        DATA_DIR: this.dataDir,
        ...FAULT_ENV,
        ...env,
      },
      timeoutMs,
    );
    const httpPort = httpPortOf(proc.output());
    if (httpPort === null) throw new Error(`no http port in the bot's log:\n${proc.output()}`);
    const bot = { ...proc, httpPort };
    this.bots.push(bot);
    return bot;
  }

  /** Schedules the daily quiz in each channel with the real admin command (needs a running bot). */
  async schedule(channelIds: string[]): Promise<void> {
    // Eight commands at a time, as several admins would; each is answered before the next batch.
    for (let i = 0; i < channelIds.length; i += 8)
      await Promise.all(channelIds.slice(i, i + 8).map((c) => this.scheduleOne(c)));
  }

  private async scheduleOne(channelId: string): Promise<void> {
    const r = await this.fake.slash({
      command: 'quiz-admin',
      subcommand: 'schedule',
      user: this.admin,
      options: {
        deck: 'kubernetes',
        // A minute ago, every day: the window is open now and stays open for 8 hours.
        time: new Date(Date.now() - 60_000).toISOString().slice(11, 16),
        timezone: 'UTC',
        channel: channelId,
        weekdays: 'daily',
        close: '8h',
      },
    });
    if (!r.text.includes('Daily quiz scheduled')) throw new Error(`schedule refused: ${r.text}`);
  }

  /**
   * Writes each channel's schedule straight into the store, as the admin command does (for a
   * scenario that must start its first bot with rounds already due).
   */
  async scheduleInStore(channelIds: string[]): Promise<void> {
    const now = Date.now();
    for (const channelId of channelIds)
      await this.store.putSchedule(
        this.team,
        everyDaySchedule(channelId, { time: aMinuteAgo(now), updatedBy: this.admin.id, updatedAt: now }),
      );
  }

  /** Makes each channel's opening due now (as if the clock reached the scheduled time). */
  async dueNow(channelIds: string[]): Promise<void> {
    for (const channelId of channelIds)
      await this.store.setDue({ kind: 'open', team: this.team, channelId }, Date.now());
  }

  /** Makes each round's close due now (as if its close time came). */
  async closeNow(roundIds: string[]): Promise<void> {
    for (const roundId of roundIds)
      await this.store.setDue({ kind: 'close', team: this.team, roundId }, Date.now());
  }

  /** Daily question posts the bot created in a channel (never interaction answers). */
  posts(channelId: string): FakeMessage[] {
    return [...this.fake.messages.values()].filter(
      (m) => m.channel_id === channelId && !m.webhook_id && !m.deleted && isDailyPost(m),
    );
  }

  /** The round of a daily post (remembered from its buttons, which the results edit removes). */
  roundOf(m: FakeMessage): string {
    const seen = this.rounds.get(m.id) ?? answerRound(m);
    if (!seen) throw new Error(`no round known for message ${m.id}`);
    this.rounds.set(m.id, seen);
    return seen;
  }

  private readonly rounds = new Map<string, string>();

  /** Resolves once every channel has at least one post. */
  async waitPosted(channelIds: string[], timeoutMs = 20_000): Promise<void> {
    await this.fake.waitFor(
      `a daily post in each of ${channelIds.length} channels`,
      () => channelIds.every((c) => this.posts(c).length > 0),
      timeoutMs,
    );
  }

  /** Resolves once each round's post shows its results. */
  async waitRevealed(channelIds: string[], timeoutMs = 20_000): Promise<void> {
    await this.fake.waitFor(
      `the results in each of ${channelIds.length} channels`,
      () => channelIds.every((c) => this.posts(c).some((m) => m.components.length === 0 && m.edits > 0)),
      timeoutMs,
    );
  }

  /** Clicks choice `choice` of a post as `user`; `settleMs` bounds the wait for its answer. */
  async answer(user: FakeUser, post: FakeMessage, choice: number, settleMs?: number): Promise<Answered> {
    const customId = buttonIds(post)[choice];
    if (!customId) throw new Error(`post ${post.id} has no choice ${choice}`);
    const reply = await this.fake.click({
      message: post.id,
      customId,
      user,
      ...(settleMs === undefined ? {} : { timeoutMs: settleMs }),
    });
    const roundId = this.roundOf(post);
    const acknowledged = /Right:|Not quite:/.test(reply.text);
    return { user, roundId, reply, acknowledged };
  }

  /** All-time points of a user in the guild. */
  async points(userId: string): Promise<number> {
    const page = await this.store.leaderboard(this.team, 'all', userId, 100);
    return page.me?.points ?? 0;
  }

  /** Stops every bot (SIGKILL), the fake and Redis. */
  async close(): Promise<void> {
    for (const b of this.bots)
      if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
    await Promise.all(this.bots.map((b) => b.exited));
    this.client.disconnect();
    await this.fake.close();
    await this.redis.dispose();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The custom ids of a message's buttons, in order. */
export function buttonIds(m: FakeMessage): string[] {
  return m.components.flatMap((row) =>
    ((row.components as { custom_id?: string }[] | undefined) ?? []).map((b) => String(b.custom_id)),
  );
}

/** Whether a message is a daily question post (open or closed). */
export function isDailyPost(m: FakeMessage): boolean {
  return m.embeds.some((e) => String(e.title ?? '').startsWith('Daily quiz'));
}

/** The round an open daily post's buttons answer, or null. */
export function answerRound(m: FakeMessage): string | null {
  for (const id of buttonIds(m)) {
    try {
      const a = decodeAction(id);
      if (a.kind === 'answer') return a.roundId;
    } catch {
      // not one of ours
    }
  }
  return null;
}

/** The "Answered" count a closed post shows, or null while open. */
export function answeredCount(m: FakeMessage): number | null {
  for (const e of m.embeds)
    for (const f of (e.fields as { name: string; value: string }[] | undefined) ?? [])
      if (f.name === 'Answered') return Number(f.value);
  return null;
}
