import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecks } from '../../../src/deck-files.js';
import { type Deck, DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../../src/store/memory/review-store.js';
import { type DiscordRig, must, startRig } from '../../fakes/discord/harness.js';

const GUILD = '100000000000000003';

describe('discord: the bundled decks', () => {
  let rig: DiscordRig;
  let decks: Deck[];

  beforeAll(async () => {
    decks = (await loadDecks('decks')).decks;
    const set = new DeckSet(decks);
    const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
    rig = await startRig({
      engine: new QuizEngine({
        decks: set,
        review: new ReviewService({ store, decks: set, clock: { now: () => Date.now() } }),
      }),
      guildId: GUILD,
      fake: {
        guilds: [{ id: GUILD, name: 'Decks', channels: [{ id: '200000000000000003', name: 'study' }] }],
      },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('/decks lists every deck with its card count', async () => {
    const r = await rig.fake.slash({ command: 'decks', user: rig.fake.user('alice') });
    expect(r.ephemeral).toBe(true);
    for (const d of decks) expect(r.text).toContain(`${d.id}** — ${d.title} (${d.cards.length} cards)`);
  });

  it('/review of each deck starts with its first card; the back shows the source', async () => {
    const user = rig.fake.user('bob');
    for (const d of decks) {
      const first = must(d.cards[0]);
      const start = await rig.fake.slash({ command: 'review', user, options: { deck: d.id } });
      expect(start.text, d.id).toContain(first.front.split('\n')[0]);
      const shown = await rig.fake.click({
        message: must(start.message),
        customId: must(start.buttons[0]).custom_id,
        user,
      });
      expect(shown.text, d.id).toContain(`Source: ${first.source}`);
    }
  });
});
