import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../../src/engine/errors.js';
import { type SlackRig, startRig } from './rig.js';

/** What the engine passes with a first post of round `<channel>-test` (no lookup). */
function postOptions(channelId: string) {
  return { key: `${channelId}-test`, since: 0, retry: false, signal: AbortSignal.timeout(10_000) };
}

const view = { title: 'Daily quiz', text: 'Question?', private: false } as const;

/**
 * The Web API client waits out a 429 by pausing its whole request queue for `Retry-After`. The
 * scheduler's posts must not: a long wait rejects at once as the engine's RateLimitedError, so
 * the scheduler retries that channel later while other channels post (issue 11, item 4).
 */
describe('slack: a long rate limit on one call is handed back, not waited on', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('chat.postMessage answered 429 with Retry-After 600 rejects with RateLimitedError; the next post goes through', async () => {
    rig.fake.rateLimit('chat.postMessage', 600);
    const err = await rig.slack.chat.post('C0SLOW', view, postOptions('C0SLOW')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(600_000);
    expect(rig.fake.callsOf('chat.postMessage').map((c) => c.status)).toEqual([429]);
    // The client's queue is not paused: another channel posts at once.
    const ref = await rig.slack.chat.post('C0FAST', view, postOptions('C0FAST'));
    expect(rig.fake.messages.has(`C0FAST:${ref.messageId}`)).toBe(true);
  });

  it('chat.update answered 429 with a long Retry-After rejects the same way', async () => {
    const ref = await rig.slack.chat.post('C0EDIT', view, postOptions('C0EDIT'));
    rig.fake.rateLimit('chat.update', 300);
    await expect(
      rig.slack.chat.update(ref, { ...view, title: 'closed' }, { signal: AbortSignal.timeout(10_000) }),
    ).rejects.toBeInstanceOf(RateLimitedError);
    expect(rig.fake.callsOf('chat.update').map((c) => c.status)).toEqual([429]);
  });
});
