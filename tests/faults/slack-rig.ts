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
import { blockText, buttons } from '../e2e/slack/rig.js';
import { type FakeMessage, type FakeSlack, startFakeSlack } from '../fakes/slack/fake-slack.js';
import { blockActionsPayload, SlackSender } from '../fakes/slack/signer.js';
import { freePort } from '../helpers/redis.js';
import { FAULT_ENV } from './discord-rig.js';
import { until } from './outcome.js';
import { type AofRedis, startAofRedis } from './redis-aof.js';

const SECRET = 'fault-signing-secret';
const TEAM_ID = 'T0FAULTS';
const ADMIN = 'U0ADMIN';

/** A clicked answer on Slack and what the bot replied. */
export interface SlackAnswered {
  user: string;
  roundId: string;
  reply: string;
  acknowledged: boolean;
}

/**
 * Real bot processes (`quizbot start`, Slack in HTTP mode) against the fake Slack and one AOF
 * redis-server. Schedules go through the real `/quiz schedule`; "the clock reaching the
 * scheduled time" is the due entry's score set to now.
 */
export class SlackFaultRig {
  readonly team: TeamRef = { platform: 'slack', teamId: TEAM_ID };
  readonly bots: BotProcess[] = [];
  private sender: SlackSender | undefined;
  private readonly rounds = new Map<string, string>();
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'qb-faults-slack-'));

  private constructor(
    readonly redis: AofRedis,
    readonly fake: FakeSlack,
    readonly client: Redis,
    readonly store: RedisTeamStore,
  ) {}

  static async start(): Promise<SlackFaultRig> {
    const redis = await startAofRedis();
    const fake = await startFakeSlack({ teamId: TEAM_ID });
    const client = connectRedis(redis.url);
    await waitReady(client);
    return new SlackFaultRig(redis, fake, client, new RedisTeamStore(client, new Keys()));
  }

  /** Starts a bot process in HTTP mode on a free port and waits until it runs. */
  async startBot(env: Record<string, string> = {}): Promise<BotProcess> {
    const port = await freePort();
    const bot = await startBotProcess({
      SLACK_BOT_TOKEN: 'xoxb-fault-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: this.fake.apiUrl,
      SLACK_PORT: String(port),
      SLACK_ADMIN_USERS: ADMIN,
      REDIS_URL: this.redis.url,
      HTTP_PORT: '0',
      DATA_DIR: this.dataDir,
      ...FAULT_ENV,
      ...env,
    });
    this.sender = new SlackSender(`http://127.0.0.1:${port}/slack/events`, SECRET);
    this.bots.push(bot);
    return bot;
  }

  private get send(): SlackSender {
    if (!this.sender) throw new Error('no bot started');
    return this.sender;
  }

  /** Runs `/quiz <text>` in a channel and returns the text of the reply. */
  async quiz(text: string, channelId: string, user = ADMIN): Promise<string> {
    const r = this.fake.responseUrl();
    const res = await this.send.command({
      text,
      user_id: user,
      team_id: TEAM_ID,
      response_url: r.url,
      channel_id: channelId,
    });
    if (res.status !== 200) throw new Error(`/quiz ${text}: HTTP ${res.status}`);
    await until(`the answer to /quiz ${text}`, () => this.fake.responsesTo(r.id).length > 0);
    return JSON.stringify(this.fake.responsesTo(r.id)[0]?.body ?? {});
  }

  /** Schedules each channel (a minute ago, daily, closing after 8 hours). */
  async schedule(channelIds: string[]): Promise<void> {
    const time = new Date(Date.now() - 60_000).toISOString().slice(11, 16);
    for (const c of channelIds) {
      const reply = await this.quiz(`schedule <#${c}|quiz> kubernetes ${time} UTC daily 8h`, c);
      if (!reply.includes('Daily quiz scheduled')) throw new Error(`schedule refused: ${reply}`);
    }
  }

  /** Makes each channel's opening due now. */
  async dueNow(channelIds: string[]): Promise<void> {
    for (const channelId of channelIds)
      await this.store.setDue({ kind: 'open', team: this.team, channelId }, Date.now());
  }

  /** Makes each round's close due now. */
  async closeNow(roundIds: string[]): Promise<void> {
    for (const roundId of roundIds)
      await this.store.setDue({ kind: 'close', team: this.team, roundId }, Date.now());
  }

  /** Daily question posts in a channel (open or closed). */
  posts(channelId: string): FakeMessage[] {
    return [...this.fake.messages.values()].filter(
      (m) => m.channel === channelId && blockText(m.blocks).includes('Daily quiz'),
    );
  }

  /** The round of a daily post (remembered from its buttons, which the results edit removes). */
  roundOf(m: FakeMessage): string {
    const known = this.rounds.get(m.ts);
    if (known) return known;
    for (const b of buttons(m.blocks)) {
      const a = decodeAction(b.actionId);
      if (a.kind === 'answer') {
        this.rounds.set(m.ts, a.roundId);
        return a.roundId;
      }
    }
    throw new Error(`no round known for message ${m.ts}`);
  }

  /** Presses choice `choice` of a post as `user` and waits for the private reply. */
  async answer(user: string, post: FakeMessage, choice: number): Promise<SlackAnswered> {
    const button = buttons(post.blocks)[choice];
    if (!button) throw new Error(`post ${post.ts} has no choice ${choice}`);
    const r = this.fake.responseUrl();
    const payload = blockActionsPayload({
      user_id: user,
      team_id: TEAM_ID,
      action_id: button.actionId,
      response_url: r.url,
      channel_id: post.channel,
      message_ts: post.ts,
    });
    const res = await this.send.interactive(payload);
    if (res.status !== 200) throw new Error(`click: HTTP ${res.status}`);
    await until('the reply to a click', () => this.fake.responsesTo(r.id).length > 0);
    const reply = JSON.stringify(this.fake.responsesTo(r.id)[0]?.body ?? {});
    return { user, roundId: this.roundOf(post), reply, acknowledged: /Right:|Not quite:/.test(reply) };
  }

  /** All-time points of a user in the workspace. */
  async points(userId: string): Promise<number> {
    return (await this.store.leaderboard(this.team, 'all', userId, 100)).me?.points ?? 0;
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
