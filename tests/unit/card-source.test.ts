import { describe, expect, it } from 'vitest';
import { decodeAction } from '../../src/engine/actions.js';
import { DailyService } from '../../src/engine/daily.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import { withSource } from '../../src/engine/views.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import {
  buttonId,
  correctIndex,
  actor as dailyActor,
  FakeClock,
  makeDeck,
  RecordingChat,
  TEAM,
  testRandom,
} from '../helpers/daily.js';
import { actor, testDeck } from '../helpers/engine.js';

const SOURCE = 'https://kubernetes.io/docs/concepts/workloads/pods/';

describe('withSource', () => {
  it('adds a Source line after the body; without a source it only truncates', () => {
    expect(withSource('Body', SOURCE, 100)).toBe(`Body\n\nSource: ${SOURCE}`);
    expect(withSource('Body', undefined, 100)).toBe('Body');
  });

  it('cuts the body, never the source line', () => {
    const text = withSource('x'.repeat(500), SOURCE, 200);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text.endsWith(`\n\nSource: ${SOURCE}`)).toBe(true);
    expect(text).toContain('… (cut)');
  });
});

describe('the source is shown after answering', () => {
  it('on the review back side, after the explanation', async () => {
    const deck = testDeck(2);
    deck.cards[0] = { ...(deck.cards[0] as (typeof deck.cards)[number]), source: SOURCE };
    const decks = new DeckSet([deck]);
    const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
    const engine = new QuizEngine({
      decks,
      review: new ReviewService({ store, decks, clock: { now: () => 0 } }),
    });
    const alice = actor('alice');
    const front = await engine.review(alice, 'test');
    expect(front.text).not.toContain('Source:');
    const reveal = front.buttons?.flat().find((b) => /Show answer/.test(b.label));
    const back = await engine.action(alice, reveal?.actionId ?? '');
    expect(back.view.text).toMatch(
      /Answer 1\n\n_Because 1\._\n\nSource: https:\/\/kubernetes\.io\/docs\/concepts\/workloads\/pods\/$/,
    );
  });

  it('in the daily answer reply and the closed post', async () => {
    const deck = makeDeck(1);
    deck.cards[0] = { ...(deck.cards[0] as (typeof deck.cards)[number]), source: SOURCE };
    const clock = new FakeClock(Date.parse('2024-03-28T07:00:00Z'));
    const chat = new RecordingChat(clock);
    const store = new MemoryTeamStore(new PersistedDoc(null, () => ({})));
    const daily = new DailyService({
      store,
      decks: new DeckSet([deck]),
      clock,
      chat: () => chat,
      random: testRandom(),
    });
    const admin = dailyActor('boss', true);
    const scheduled = await daily.admin(admin, {
      kind: 'schedule',
      channelId: 'C1',
      deckId: 'k8s',
      time: '09:00',
      timezone: 'Europe/Berlin',
    });
    expect(scheduled.code).toBeUndefined();
    expect((await daily.openRound(TEAM, 'C1', '2024-03-28')).status).toBe('posted');
    const post = chat.posts[0]?.view;
    if (!post) throw new Error('no post');
    expect(post.text).not.toContain('Source:');
    const a = decodeAction(buttonId(post, correctIndex(post)));
    if (a.kind !== 'answer') throw new Error('not an answer button');
    const reply = await daily.answer(dailyActor('u1'), a.roundId, a.choice);
    expect(reply.view.text).toMatch(
      /because 0\n\nSource: https:\/\/kubernetes\.io\/docs\/concepts\/workloads\/pods\/$/,
    );
    clock.set('2024-03-28T16:00:00Z');
    await daily.closeRound(TEAM, a.roundId);
    expect(chat.updates.at(-1)?.view.text).toContain(`Source: ${SOURCE}`);
  });
});
