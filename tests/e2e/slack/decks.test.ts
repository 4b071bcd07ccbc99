import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecks } from '../../../src/deck-files.js';
import type { Deck } from '../../../src/engine/deck/types.js';
import { blockActionsPayload } from '../../fakes/slack/signer.js';
import { blockText, buttons, type SlackRig, startRig, TEAM, waitFor } from './rig.js';

const USER = 'U0DECKS';

describe('slack: the bundled decks', () => {
  let rig: SlackRig;
  let decks: Deck[];

  beforeAll(async () => {
    decks = (await loadDecks('decks')).decks;
    rig = await startRig({ decks });
  });
  afterAll(async () => {
    await rig?.close();
  });

  async function quiz(text: string) {
    const r = rig.fake.responseUrl();
    const res = await rig.sender.command({ text, user_id: USER, team_id: TEAM, response_url: r.url });
    expect(res.status).toBe(200);
    return (await waitFor(() => rig.fake.responsesTo(r.id)[0], `answer to /quiz ${text}`)).body;
  }

  it('/quiz decks lists every deck with its card count', async () => {
    const text = blockText((await quiz('decks')).blocks);
    for (const d of decks) expect(text).toContain(`${d.id}* — ${d.title} (${d.cards.length} cards)`);
  });

  it('/quiz review of each deck starts with its first card; the back shows the source', async () => {
    for (const d of decks) {
      const first = d.cards[0];
      const start = await quiz(`review ${d.id}`);
      expect(blockText(start.blocks), d.id).toContain(first?.front.split('\n')[0]);
      const reveal = buttons(start.blocks).find((b) => b.label === 'Show answer');
      const r = rig.fake.responseUrl();
      const payload = blockActionsPayload({
        user_id: USER,
        team_id: TEAM,
        action_id: reveal?.value ?? '',
        response_url: r.url,
        ephemeral: true,
      });
      expect((await rig.sender.interactive(payload)).status).toBe(200);
      const back = await waitFor(() => rig.fake.responsesTo(r.id)[0], `back of ${d.id}`);
      expect(blockText(back.body.blocks), d.id).toContain(`Source: ${first?.source}`);
    }
  });
});
