import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TeamRef } from '../../../src/engine/ports.js';
import { everyDaySchedule } from '../../helpers/round-fixture.js';
import { type SlackRig, startRig, TEAM } from './rig.js';

/**
 * A daily post through the real Bolt app's Web API client is idempotent on Slack: the message
 * carries the round id in its metadata, and after an uncertain outcome the retry looks the round
 * up in `conversations.history` (since the claim, metadata included) before posting again.
 */

const team: TeamRef = { platform: 'slack', teamId: TEAM };
const CHANNEL = 'C0QUIZ';
const DATE = '2035-03-05';

describe('slack: exactly one daily post through lost and late responses', () => {
  let rig: SlackRig;
  beforeEach(async () => {
    rig = await startRig({ daily: { leaseMs: 60_000, postTimeoutMs: 400, renewEveryMs: 100 } });
    await rig.teamStore.putSchedule(
      team,
      everyDaySchedule(CHANNEL, { deckId: 'test', time: '08:00', updatedAt: rig.clock.now() }),
    );
  });
  afterEach(async () => {
    await rig.close();
  });

  for (const fault of [
    { kind: 'drop' as const, what: 'a dropped connection' },
    { kind: 'late' as const, ms: 3_000, what: 'a response after the timeout' },
  ]) {
    it(`a post created but answered by ${fault.what}: the retry finds it by its metadata`, async () => {
      rig.fake.fault({ method: 'chat.postMessage', channel: CHANNEL, ...fault });
      const first = await rig.daily.openRound(team, CHANNEL, DATE);
      expect(first.status).toBe('retry');
      rig.clock.advance(60_000);
      const second = await rig.daily.openRound(team, CHANNEL, DATE);
      expect(second.status).toBe('posted');
      const messages = rig.fake.channelMessages(CHANNEL);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.metadata).toEqual({
        event_type: 'quizbot_round',
        event_payload: { round_id: first.roundId },
      });
      if (second.status === 'posted') expect(second.message.messageId).toBe(messages[0]?.ts);
      const lookups = rig.fake.callsOf('conversations.history');
      expect(lookups).toHaveLength(1);
      expect(lookups[0]?.args).toMatchObject({ channel: CHANNEL, include_all_metadata: 'true' });
      expect(Number(lookups[0]?.args.oldest)).toBeLessThanOrEqual(Number(messages[0]?.ts));
      expect(rig.fake.callsOf('chat.postMessage')).toHaveLength(1);
    });
  }

  it('a retry does not take another app’s message carrying the round id for its own post (review S1)', async () => {
    rig.fake.failNext('chat.postMessage', 'channel_not_found');
    const first = await rig.daily.openRound(team, CHANNEL, DATE);
    expect(first.status).toBe('retry');
    const other = rig.fake.postAs({ bot_id: 'B0OTHER', user: 'U0OTHER' }, CHANNEL, 'not the quiz', {
      event_type: 'quizbot_round',
      event_payload: { round_id: first.roundId },
    });
    const second = await rig.daily.openRound(team, CHANNEL, DATE);
    expect(second.status).toBe('posted');
    if (second.status === 'posted') expect(second.message.messageId).not.toBe(other.ts);
    expect(rig.fake.channelMessages(CHANNEL).filter((m) => m.bot_id === 'B0BOT')).toHaveLength(1);
  });

  it('a first post looks nothing up; a retry after a definite refusal looks up once and posts', async () => {
    rig.fake.failNext('chat.postMessage', 'channel_not_found');
    expect((await rig.daily.openRound(team, CHANNEL, DATE)).status).toBe('retry');
    expect(rig.fake.callsOf('conversations.history')).toHaveLength(0);
    expect((await rig.daily.openRound(team, CHANNEL, DATE)).status).toBe('posted');
    expect(rig.fake.callsOf('conversations.history')).toHaveLength(1);
    expect(rig.fake.channelMessages(CHANNEL)).toHaveLength(1);
  });
});
