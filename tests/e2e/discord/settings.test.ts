import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, startRig } from '../../fakes/discord/harness.js';
import { ManualClock } from '../../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const GUILD = '100000000000000014';
const CHANNEL = '200000000000000014';

describe('discord: /settings timezone against Redis', () => {
  let server: TestRedis;
  let redis: Redis;
  let store: RedisReviewStore;
  let rig: DiscordRig;

  beforeAll(async () => {
    server = await startTestRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
    store = new RedisReviewStore(redis, new Keys(server.prefix));
    const decks = new DeckSet([threeCardDeck()]);
    const clock = new ManualClock(Date.now());
    const review = new ReviewService({ store, decks, clock, defaultDeck: 'k8s', timezone: 'Europe/Berlin' });
    rig = await startRig({
      engine: new QuizEngine({ decks, review }),
      guildId: GUILD,
      fake: { guilds: [{ id: GUILD, name: 'TZ server', channels: [{ id: CHANNEL, name: 'study' }] }] },
    });
  });

  afterAll(async () => {
    await rig?.close();
    redis?.disconnect();
    await server?.dispose();
  });

  it('shows the fallback, stores a zone, shows it, refuses a bad one: all ephemeral', async () => {
    const { fake } = rig;
    const alice = fake.user('tzalice');
    const slash = (options: Record<string, string> = {}) =>
      fake.slash({ command: 'settings', subcommand: 'timezone', user: alice, options });

    const none = await slash();
    expect(none.ephemeral).toBe(true);
    expect(none.text).toContain('Europe/Berlin');

    const set = await slash({ timezone: 'Asia/Tokyo' });
    expect(set.ephemeral).toBe(true);
    expect(set.text).toContain('Asia/Tokyo');
    expect(await store.getTimezone({ platform: 'discord', userId: alice.id })).toBe('Asia/Tokyo');

    expect((await slash()).text).toContain('Asia/Tokyo');

    const bad = await slash({ timezone: 'Mars/Olympus' });
    expect(bad.ephemeral).toBe(true);
    expect(bad.text).toContain('not a timezone I know');
  });
});
