import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRef } from '../../../src/engine/ports.js';
import { blockActionsPayload } from '../../fakes/slack/signer.js';
import { blockText, buttons, type SlackRig, startRig, TEAM, waitFor } from './rig.js';

/**
 * Issue 13: `/quiz forget-me` through the real Bolt app against the fake Slack: a private
 * confirmation, Cancel keeps everything, Delete removes the user's study data and answers.
 */

const alice: UserRef = { platform: 'slack', userId: 'U0ALICE' };

describe('/quiz forget-me over Slack', () => {
  let rig: SlackRig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  async function quiz(text: string) {
    const r = rig.fake.responseUrl();
    const res = await rig.sender.command({ text, user_id: alice.userId, team_id: TEAM, response_url: r.url });
    expect(res.status).toBe(200);
    return (await waitFor(() => rig.fake.responsesTo(r.id)[0], `answer to /quiz ${text}`)).body;
  }

  async function press(value: string) {
    const r = rig.fake.responseUrl();
    const payload = blockActionsPayload({
      user_id: alice.userId,
      team_id: TEAM,
      action_id: value,
      response_url: r.url,
      ephemeral: true,
    });
    expect((await rig.sender.interactive(payload)).status).toBe(200);
    return (await waitFor(() => rig.fake.responsesTo(r.id)[0], 'button answer')).body;
  }

  it('asks privately; cancel keeps the data; delete removes it and says what went', async () => {
    const card = await quiz('review test');
    const shown = await press(buttons(card.blocks).find((b) => b.label === 'Show answer')?.value ?? '');
    await press(buttons(shown.blocks).find((b) => b.label.startsWith('Good'))?.value ?? '');
    expect((await rig.reviewStore.knownCards(alice, 'test')).size).toBe(1);

    const ask = await quiz('forget-me');
    expect(ask.response_type).toBe('ephemeral');
    const [del, cancel] = buttons(ask.blocks);
    expect([del?.label, cancel?.label]).toEqual(['Delete my data', 'Cancel']);
    expect(blockText((await press(cancel?.value ?? '')).blocks)).toContain('Nothing was deleted');
    expect((await rig.reviewStore.knownCards(alice, 'test')).size).toBe(1);

    const done = await press(del?.value ?? '');
    expect(blockText(done.blocks)).toContain('deleted 1 card states in 1 decks');
    expect((await rig.reviewStore.knownCards(alice, 'test')).size).toBe(0);
  });
});
