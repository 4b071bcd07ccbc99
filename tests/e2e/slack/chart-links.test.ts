import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_HEIGHT } from '../../../src/charts/options.js';
import { CHART_WIDTH, renderChart } from '../../../src/charts/render.js';
import type { Actor } from '../../../src/engine/api.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { MemoryChartStore, newChartId } from '../../../src/web/chart-store.js';
import { testDeck } from '../../helpers/engine.js';
import { decodePng } from '../../helpers/png.js';
import { startDashboardFor, webParts } from '../dashboard-web.js';
import { blockText, type SlackRig, startRig, TEAM, waitFor } from './rig.js';

const ALICE = 'U0ALICE';
const TTL = 60 * 60 * 1000;

/** Width and height from a PNG's IHDR, after checking the signature. */
function ihdr(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('slack: with PUBLIC_URL, /quiz stats answers with an image block the dashboard serves', () => {
  let rig: SlackRig;
  let web: Awaited<ReturnType<typeof startDashboardFor>>;
  let now = Date.now();
  const store = new MemoryChartStore(() => now);

  beforeAll(async () => {
    const parts = await webParts();
    rig = await startRig({ charts: renderChart, chartLinks: { publicUrl: parts.url, store, ttlMs: TTL } });
    web = await startDashboardFor({
      parts,
      engine: rig.engine,
      daily: rig.daily,
      store: rig.teamStore,
      decks: new DeckSet([testDeck(3)]),
      isAdmin: async () => false,
      charts: store,
    });
    const alice: Actor = {
      user: { platform: 'slack', userId: ALICE },
      team: { platform: 'slack', teamId: TEAM },
      isAdmin: false,
    };
    let v = await rig.engine.review(alice);
    for (let i = 0; i < 3; i++) {
      v = (await rig.engine.action(alice, v.buttons?.[0]?.[0]?.actionId ?? '')).view;
      v = (await rig.engine.action(alice, v.buttons?.[0]?.[2]?.actionId ?? '')).view;
    }
  });

  afterAll(async () => {
    await rig?.close();
    await web?.dispose();
  });

  /** Runs /quiz stats; returns the text answer and the image block answer. */
  async function stats() {
    const r = rig.fake.responseUrl();
    const res = await rig.sender.command({
      text: 'stats',
      user_id: ALICE,
      team_id: TEAM,
      response_url: r.url,
    });
    expect(res.status).toBe(200);
    const [text, picture] = await waitFor(() => {
      const got = rig.fake.responsesTo(r.id);
      return got.length >= 2 ? got : undefined;
    }, 'the text answer and the picture answer');
    const blocks = (picture?.body.blocks ?? []) as Record<string, unknown>[];
    return { text: text?.body, picture: picture?.body, image: blocks[0] ?? {} };
  }

  it('posts an ephemeral image block whose URL serves the PNG; no file is uploaded', async () => {
    const uploadsBefore = rig.fake.callsOf('files.getUploadURLExternal').length;
    const { text, picture, image } = await stats();
    expect(blockText(text?.blocks)).toContain('Reviewed today');
    expect(picture?.response_type).toBe('ephemeral');
    expect(image.type).toBe('image');
    expect(image.alt_text).toMatch(/^Reviews per day over the last 6 months \(3 in all\)/);
    const url = String(image.image_url);
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${web.port}/charts/[A-Za-z0-9_-]{22}\\.png$`));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe(`private, max-age=${TTL / 1000}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const size = {
      width: CHART_WIDTH,
      height: PANEL_HEIGHT.calendar + PANEL_HEIGHT.bars + PANEL_HEIGHT.line,
    };
    expect(ihdr(bytes)).toEqual(size);
    expect(decodePng(bytes).inked).toBeGreaterThan(0.05);
    expect(rig.fake.callsOf('files.getUploadURLExternal').length).toBe(uploadsBefore);
    expect(rig.fake.callsOf('files.completeUploadExternal')).toHaveLength(0);
    expect(rig.fake.callsOf('conversations.open')).toHaveLength(0);
  });

  it('an unknown, a malformed or an expired id gets 404; max-age counts down', async () => {
    const base = `http://127.0.0.1:${web.port}/charts`;
    expect((await fetch(`${base}/${newChartId()}.png`)).status).toBe(404);
    expect((await fetch(`${base}/..%2F..%2Fetc.png`)).status).toBe(404);
    expect((await fetch(`${base}/`)).status).toBe(404);
    const { image } = await stats();
    const url = String(image.image_url);
    now += TTL - 10_000;
    const late = await fetch(url);
    expect(late.status).toBe(200);
    expect(late.headers.get('cache-control')).toBe('private, max-age=10');
    now += 10_000;
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).not.toMatch(/image/);
  });
});
