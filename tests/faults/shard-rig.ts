import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TeamRef } from '../../src/engine/ports.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisTeamStore } from '../../src/store/redis/team-store.js';
import { type BotProcess, startBotProcess } from '../e2e/process/bot-process.js';
import { FakeDiscord, type InteractionResult } from '../fakes/discord/fake-discord.js';
import { type FakeGuild, snowflake, snowflakeOnShard } from '../fakes/discord/payloads.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { aMinuteAgo, everyDaySchedule } from '../helpers/round-fixture.js';
import { logLines, waitOutput } from './bot-log.js';
import { FAULT_ENV, isDailyPost } from './discord-rig.js';
import { until } from './outcome.js';

/** The bot's total shard count in the shard tests. */
export const SHARDS = 4;

/** How one guild's slash command was answered. */
export interface GuildAnswer {
  /** The guild's shard (the guild of shard n is `guilds[n]`). */
  shard: number;
  /** What the fake saw. */
  result: InteractionResult;
  /** Each log line saying this interaction was answered: which process printed it, and its `shards` field. */
  answeredBy: { bot: number; shards: string }[];
}

/** What every sharded setup must do with a guild's command: send it on the guild's shard to one connection, answer it once. */
export function expectAnsweredOnce(a: GuildAnswer): void {
  expect(a.result.record.shard, 'sent on the guild shard').toBe(a.shard);
  expect(a.result.record.deliveredTo, 'to one gateway connection').toBe(1);
  expect(a.result.record.callbacks, 'answered once').toHaveLength(1);
  expect(a.result.text).toContain('kubernetes');
}

/**
 * What the shard tests' bot processes share: a fake Discord that recommends {@link SHARDS}
 * shards and sends each shard only its guilds' events, one guild (of one channel) on each shard,
 * one redis-server, one data folder; and the bot processes started on it (killed by `close`).
 */
export class ShardRig {
  readonly bots: BotProcess[] = [];

  private constructor(
    readonly redis: TestRedis,
    readonly fake: FakeDiscord,
    readonly guilds: FakeGuild[],
    private readonly dataDir: string,
  ) {}

  static async start(): Promise<ShardRig> {
    const guilds = Array.from({ length: SHARDS }, (_, shard) => ({
      id: snowflakeOnShard(shard, SHARDS),
      name: `Shard ${shard} server`,
      channels: [{ id: snowflake(), name: `quiz-${shard}` }],
    }));
    const redis = await startTestRedis();
    const fake = await FakeDiscord.start({ guilds, shards: SHARDS }).catch(async (err: unknown) => {
      await redis.dispose();
      throw err;
    });
    return new ShardRig(redis, fake, guilds, mkdtempSync(join(tmpdir(), 'qb-shards-')));
  }

  /**
   * Starts `quizbot start` with the rig's Discord, Redis and data folder plus `env` (debug logs:
   * "interaction answered" is a debug line); resolves once it logged `readyMsg`, at most `timeoutMs`.
   */
  async startBot(env: Record<string, string>, timeoutMs: number, readyMsg?: string): Promise<BotProcess> {
    const bot = await startBotProcess(
      {
        DISCORD_TOKEN: 'shard-token',
        DISCORD_API_URL: this.fake.apiUrl,
        REDIS_URL: this.redis.url,
        HTTP_PORT: '0',
        DATA_DIR: this.dataDir,
        ...FAULT_ENV,
        LOG_LEVEL: 'debug',
        ...env,
      },
      timeoutMs,
      readyMsg,
    );
    this.bots.push(bot);
    return bot;
  }

  /** `[shard,count]` of every IDENTIFY the fake received so far, in order. */
  identified(): string[] {
    return this.fake.identifies.map((d) => JSON.stringify(d.shard));
  }

  /** Bulk overwrites of the global commands the fake received. */
  commandRegistrations(): number {
    return this.fake.find('PUT', /^\/applications\/\d+\/commands$/).length;
  }

  /**
   * `/decks` in every guild at once; resolves once every answer is logged by one of `bots` (their
   * outputs: a manager's holds its children's), with who logged each.
   */
  async decksInEveryGuild(bots: BotProcess[], ms: number): Promise<GuildAnswer[]> {
    const user = this.fake.user('sam');
    const results = await Promise.all(
      this.guilds.map((g) => this.fake.slash({ command: 'decks', user, guildId: g.id, timeoutMs: ms })),
    );
    const ids = new Set(results.map((r) => r.record.id));
    const answered = () =>
      bots.flatMap((b, bot) =>
        logLines(b.output())
          .filter((l) => l.msg === 'interaction answered' && ids.has(String(l.interaction)))
          .map((l) => ({ bot, id: String(l.interaction), shards: String(l.shards) })),
      );
    // The log line follows the answer: wait for it (a second answer shows in the fake's callbacks).
    await waitOutput(bots, 'the answers logged', () => answered().length >= ids.size, ms);
    const lines = answered();
    return results.map((result, shard) => ({
      shard,
      result,
      answeredBy: lines.filter((l) => l.id === result.record.id).map(({ bot, shards }) => ({ bot, shards })),
    }));
  }

  /**
   * The daily round of {@link dailyInEveryGuild}, checked: a post in every guild's channel (the
   * set, whichever process made it), exactly one per channel, one open round per guild.
   */
  async expectOnePostPerGuild(ms: number): Promise<void> {
    const { posts, openRounds } = await this.dailyInEveryGuild(ms);
    expect(new Set(posts.keys())).toEqual(new Set(this.guilds.map((g) => g.channels[0]?.id)));
    for (const [channel, n] of posts) expect(n, `posts in ${channel}`).toBe(1);
    for (const [guild, n] of openRounds) expect(n, `open rounds in ${guild}`).toBe(1);
  }

  /**
   * A daily round due now in every guild (schedules written straight into the store); resolves
   * once every channel has a post and every guild's round is recorded as posted (from then on no
   * process's claim can post it again), with the posts per channel and the open rounds per guild.
   */
  async dailyInEveryGuild(
    ms: number,
  ): Promise<{ posts: Map<string, number>; openRounds: Map<string, number> }> {
    const client = connectRedis(this.redis.url);
    try {
      await waitReady(client);
      const store = new RedisTeamStore(client, new Keys());
      const now = Date.now();
      const team = (g: FakeGuild): TeamRef => ({ platform: 'discord', teamId: g.id });
      for (const g of this.guilds) {
        const channelId = g.channels[0]?.id ?? '';
        await store.putSchedule(
          team(g),
          everyDaySchedule(channelId, { time: aMinuteAgo(now), updatedAt: now }),
        );
        await store.setDue({ kind: 'open', team: team(g), channelId }, now);
      }
      const channels = this.guilds.flatMap((g) => g.channels.map((c) => c.id));
      await this.fake.waitFor(
        'a daily post in every guild',
        () => channels.every((c) => this.posts(c) > 0),
        ms,
      );
      const open = async () =>
        new Map(
          await Promise.all(
            this.guilds.map(async (g) => [g.id, (await store.openRounds(team(g))).length] as const),
          ),
        );
      await until(
        'every round recorded as posted',
        async () => [...(await open()).values()].every((n) => n > 0),
        ms,
      );
      return { posts: new Map(channels.map((c) => [c, this.posts(c)])), openRounds: await open() };
    } finally {
      client.disconnect();
    }
  }

  /** Daily question posts in a channel. */
  private posts(channelId: string): number {
    return [...this.fake.messages.values()].filter(
      (m) => m.channel_id === channelId && !m.webhook_id && isDailyPost(m),
    ).length;
  }

  /** SIGTERM to each bot; resolves with their exit codes. */
  async stopAll(): Promise<(number | null)[]> {
    for (const b of this.bots) b.child.kill('SIGTERM');
    return Promise.all(this.bots.map((b) => b.exited));
  }

  /** Kills the bots still running, stops the fake and Redis, removes the data folder. */
  async close(): Promise<void> {
    for (const b of this.bots)
      if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
    await Promise.all(this.bots.map((b) => b.exited));
    await this.fake.close();
    await this.redis.dispose();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
