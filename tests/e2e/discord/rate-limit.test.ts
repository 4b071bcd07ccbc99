import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { RateLimitedError } from '../../../src/engine/errors.js';
import { ReviewService } from '../../../src/engine/review.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore, type ReviewDoc } from '../../../src/store/memory/review-store.js';
import { type DiscordRig, must, startRig } from '../../fakes/discord/harness.js';
import { ManualClock, testDeck } from '../../helpers/engine.js';

/** What the engine passes with a first post of round `<channel>-test` (no lookup). */
function postOptions(channelId: string) {
  return { key: `${channelId}-test`, since: 0, retry: false, signal: AbortSignal.timeout(10_000) };
}

const GUILD = '100000000000000021';
const SLOW = '200000000000000021';
const FAST = '200000000000000022';
const view = { title: 'Daily quiz', text: 'Question?', private: false } as const;

/**
 * discord.js waits out a 429 inline by default, holding the call for as long as `retry_after`
 * says. A long wait on a channel route must reject at once instead, as the engine's
 * RateLimitedError, so the scheduler retries the channel later (issue 11, item 4).
 */
describe('discord: a long rate limit on one channel is handed back, not waited on', () => {
  let rig: DiscordRig;
  beforeAll(async () => {
    const decks = new DeckSet([testDeck(3)]);
    const store = new MemoryReviewStore(new PersistedDoc<ReviewDoc>(null, () => ({})));
    const review = new ReviewService({ store, decks, clock: new ManualClock(Date.now()) });
    rig = await startRig({
      engine: new QuizEngine({ decks, review }),
      guildId: GUILD,
      registerCommands: false,
      fake: {
        guilds: [
          {
            id: GUILD,
            name: 'Limits',
            channels: [
              { id: SLOW, name: 'slow' },
              { id: FAST, name: 'fast' },
            ],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('a post answered 429 with Retry-After 600 rejects with RateLimitedError; other channels post meanwhile', async () => {
    const slowPath = new RegExp(`^/channels/${SLOW}/messages$`);
    rig.fake.rateLimit('POST', slowPath, 600_000);
    const err = await rig.bot.chat.post(SLOW, view, postOptions(SLOW)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(600_000);
    expect(rig.fake.find('POST', slowPath).map((r) => r.status)).toEqual([429]);
    // Another channel is not held up.
    const ref = await rig.bot.chat.post(FAST, view, postOptions(FAST));
    expect(rig.fake.message(ref.messageId).channel_id).toBe(FAST);
  });

  it('a results edit answered 429 with a long Retry-After rejects the same way', async () => {
    const ref = await rig.bot.chat.post(FAST, view, postOptions(FAST));
    const path = new RegExp(`^/channels/${FAST}/messages/${ref.messageId}$`);
    rig.fake.rateLimit('PATCH', path, 300_000);
    const err = await rig.bot.chat
      .update(ref, { ...view, title: 'closed' }, { signal: AbortSignal.timeout(10_000) })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(must(rig.fake.find('PATCH', path)[0]).status).toBe(429);
  });
});
