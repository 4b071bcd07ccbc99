import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AnyInstallation, SealedInstallationStore } from '../../src/adapters/slack/installations.js';
import { slackRefresher } from '../../src/adapters/slack/oauth.js';
import { parseTokenKey, TokenBox } from '../../src/adapters/slack/token-box.js';
import { loadConfig } from '../../src/config.js';
import type { InstallRecords } from '../../src/engine/ports.js';
import { TeamForgetting } from '../../src/engine/team-forget.js';
import { MemoryInstallRecords } from '../../src/store/memory/installs.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamEraser } from '../../src/store/memory/team-eraser.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { RedisInstallRecords } from '../../src/store/redis/installs.js';
import { Keys } from '../../src/store/redis/keys.js';
import { recordingLogger } from '../e2e/slack/rig.js';
import { type FakeSlack, startFakeSlack } from '../fakes/slack/fake-slack.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { readyClient } from '../helpers/team-stores.js';

const T0 = Date.UTC(2035, 2, 5, 8);
const nowSec = () => Math.floor(T0 / 1000);

let server: TestRedis;
let redis: Redis;
let fake: FakeSlack;
let n = 0;

beforeAll(async () => {
  server = await startTestRedis();
  redis = await readyClient(server);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.dispose();
});
beforeEach(async () => {
  fake = await startFakeSlack({ now: () => T0 });
  fake.oauth.app.rotation = { expiresIn: 43_200 };
});
afterEach(async () => {
  await fake.close();
});

/** A rotating installation of `teamId` issued by the fake (as its install flow would), about to expire. */
async function issued(teamId: string): Promise<AnyInstallation> {
  fake.oauth.app.redirectUri = 'http://127.0.0.1:1/cb';
  const res = await fetch(
    `${fake.oauth.authorizeUrl}?client_id=${fake.oauth.app.clientId}&scope=commands&state=s&team=${teamId}`,
    { redirect: 'manual' },
  );
  const code = new URL(res.headers.get('location') as string).searchParams.get('code');
  const r = await fetch(`${fake.apiUrl}oauth.v2.access`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      code: code ?? '',
      client_id: fake.oauth.app.clientId,
      client_secret: fake.oauth.app.clientSecret,
    }),
  });
  const v = (await r.json()) as { access_token: string; refresh_token: string; bot_user_id: string };
  return {
    team: { id: teamId },
    enterprise: undefined,
    isEnterpriseInstall: false,
    authVersion: 'v2',
    user: { id: 'U0INSTALLER', token: undefined, scopes: undefined },
    bot: {
      token: v.access_token,
      refreshToken: v.refresh_token,
      expiresAt: nowSec() + 60,
      scopes: ['commands'],
      id: 'B0BOT',
      userId: v.bot_user_id,
    },
  } as AnyInstallation;
}

/** Two replicas' installation stores on the same records (each its own lock owner). */
function replicas(records: () => InstallRecords, key: Buffer) {
  const make = () =>
    new SealedInstallationStore({
      records: records(),
      box: new TokenBox(key),
      refresh: slackRefresher(
        { clientId: fake.oauth.app.clientId, clientSecret: fake.oauth.app.clientSecret },
        { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
      ),
      log: recordingLogger(),
      now: () => T0,
      tunables: { pollMs: 5 },
    });
  return [make(), make()] as const;
}

const backends: [string, () => () => InstallRecords][] = [
  [
    'embedded store',
    () => {
      const doc = new PersistedDoc<object>(null, () => ({}));
      return () => new MemoryInstallRecords(doc, () => T0);
    },
  ],
  [
    'Redis',
    () => {
      const keys = new Keys(`${server.prefix}inst${++n}`);
      return () => new RedisInstallRecords(redis, keys);
    },
  ],
];

describe.each(backends)('Slack installations on the %s', (_name, backend) => {
  it('token rotation: two replicas asking at once refresh once (the lock), and both get the new token', async () => {
    const [a, b] = replicas(backend(), randomBytes(32));
    const inst = await issued('T0ROT');
    await a.storeInstallation(inst);
    const [ta, tb] = await Promise.all([a.botToken('T0ROT'), b.botToken('T0ROT')]);
    expect(fake.oauth.exchanges.filter((e) => e.grantType === 'refresh_token')).toEqual([
      { grantType: 'refresh_token', ok: true },
    ]);
    expect(ta).toBe(tb);
    expect(ta).not.toBe(inst.bot?.token);
    expect(fake.oauth.grantOf(ta)?.teamId).toBe('T0ROT');
    // Fresh now: a later fetch (Bolt's authorize) does not refresh again.
    const fetched = await b.fetchInstallation({
      teamId: 'T0ROT',
      isEnterpriseInstall: false,
      enterpriseId: undefined,
    });
    expect(fetched.bot?.token).toBe(ta);
    expect(fake.oauth.exchanges.filter((e) => e.grantType === 'refresh_token')).toHaveLength(1);
  });

  it('a record sealed under another key, or moved to another workspace, does not open', async () => {
    const records = backend();
    const [a] = replicas(records, randomBytes(32));
    const [other] = replicas(records, randomBytes(32));
    fake.oauth.app.rotation = null;
    await a.storeInstallation({
      ...(await issued('T0SEAL')),
      bot: { token: 'xoxb-plain', scopes: [], id: 'B', userId: 'U' },
    } as AnyInstallation);
    await expect(other.botToken('T0SEAL')).rejects.toThrow();
    const r = records();
    await r.put({ kind: 'team', id: 'T0MOVED' }, (await r.get({ kind: 'team', id: 'T0SEAL' })) as string);
    await expect(a.botToken('T0MOVED')).rejects.toThrow();
    expect(await a.botToken('T0SEAL')).toBe('xoxb-plain');
  });
});

describe('team data grace period (scheduled job, injected clock)', () => {
  it('deletes a team left by the bot once its grace period ends, not before, and not when it came back', async () => {
    const doc = new PersistedDoc<object>(null, () => ({}));
    const store = new MemoryTeamStore(doc);
    let now = T0;
    const forgetting = new TeamForgetting({
      eraser: new MemoryTeamEraser(doc),
      clock: { now: () => now },
      graceDays: 30,
    });
    const gone = { platform: 'discord', teamId: '111111111111111111' } as const;
    const back = { platform: 'discord', teamId: '222222222222222222' } as const;
    for (const t of [gone, back]) {
      await store.putSchedule(t, {
        channelId: 'C1',
        deckId: 'k8s',
        time: '09:00',
        timezone: 'UTC',
        weekdays: [1],
        close: { kind: 'after', minutes: 60 },
        paused: false,
        updatedBy: 'u',
        updatedAt: T0,
      });
      await forgetting.left(t);
    }
    await forgetting.returned(back);
    now = T0 + 30 * 86_400_000 - 1;
    expect(await forgetting.runDue()).toEqual([]);
    now += 1;
    expect(await forgetting.runDue()).toEqual([gone]);
    expect(await store.listSchedules(gone)).toEqual([]);
    expect(await store.listSchedules(back)).toHaveLength(1);
  });
});

describe('configuration of OAuth distribution', () => {
  const base = {
    SLACK_CLIENT_ID: '123.456',
    SLACK_CLIENT_SECRET: 'secret',
    SLACK_STATE_SECRET: 'a-long-enough-state-secret',
    SLACK_SIGNING_SECRET: 'signing',
    SLACK_TOKEN_KEY: randomBytes(32).toString('hex'),
  };
  it('accepts the full set, with a hex or base64 key', () => {
    expect(loadConfig(base).ok).toBe(true);
    expect(loadConfig({ ...base, SLACK_TOKEN_KEY: randomBytes(32).toString('base64') }).ok).toBe(true);
  });
  it.each([
    [{ SLACK_TOKEN_KEY: undefined }, /SLACK_TOKEN_KEY is missing/],
    [{ SLACK_TOKEN_KEY: 'abcd' }, /SLACK_TOKEN_KEY must be 32 bytes/],
    [{ SLACK_CLIENT_SECRET: undefined }, /SLACK_CLIENT_SECRET missing/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, /not both/],
    [{ SLACK_APP_TOKEN: 'xapp-1' }, /unset SLACK_APP_TOKEN/],
    [{ SLACK_SIGNING_SECRET: undefined }, /needs SLACK_SIGNING_SECRET/],
    [{ TEAM_DATA_GRACE_DAYS: '-1' }, /TEAM_DATA_GRACE_DAYS/],
  ])('refuses %o', (change, problem) => {
    const r = loadConfig({ ...base, ...change });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.join('\n')).toMatch(problem);
  });
  it('parseTokenKey names what is wrong', () => {
    expect(parseTokenKey('').ok).toBe(false);
    expect(parseTokenKey('00'.repeat(31))).toMatchObject({ ok: false, problem: /got 31/ });
  });
});
