import { beforeEach, describe, expect, it } from 'vitest';
import { decodeAction } from '../../src/engine/actions.js';
import type { Actor } from '../../src/engine/api.js';
import { DailyService } from '../../src/engine/daily.js';
import type { TeamStore } from '../../src/engine/ports.js';
import {
  actor,
  buttonId,
  correctIndex,
  FakeClock,
  makeDecks,
  RecordingChat,
  TEAM,
  testRandom,
} from '../helpers/daily.js';
import { teamStoreBackends } from '../helpers/team-stores.js';

/**
 * A daily answer is bound to the message its button sits on: a tampered or copied action id that
 * names another round (another channel's, or another post in the same channel) is refused with a
 * private notice and records nothing.
 */
describe.each(teamStoreBackends('bind'))(
  'daily answers bound to the clicked message on $name',
  ({ make }) => {
    let clock: FakeClock;
    let chat: RecordingChat;
    let store: TeamStore;
    let daily: DailyService;

    beforeEach(async () => {
      clock = new FakeClock(Date.parse('2030-03-25T08:00:00Z'));
      chat = new RecordingChat(clock);
      store = make();
      daily = new DailyService({
        store,
        decks: makeDecks(6),
        clock,
        chat: () => chat,
        random: testRandom(3),
      });
      for (const channelId of ['C1', 'C2']) {
        await daily.admin(actor('boss', true), {
          kind: 'schedule',
          channelId,
          deckId: 'k8s',
          time: '09:00',
          timezone: 'UTC',
          weekdays: 'daily',
        });
      }
    });

    async function post(channelId: string) {
      const out = await daily.openRound(TEAM, channelId, '2030-03-25');
      expect(['posted']).toContain(out.status);
      const p = chat.posts.at(-1);
      if (!p) throw new Error('no post');
      const a = decodeAction(buttonId(p.view, correctIndex(p.view)));
      if (a.kind !== 'answer') throw new Error('not an answer button');
      return { ref: p.ref, roundId: a.roundId, choice: a.choice };
    }
    const from = (userId: string, channelId: string, messageId: string): Actor => ({
      ...actor(userId),
      source: { channelId, messageId },
    });

    it('refuses a round id from another channel, and records nothing', async () => {
      const c1 = await post('C1');
      const c2 = await post('C2');
      // The button sits on C2's post, but its action id was edited to name C1's round.
      const r = await daily.answer(from('eve', 'C2', c2.ref.messageId), c1.roundId, c1.choice);
      expect(r.mode).toBe('reply');
      expect(r.view.code).toBe('bad_action');
      expect(r.view.private).toBe(true);
      // Nothing was recorded: eve's honest click on C1's post is her first answer.
      const honest = await daily.answer(from('eve', 'C1', c1.ref.messageId), c1.roundId, c1.choice);
      expect(honest.view.code).toBeUndefined();
      expect(honest.view.text).not.toMatch(/already/i);
    });

    it('refuses a round id whose post is another message of the same channel', async () => {
      const c1 = await post('C1');
      const r = await daily.answer(from('eve', 'C1', 'some-other-message'), c1.roundId, c1.choice);
      expect(r.view.code).toBe('bad_action');
      const honest = await daily.answer(from('eve', 'C1', c1.ref.messageId), c1.roundId, c1.choice);
      expect(honest.view.code).toBeUndefined();
    });

    it('accepts the click from its own message', async () => {
      const c2 = await post('C2');
      const r = await daily.answer(from('ann', 'C2', c2.ref.messageId), c2.roundId, c2.choice);
      expect(r.view.code).toBeUndefined();
      expect(r.view.private).toBe(true);
    });
  },
);
