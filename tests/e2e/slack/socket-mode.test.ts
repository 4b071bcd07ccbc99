import { describe, expect, it } from 'vitest';
import { blockActionsPayload, eventCallback, slashCommandFields } from '../../fakes/slack/signer.js';
import { blockText, buttons, droppedResends, startRig, TEAM, waitFor } from './rig.js';

describe('Socket Mode', () => {
  it('connects through apps.connections.open, acks a slash command and a button envelope, and runs them', async () => {
    const rig = await startRig({ socket: true });
    try {
      expect(rig.slack.mode).toBe('socket');
      expect(rig.slack.port).toBeNull();
      await rig.fake.socket.connected();
      expect(rig.slack.ready()).toBe(true);
      const open = rig.fake.callsOf('apps.connections.open');
      expect(open).toHaveLength(1);
      expect(open[0]?.token).toBe('xapp-test-token');

      // slash_commands: the form fields as an object.
      const r = rig.fake.responseUrl();
      const fields = slashCommandFields({
        text: 'review',
        user_id: 'U0SOCK',
        team_id: TEAM,
        response_url: r.url,
      });
      const ack = await rig.fake.socket.send('slash_commands', fields);
      expect(ack.envelope_id).toBeTruthy();
      const card = await waitFor(() => rig.fake.responsesTo(r.id)[0], 'card over socket');
      expect(card.body.response_type).toBe('ephemeral');
      expect(blockText(card.body.blocks)).toContain('Question 1?');

      // interactive: the block_actions payload object.
      const reveal = buttons(card.body.blocks)[0]?.value ?? '';
      const b = rig.fake.responseUrl();
      const payload = blockActionsPayload({
        user_id: 'U0SOCK',
        team_id: TEAM,
        action_id: reveal,
        response_url: b.url,
        ephemeral: true,
      });
      const ack2 = await rig.fake.socket.send('interactive', payload);
      expect(ack2.envelope_id).toBeTruthy();
      const back = await waitFor(() => rig.fake.responsesTo(b.id)[0], 'revealed over socket');
      expect(back.body.replace_original).toBe(true);
      expect(blockText(back.body.blocks)).toContain('Answer 1');

      // Slack re-sends an envelope it saw no ack for: acked again, handled once.
      const dropped = droppedResends(rig.log);
      const ack3 = await rig.fake.socket.send('interactive', payload, { retryAttempt: 1 });
      expect(ack3.envelope_id).toBeTruthy();
      await waitFor(() => droppedResends(rig.log) > dropped, 'the re-sent envelope dropped');

      // events_api: the Home tab.
      await rig.fake.socket.send(
        'events_api',
        eventCallback(TEAM, { type: 'app_home_opened', user: 'U0SOCK', channel: 'D0SOCK', tab: 'home' }),
      );
      await waitFor(() => rig.fake.callsOf('views.publish')[0], 'home over socket');
      expect(rig.fake.responsesTo(b.id)).toHaveLength(1);
      // Stopping the app closes its socket (the fake sees the client go).
      await rig.slack.stop();
      expect(rig.slack.ready()).toBe(false);
      await waitFor(() => rig.fake.socket.connections() === 0, 'socket closed by the app');
    } finally {
      await rig.close();
    }
  });
});
