import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SealedInstallationStore } from '../../../src/adapters/slack/installations.js';
import { slackRefresher } from '../../../src/adapters/slack/oauth.js';
import { type SlackHandle, startSlack } from '../../../src/adapters/slack/start.js';
import { TokenBox } from '../../../src/adapters/slack/token-box.js';
import { DailyService } from '../../../src/engine/daily.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import { seededRandom } from '../../../src/engine/shuffle.js';
import { TeamForgetting } from '../../../src/engine/team-forget.js';
import { RedisInstallRecords } from '../../../src/store/redis/installs.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { RedisTeamEraser } from '../../../src/store/redis/team-eraser.js';
import { RedisTeamStore } from '../../../src/store/redis/team-store.js';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack/fake-slack.js';
import {
  blockActionsPayload,
  eventCallback,
  SlackSender,
  type SlashCommand,
} from '../../fakes/slack/signer.js';
import { ManualClock, testDeck } from '../../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { readyClient } from '../../helpers/team-stores.js';
import { blockText, buttons, recordingLogger, SECRET, T0, waitFor } from './rig.js';

const STATE_SECRET = 'state-secret-of-the-test';
const DAY_MS = 86_400_000;

let server: TestRedis;
let redis: Redis;
let n = 0;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.dispose();
});

/** A bot in OAuth mode against the fake Slack, on Redis: the pieces a test looks at. */
interface OAuthRig {
  fake: FakeSlack;
  slack: SlackHandle;
  sender: SlackSender;
  keys: Keys;
  clock: ManualClock;
  daily: DailyService;
  forgetting: TeamForgetting;
  eraser: RedisTeamEraser;
  installations: SealedInstallationStore;
  base: string;
  close(): Promise<void>;
}

async function startOAuthRig(): Promise<OAuthRig> {
  const clock = new ManualClock(T0);
  const fake = await startFakeSlack({ now: () => clock.now() });
  const keys = new Keys(`${server.prefix}oauth${++n}`);
  const log = recordingLogger();
  const decks = new DeckSet([testDeck(3)]);
  const teamStore = new RedisTeamStore(redis, keys);
  const eraser = new RedisTeamEraser(redis, keys);
  const forgetting = new TeamForgetting({ eraser, clock, graceDays: 30, log });
  const installations = new SealedInstallationStore({
    records: new RedisInstallRecords(redis, keys),
    box: new TokenBox(randomBytes(32)),
    refresh: slackRefresher(
      { clientId: fake.oauth.app.clientId, clientSecret: fake.oauth.app.clientSecret },
      { slackApiUrl: fake.apiUrl },
    ),
    log,
    now: () => clock.now(),
    onInstalled: async (teams) => {
      for (const teamId of teams) await forgetting.returned({ platform: 'slack', teamId });
    },
  });
  let slack: SlackHandle | undefined;
  const daily = new DailyService({
    store: teamStore,
    decks,
    clock,
    chat: (p) => (p === 'slack' ? slack?.chat : undefined),
    random: seededRandom(7),
    log,
  });
  const engine = new QuizEngine({
    review: new ReviewService({ store: new RedisReviewStore(redis, keys), decks, clock }),
    decks,
    daily,
    forgetting,
    log,
  });
  slack = await startSlack({
    oauth: {
      clientId: fake.oauth.app.clientId,
      clientSecret: fake.oauth.app.clientSecret,
      stateSecret: STATE_SECRET,
      installations,
      authorizationUrl: fake.oauth.authorizeUrl,
      onUninstalled: async (teams) => {
        for (const t of teams) await forgetting.left(t);
      },
    },
    engine,
    log,
    apiUrl: fake.apiUrl,
    retry: 'test',
    signingSecret: SECRET,
    port: 0,
    host: '127.0.0.1',
  });
  const base = `http://127.0.0.1:${slack.port}`;
  fake.oauth.app.redirectUri = `${base}/slack/oauth_redirect`;
  const started = slack;
  return {
    fake,
    slack: started,
    sender: new SlackSender(`${base}/slack/events`, SECRET),
    keys,
    clock,
    daily,
    forgetting,
    eraser,
    installations,
    base,
    async close() {
      await started.stop();
      await fake.close();
    },
  };
}

/**
 * A person installs the app as a browser would: opens /slack/install (which sets the state
 * cookie), follows the "Add to Slack" link to the authorize page, approves for `who` (the
 * fake's `team`, or `enterprise` + `org=1` for an org-wide install), and comes back to the
 * redirect URL with the cookie. Resolves the last page's status and body.
 */
async function install(
  rig: OAuthRig,
  who: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const page = await fetch(`${rig.base}/slack/install`, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] as string;
  expect(cookie).toMatch(/^slack-app-oauth-state=/);
  const href = /<a href="([^"]+)"/.exec(await page.text())?.[1]?.replaceAll('&amp;', '&');
  expect(href?.startsWith(rig.fake.oauth.authorizeUrl)).toBe(true);
  const authorize = new URL(href as string);
  for (const [k, v] of Object.entries(who)) authorize.searchParams.set(k, v);
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const back = await fetch(approved.headers.get('location') as string, {
    headers: { cookie },
    redirect: 'manual',
  });
  return { status: back.status, body: await back.text() };
}

/** `/quiz <text>` from a workspace; resolves the private answer's text. */
async function quiz(rig: OAuthRig, c: Omit<SlashCommand, 'response_url'>): Promise<string> {
  const body = await quizBody(rig, c);
  return blockText(body.blocks) || String(body.text);
}

/** `/quiz <text>` from a workspace; resolves the private answer's body (text and blocks). */
async function quizBody(
  rig: OAuthRig,
  c: Omit<SlashCommand, 'response_url'>,
): Promise<Record<string, unknown>> {
  const r = rig.fake.responseUrl();
  const res = await rig.sender.command({ ...c, response_url: r.url });
  expect(res.status).toBe(200);
  return (await waitFor(() => rig.fake.responsesTo(r.id)[0], `answer to /quiz ${c.text}`)).body;
}

/** Polls an async check until it holds (the event under test is handled after Bolt's ack). */
async function until(check: () => Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every key of the rig's prefix whose value or name holds `needle`. */
async function keysHolding(rig: OAuthRig, needle: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of await redis.keys(`${rig.keys.prefix}:*`)) {
    const type = await redis.type(key);
    const value = type === 'string' ? ((await redis.get(key)) ?? '') : '';
    if (key.includes(needle) || value.includes(needle)) out.push(key);
  }
  return out;
}

describe('Slack OAuth distribution (Bolt install flow against the fake Slack, installations in Redis)', () => {
  let rig: OAuthRig;
  beforeEach(async () => {
    rig = await startOAuthRig();
    rig.fake.users.set('U0ADMIN', { name: 'ada', is_admin: true });
  });
  afterEach(async () => {
    await rig.close();
  });

  it('installs two workspaces through oauth.v2.access; each is answered and posted to with its own token, sealed at rest', async () => {
    for (const team of ['T0ALPHA', 'T0BETA']) {
      const done = await install(rig, { team });
      expect(done.status).toBe(200);
    }
    expect(rig.fake.oauth.exchanges).toEqual([
      { grantType: 'authorization_code', ok: true },
      { grantType: 'authorization_code', ok: true },
    ]);
    const tokenOf = new Map(
      [...rig.fake.oauth.tokens].map(([token, g]) => [g.teamId as string, token] as const),
    );
    expect(new Set(tokenOf.keys())).toEqual(new Set(['T0ALPHA', 'T0BETA']));
    // Sealed: neither token appears in Redis in plain text.
    for (const token of tokenOf.values()) expect(await keysHolding(rig, token)).toEqual([]);
    expect(await rig.installations.botToken('T0ALPHA')).toBe(tokenOf.get('T0ALPHA'));

    for (const [team, channel] of [
      ['T0ALPHA', 'C0ALPHA'],
      ['T0BETA', 'C0BETA'],
    ] as const) {
      // An admin command: users.info goes out with the workspace's own token.
      const scheduled = await quiz(rig, {
        text: `schedule <#${channel}|quiz> test 09:00 UTC daily 8h`,
        user_id: 'U0ADMIN',
        team_id: team,
        channel_id: channel,
      });
      expect(scheduled).toContain('Daily quiz scheduled');
      const info = rig.fake.callsOf('users.info').at(-1);
      expect(info?.token).toBe(tokenOf.get(team));
      // The daily post (the scheduler's path) goes out with the same workspace's token.
      const posted = await quiz(rig, {
        text: `post-now <#${channel}|quiz>`,
        user_id: 'U0ADMIN',
        team_id: team,
        channel_id: channel,
      });
      expect(posted).not.toContain('No slack connection');
      const post = await waitFor(
        () => rig.fake.callsOf('chat.postMessage').find((c) => c.args.channel === channel),
        `post in ${channel}`,
      );
      expect(post.token).toBe(tokenOf.get(team));
    }
  });

  it('app_uninstalled deletes the installation and plans the data deletion; a reinstall cancels it', async () => {
    await install(rig, { team: 'T0GONE' });
    expect(await rig.installations.botToken('T0GONE')).not.toBeNull();
    const res = await rig.sender.event(eventCallback('T0GONE', { type: 'app_uninstalled' }));
    expect(res.status).toBe(200);
    const team = { platform: 'slack', teamId: 'T0GONE' } as const;
    await until(async () => (await rig.eraser.plannedErase(team)) !== null, 'planned deletion');
    expect(await rig.eraser.plannedErase(team)).toBe(T0 + 30 * DAY_MS);
    expect(await rig.installations.botToken('T0GONE')).toBeNull();
    // Nothing of the installation is left: no key names the workspace.
    expect(await keysHolding(rig, 'T0GONE')).toEqual([]);
    // The workspace comes back within the grace period: nothing is deleted.
    await install(rig, { team: 'T0GONE' });
    expect(await rig.eraser.plannedErase(team)).toBeNull();
  });

  it('an org-wide install serves every workspace of the org with the org token; its uninstall removes it', async () => {
    const done = await install(rig, { enterprise: 'E0ORG', org: '1' });
    expect(done.status).toBe(200);
    const [orgToken, grant] = [...rig.fake.oauth.tokens][0] ?? [];
    expect(grant?.isEnterpriseInstall).toBe(true);
    const answer = await quiz(rig, {
      text: 'schedule <#C0ORG|quiz> test 09:00 UTC daily 8h',
      user_id: 'U0ADMIN',
      team_id: 'T0INORG',
      enterprise_id: 'E0ORG',
      is_enterprise_install: true,
      channel_id: 'C0ORG',
    });
    expect(answer).toContain('Daily quiz scheduled');
    expect(rig.fake.callsOf('users.info').at(-1)?.token).toBe(orgToken);
    // The scheduler finds the org's token for the workspace.
    expect(await rig.installations.botToken('T0INORG')).toBe(orgToken);
    const body = eventCallback('T0INORG', { type: 'app_uninstalled' });
    await rig.sender.event({ ...body, enterprise_id: 'E0ORG', is_enterprise_install: true });
    const team = { platform: 'slack', teamId: 'T0INORG' } as const;
    await until(async () => (await rig.eraser.plannedErase(team)) !== null, 'planned deletion');
    expect(await rig.eraser.plannedErase(team)).toBe(T0 + 30 * DAY_MS);
    expect(await rig.installations.botToken('T0INORG')).toBeNull();
    expect(await keysHolding(rig, 'E0ORG')).toEqual([]);
  });

  it('/quiz forget-team: an admin confirms with the button, and nothing of the workspace is left in Redis', async () => {
    await install(rig, { team: 'T0FORGET' });
    const c = { user_id: 'U0ADMIN', team_id: 'T0FORGET', channel_id: 'C0F' };
    await quiz(rig, { ...c, text: 'schedule <#C0F|quiz> test 09:00 UTC daily 8h' });
    await quiz(rig, { ...c, text: 'post-now <#C0F|quiz>' });
    expect(await keysHolding(rig, '{t:slack:T0FORGET}')).not.toEqual([]);
    // A member who is not an admin is refused.
    expect(await quiz(rig, { ...c, user_id: 'U0MEMBER', text: 'forget-team' })).toMatch(/admin/i);
    const confirm = await quizBody(rig, { ...c, text: 'forget-team' });
    const [button] = buttons(confirm.blocks);
    expect(button?.label).toBe('Delete team data');
    expect(await keysHolding(rig, '{t:slack:T0FORGET}')).not.toEqual([]);
    const r = rig.fake.responseUrl();
    const press = blockActionsPayload({
      user_id: 'U0ADMIN',
      team_id: 'T0FORGET',
      action_id: button?.actionId ?? '',
      value: button?.value ?? '',
      response_url: r.url,
      channel_id: 'C0F',
      ephemeral: true,
    });
    expect((await rig.sender.interactive(press)).status).toBe(200);
    const done = await waitFor(() => rig.fake.responsesTo(r.id)[0], 'forget-team answer');
    expect(blockText(done.body.blocks)).toContain('deleted');
    expect(await keysHolding(rig, '{t:slack:T0FORGET}')).toEqual([]);
    for (const bucket of Keys.buckets((b) => rig.keys.dailyDueBucket(b))) {
      expect(await redis.zrange(bucket, '0', '-1')).toEqual([]);
    }
    // The workspace still has the app: its installation stays.
    expect(await rig.installations.botToken('T0FORGET')).not.toBeNull();
  });
});
