import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import type { UserRef } from '../../../src/engine/ports.js';
import { ReviewService } from '../../../src/engine/review.js';
import { localDate } from '../../../src/engine/time.js';
import { connectRedis, waitReady } from '../../../src/store/redis/connect.js';
import { Keys } from '../../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../../src/store/redis/review-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, must, startRig } from '../../fakes/discord/harness.js';
import type { FakeUser } from '../../fakes/discord/payloads.js';
import { ManualClock } from '../../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const GUILD = '100000000000000002';
const CHANNEL = '200000000000000002';
// Near real time: Redis may expire study counters by the injected clock.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const TODAY = localDate(T0, 'UTC');

describe('discord: /review and /stats against Redis', () => {
  let server: TestRedis;
  let redis: Redis;
  let store: RedisReviewStore;
  let rig: DiscordRig;
  let alice: FakeUser;
  let aliceRef: UserRef;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    server = await startTestRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
    store = new RedisReviewStore(redis, new Keys(server.prefix));
    const decks = new DeckSet([threeCardDeck()]);
    const review = new ReviewService({ store, decks, clock, defaultDeck: 'k8s' });
    rig = await startRig({
      engine: new QuizEngine({ decks, review }),
      guildId: GUILD,
      fake: { guilds: [{ id: GUILD, name: 'Review server', channels: [{ id: CHANNEL, name: 'study' }] }] },
    });
    alice = rig.fake.user('alice');
    aliceRef = { platform: 'discord', userId: alice.id };
  });

  afterAll(async () => {
    await rig?.close();
    redis?.disconnect();
    await server?.dispose();
  });

  it('runs a full review of three cards: Show answer, then a grade, three times', async () => {
    const { fake } = rig;
    const start = await fake.slash({ command: 'review', user: alice, options: { deck: 'k8s' } });
    expect(start.callbackType).toBe(4);
    expect(start.ephemeral).toBe(true);
    expect(start.ackMs).toBeLessThan(3_000);
    expect(start.text).toContain('What is a Pod?');
    expect(start.buttons.map((b) => b.label)).toEqual(['Show answer']);

    const fronts = ['What is a Pod?', 'What runs on every node?', 'Where is cluster state kept?'];
    const backs = ['The smallest deployable unit', 'The kubelet', 'In etcd'];
    let message = start.message;
    let current = start;
    for (let i = 0; i < 3; i++) {
      expect(current.text).toContain(fronts[i]);
      const shown = await fake.click({
        message: must(message),
        customId: must(current.buttons[0]).custom_id,
        user: alice,
      });
      expect(shown.callbackType).toBe(7); // update the same ephemeral message
      expect(shown.message?.id).toBe(message?.id);
      expect(shown.text).toContain(backs[i]);
      const labels = shown.buttons.map((b) => b.label);
      expect(labels).toHaveLength(4);
      expect(labels.map((l) => l.split(' · ')[0])).toEqual(['Again', 'Hard', 'Good', 'Easy']);
      for (const l of labels) expect(l).toMatch(/ · \d+[smhdwy]/);
      expect(shown.buttons.map((b) => b.style)).toEqual([4, 2, 3, 1]); // danger, secondary, success, primary
      for (const b of shown.buttons) expect(b.custom_id.length).toBeLessThanOrEqual(100);

      const good = must(shown.buttons[2]);
      current = await fake.click({ message: must(message), customId: good.custom_id, user: alice });
      expect(current.callbackType).toBe(7);
      expect(current.text).toContain('Good — next review in');
      clock.advance(1_000);
      message = current.message;
    }
    expect(current.text).toMatch(/Nothing due in Kubernetes basics\. Next card in \d+[smhd]/);
    expect(current.buttons).toEqual([]);
    expect(fake.rejected).toEqual([]);

    // The schedule is in Redis: three card states, three due entries (by the deck's card keys), all in the future.
    const k = new Keys(server.prefix);
    expect(await redis.hlen(k.cards(aliceRef, 'k8s'))).toBe(3);
    const due = await redis.zrange(k.due(aliceRef, 'k8s'), '0', '-1', 'WITHSCORES');
    const dueIds = await store.cardKeys.idsOf(
      'k8s',
      due.filter((_, i) => i % 2 === 0),
    );
    expect(dueIds.sort()).toEqual(['card-1', 'card-2', 'card-3']);
    for (let i = 1; i < due.length; i += 2) expect(Number(due[i])).toBeGreaterThan(clock.now());
    for (const id of ['card-1', 'card-2', 'card-3'])
      expect(await store.getState(aliceRef, 'k8s', id)).not.toBeNull();
  });

  it('applies a double click once: an old Good button is answered with the next card, nothing graded twice', async () => {
    const { fake } = rig;
    // Find the first "Good" custom_id alice was shown (card-1, rev 0) and press it again.
    const firstGood = fake.requests
      .flatMap((r) => {
        const data = (
          r.body as { data?: { components?: { components: { custom_id: string; label: string }[] }[] } }
        )?.data;
        return data?.components?.flatMap((row) => row.components) ?? [];
      })
      .find((b) => b.label.startsWith('Good') && b.custom_id.includes(':card-1:'));
    expect(firstGood).toBeDefined();
    const before = await store.dayCounters(aliceRef, 'k8s', [TODAY]);
    const last = [...fake.messages.values()].filter((m) => m.flags & 64).at(0);
    const again = await fake.click({
      message: must(last),
      customId: must(firstGood).custom_id,
      user: alice,
      unchecked: true,
    });
    expect(again.callbackType).toBe(7);
    expect(again.text).toContain('already graded');
    expect(await store.dayCounters(aliceRef, 'k8s', [TODAY])).toEqual(before);
  });

  it("refuses another user's review button privately, leaving the message as it was", async () => {
    const { fake } = rig;
    const bob = fake.user('bob');
    const start = await fake.slash({ command: 'review', user: alice, options: { deck: 'k8s' } });
    // Alice is done for now; review as bob and let alice press bob's Show answer.
    const bobs = await fake.slash({ command: 'review', user: bob });
    expect(bobs.buttons[0]?.label).toBe('Show answer');
    const bobsMessage = must(bobs.message);
    const edits = bobsMessage.edits;
    const r = await fake.click({
      message: bobsMessage,
      customId: must(bobs.buttons[0]).custom_id,
      user: alice,
    });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('belongs to someone else');
    expect(fake.message(bobsMessage.id).edits).toBe(edits);
    expect(start.text).toContain('Nothing due');
  });

  it('shows /stats privately with the reviews just done', async () => {
    const r = await rig.fake.slash({ command: 'stats', user: alice, options: { deck: 'k8s' } });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('Your study stats · Kubernetes basics');
    expect(r.text).toContain('Reviewed today: 3');
    expect(r.text).toContain('Cards started: 3');
    expect(r.text).toContain('Due now: 0');
    const all = await rig.fake.slash({ command: 'stats', user: alice });
    expect(all.text).toContain('all decks');
  });
});
