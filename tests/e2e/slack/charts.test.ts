import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_HEIGHT } from '../../../src/charts/options.js';
import { CHART_WIDTH, renderChart } from '../../../src/charts/render.js';
import type { Actor } from '../../../src/engine/api.js';
import { dmChannelOf } from '../../fakes/slack/fake-slack.js';
import { decodePng } from '../../helpers/png.js';
import { blockText, type SlackRig, startRig, TEAM, waitFor } from './rig.js';

const ALICE = 'U0ALICE';

describe('slack: /quiz stats uploads its chart with files.uploadV2 (real Bolt app, fake Slack)', () => {
  let rig: SlackRig;

  beforeAll(async () => {
    rig = await startRig({ charts: renderChart });
    // Study the three cards through the engine, so the stats have a history and a forecast.
    const alice: Actor = {
      user: { platform: 'slack', userId: ALICE },
      team: { platform: 'slack', teamId: TEAM },
      isAdmin: false,
    };
    let v = await rig.engine.review(alice);
    for (let i = 0; i < 3; i++) {
      const reveal = v.buttons?.[0]?.[0]?.actionId ?? '';
      v = (await rig.engine.action(alice, reveal)).view;
      const good = v.buttons?.[0]?.[2]?.actionId ?? '';
      v = (await rig.engine.action(alice, good)).view;
    }
  });

  afterAll(async () => {
    await rig?.close();
  });

  async function stats() {
    const r = rig.fake.responseUrl();
    const before = rig.fake.calls.length;
    const res = await rig.sender.command({
      text: 'stats',
      user_id: ALICE,
      team_id: TEAM,
      response_url: r.url,
    });
    expect(res.status).toBe(200);
    const post = await waitFor(() => rig.fake.responsesTo(r.id)[0], 'the /quiz stats answer');
    return { post: post.body, before };
  }

  it('answers with the text privately, then uploads the PNG into the user’s DM with the bot', async () => {
    const { post, before } = await stats();
    expect(post.response_type).toBe('ephemeral');
    expect(blockText(post.blocks)).toContain('Reviewed today');
    const file = await waitFor(
      () => [...rig.fake.files.values()].find((f) => f.completed && f.filename === 'stats.png'),
      'the completed upload',
    );
    expect(file.completed?.channel_id).toBe(dmChannelOf(ALICE));
    expect(file.completed?.title).toContain('Your study stats');
    expect(file.alt_text).toMatch(/^Reviews per day over the last 6 months \(3 in all\)/);
    const png = decodePng(file.bytes ?? Buffer.alloc(0));
    expect(file.length).toBe(file.bytes?.length);
    expect([png.width, png.height]).toEqual([
      CHART_WIDTH,
      PANEL_HEIGHT.calendar + PANEL_HEIGHT.bars + PANEL_HEIGHT.line,
    ]);
    expect(png.inked).toBeGreaterThan(0.05);
    // The uploadV2 sequence, as Slack wants it: reserve, (upload bytes), complete into the DM.
    const methods = rig.fake.calls.slice(before).map((c) => c.method);
    expect(methods.filter((m) => m !== 'auth.test')).toEqual([
      'conversations.open',
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
    ]);
    expect(rig.fake.callsOf('files.completeUploadExternal').at(-1)?.token).toBe('xoxb-test-token');
  });

  it('a failed upload leaves the text answer and logs a warning', async () => {
    rig.fake.failNext('files.completeUploadExternal', 'not_in_channel');
    const done = rig.fake.callsOf('files.completeUploadExternal').length;
    const { post } = await stats();
    expect(blockText(post.blocks)).toContain('Reviewed today');
    await waitFor(
      () => rig.log.lines.find((l) => l.msg.startsWith('slack chart delivery failed')),
      'the upload warning',
    );
    expect(rig.fake.callsOf('files.completeUploadExternal').length).toBe(done + 1);
  });
});
