import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { blockText, type SlackRig, startRig, TEAM, waitFor } from './rig.js';

let t: TestRedis;
let redis: Redis;
let rig: SlackRig;
beforeAll(async () => {
  t = await startTestRedis();
  redis = connectRedis(t.url);
  await waitReady(redis);
});
afterAll(async () => {
  redis.disconnect();
  await t.dispose();
});
beforeEach(async () => {
  rig = await startRig({ redis, prefix: t.prefix });
});
afterEach(async () => {
  await rig.close();
});

/** Sends `/quiz <text>` and resolves with what was posted to its response_url. */
async function quiz(text: string, user = 'U0TZALICE') {
  const r = rig.fake.responseUrl();
  const res = await rig.sender.command({ text, user_id: user, team_id: TEAM, response_url: r.url });
  expect(res.status).toBe(200);
  const post = await waitFor(() => rig.fake.responsesTo(r.id)[0], `answer to /quiz ${text}`);
  return post.body as { response_type?: string; blocks?: unknown };
}

describe('/quiz settings timezone over Slack (real Bolt app, fake Web API, Redis)', () => {
  it('shows the fallback, sets a zone, shows it, refuses a bad one: all private', async () => {
    const none = await quiz('settings timezone');
    expect(none.response_type).toBe('ephemeral');
    expect(blockText(none.blocks)).toContain('not set');

    const set = await quiz('settings timezone Asia/Tokyo');
    expect(set.response_type).toBe('ephemeral');
    expect(blockText(set.blocks)).toContain('Asia/Tokyo');

    const shown = await quiz('settings timezone');
    expect(blockText(shown.blocks)).toContain('Asia/Tokyo');
    // Another user keeps the bot's zone.
    expect(blockText((await quiz('settings timezone', 'U0TZBOB')).blocks)).toContain('not set');

    const bad = await quiz('settings timezone Mars/Olympus');
    expect(bad.response_type).toBe('ephemeral');
    expect(blockText(bad.blocks)).toContain('not a timezone I know');

    const usage = await quiz('settings colour blue');
    expect(blockText(usage.blocks)).toContain('settings timezone [zone]');
  });
});
