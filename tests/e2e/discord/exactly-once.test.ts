import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nonceFor } from '../../../src/adapters/discord/chat-port.js';
import { encodeAction } from '../../../src/engine/actions.js';
import { DailyService } from '../../../src/engine/daily.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import type { ChatPort, TeamRef, TeamStore } from '../../../src/engine/ports.js';
import { ReviewService } from '../../../src/engine/review.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore, type ReviewDoc } from '../../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../../src/store/memory/team-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, startRig } from '../../fakes/discord/harness.js';
import { ManualClock } from '../../helpers/engine.js';
import { everyDaySchedule } from '../../helpers/round-fixture.js';

/**
 * A daily post through the real discord.js client is idempotent on Discord itself: it carries a
 * nonce derived from the round id with `enforce_nonce`, so a retry after a lost or late response
 * gets the message that landed instead of a second one.
 */

const GUILD = '100000000000000007';
const CHANNEL = '200000000000000007';
const team: TeamRef = { platform: 'discord', teamId: GUILD };
const T0 = Date.UTC(2035, 2, 5, 9, 0, 0); // a Monday, 09:00 UTC
const DATE = '2035-03-05';
const POSTS = new RegExp(`^/channels/${CHANNEL}/messages$`);
/** Discord keeps a nonce unique for "the past few minutes"; the fake for 3. */
const NONCE_WINDOW = 3 * 60_000;

describe('discord: exactly one daily post through lost and late responses', () => {
  let rig: DiscordRig;
  let chat: ChatPort | undefined;
  let store: TeamStore;
  let daily: DailyService;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    const decks = new DeckSet([threeCardDeck()]);
    const doc = new PersistedDoc<ReviewDoc>(null, () => ({}));
    const review = new ReviewService({ store: new MemoryReviewStore(doc), decks, clock });
    store = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
    daily = new DailyService({
      store,
      decks,
      clock,
      chat: (p) => (p === 'discord' ? chat : undefined),
      settings: { leaseMs: 60_000, postTimeoutMs: 400, renewEveryMs: 100 },
    });
    rig = await startRig({
      engine: new QuizEngine({ decks, review, daily }),
      guildId: GUILD,
      fake: {
        guilds: [{ id: GUILD, name: 'Quiz server', channels: [{ id: CHANNEL, name: 'quiz' }] }],
        now: () => clock.now(),
        nonceWindowMs: NONCE_WINDOW,
      },
    });
    chat = rig.bot.chat;
  });

  afterAll(async () => {
    await rig?.close();
  });

  beforeEach(async () => {
    rig.fake.clearFaults();
    clock.ms = T0;
    await store.putSchedule(team, everyDaySchedule(CHANNEL, { deckId: 'k8s', updatedAt: T0 }));
  });

  async function postTwice(date: string) {
    const first = await daily.openRound(team, CHANNEL, date);
    const second = await daily.openRound(team, CHANNEL, date);
    return { first, second };
  }

  it('a post created but answered by a dropped connection: the retry gets the same message back', async () => {
    const before = rig.fake.channelMessages(CHANNEL).length;
    rig.fake.fault({ method: 'POST', path: POSTS, kind: 'drop' });
    const { first, second } = await postTwice(DATE);
    expect(first.status).toBe('retry');
    expect(second.status).toBe('posted');
    const created = rig.fake.channelMessages(CHANNEL).slice(before);
    expect(created).toHaveLength(1);
    if (second.status === 'posted') expect(second.message.messageId).toBe(created[0]?.id);
    const bodies = rig.fake
      .find('POST', POSTS)
      .map((r) => r.body as { nonce?: unknown; enforce_nonce?: unknown });
    const nonces = new Set(bodies.map((b) => b.nonce));
    expect(nonces.size).toBe(1);
    const [nonce] = [...nonces];
    expect(typeof nonce === 'string' && nonce.length <= 25).toBe(true);
    expect(bodies.every((b) => b.enforce_nonce === true)).toBe(true);
  });

  it('a post answered after the client’s timeout: the engine gives up inside the lease, the retry gets the message', async () => {
    const before = rig.fake.channelMessages(CHANNEL).length;
    rig.fake.fault({ method: 'POST', path: POSTS, kind: 'late', ms: 3_000 });
    const { first, second } = await postTwice('2035-03-06');
    expect(first.status).toBe('retry');
    expect(second.status).toBe('posted');
    expect(rig.fake.channelMessages(CHANNEL).slice(before)).toHaveLength(1);
  });

  it('a retry does not take another bot’s message carrying the round id for its own post (review S1)', async () => {
    const before = rig.fake.channelMessages(CHANNEL).length;
    rig.fake.inject({
      method: 'POST',
      path: POSTS,
      status: 403,
      body: { message: 'Missing Access', code: 50001 },
    });
    const first = await daily.openRound(team, CHANNEL, '2035-03-08');
    expect(first.status).toBe('retry');
    expect(rig.fake.channelMessages(CHANNEL).slice(before)).toHaveLength(0);
    const roundId = first.roundId as string;
    // Another bot copies the round's answer button and nonce into the channel.
    const button = {
      type: 2,
      style: 1,
      label: 'A',
      custom_id: encodeAction({ kind: 'answer', roundId, choice: 0 }),
    };
    const other = rig.fake.postAs(
      { id: '900000000000000001', username: 'mimic', bot: true, permissions: 0n },
      CHANNEL,
      {
        content: 'not the quiz',
        components: [{ type: 1, components: [button] }],
      },
    );
    other.nonce = nonceFor(roundId);
    const second = await daily.openRound(team, CHANNEL, '2035-03-08');
    expect(second.status).toBe('posted');
    if (second.status === 'posted') expect(second.message.messageId).not.toBe(other.id);
    const ours = rig.fake.channelMessages(CHANNEL).filter((m) => m.author.id === rig.fake.bot.id);
    expect(ours.slice(-1).map((m) => m.id)).toEqual(
      second.status === 'posted' ? [second.message.messageId] : [],
    );
  });

  it('a retry after the nonce window (a takeover after a long stall) finds the landed post in the channel', async () => {
    const before = rig.fake.channelMessages(CHANNEL).length;
    rig.fake.fault({ method: 'POST', path: POSTS, kind: 'drop' });
    const first = await daily.openRound(team, CHANNEL, '2035-03-07');
    expect(first.status).toBe('retry');
    clock.advance(NONCE_WINDOW + 60_000);
    const second = await daily.openRound(team, CHANNEL, '2035-03-07');
    expect(second.status).toBe('posted');
    const created = rig.fake.channelMessages(CHANNEL).slice(before);
    expect(created).toHaveLength(1);
    if (second.status === 'posted') expect(second.message.messageId).toBe(created[0]?.id);
    expect(rig.fake.find('GET', POSTS).length).toBeGreaterThan(0);
  });
});
