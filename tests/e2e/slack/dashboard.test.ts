import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { adminCheck, slackAdminCheck } from '../../../src/web/admin-checks.js';
import { testDeck } from '../../helpers/engine.js';
import {
  csrfOf,
  dashboardLinkOf,
  postForm,
  signInWith,
  startDashboardFor,
  webParts,
} from '../dashboard-web.js';
import { type SlackRig, startRig, TEAM, waitFor } from './rig.js';

const CHANNEL = 'C0DASH';
const TEAM_PATH = `/t/slack/${TEAM}`;

describe('slack: /quiz dashboard signs in; writes re-check users.info (admin/owner)', () => {
  let rig: SlackRig;
  let web: Awaited<ReturnType<typeof startDashboardFor>>;
  let parts: Awaited<ReturnType<typeof webParts>>;

  beforeAll(async () => {
    parts = await webParts();
    rig = await startRig({ dashboardLink: dashboardLinkOf(parts.store, parts.url) });
    // The check bot.ts wires: a Web API client asking the fake's users.info.
    const isAdmin = adminCheck(
      new Map([
        [
          'slack',
          slackAdminCheck({
            botToken: async () => 'xoxb-test-token',
            apiUrl: rig.fake.apiUrl,
            adminUsers: [],
          }),
        ],
      ]),
    );
    web = await startDashboardFor({
      parts,
      engine: rig.engine,
      daily: rig.daily,
      store: rig.teamStore,
      decks: new DeckSet([testDeck(3)]),
      isAdmin,
    });
    rig.fake.users.set('U0ADA', { name: 'ada', is_admin: true });
    rig.fake.users.set('U0OLGA', { name: 'olga', is_owner: true });
    rig.fake.users.set('U0MEL', { name: 'mel' });
  });

  afterAll(async () => {
    await rig?.close();
    await web?.dispose();
  });

  async function dashboard(user: string): Promise<{ text: string; response_type?: string }> {
    const r = rig.fake.responseUrl();
    const res = await rig.sender.command({
      text: 'dashboard',
      user_id: user,
      team_id: TEAM,
      response_url: r.url,
      channel_id: CHANNEL,
    });
    expect(res.status).toBe(200);
    const post = await waitFor(() => rig.fake.responsesTo(r.id)[0], `answer to /quiz dashboard by ${user}`);
    return post.body as { text: string; response_type?: string };
  }

  const linkIn = (text: string) => /https?:\/\/[^\s>|]+\/login\?t=[\w.-]+/.exec(text)?.[0] ?? '';

  it('gives an admin a private link that signs in; a member is refused and gets no link', async () => {
    const refused = await dashboard('U0MEL');
    expect(refused.response_type).toBe('ephemeral');
    expect(linkIn(JSON.stringify(refused))).toBe('');

    const ok = await dashboard('U0ADA');
    expect(ok.response_type).toBe('ephemeral');
    const link = linkIn(JSON.stringify(ok));
    expect(link.startsWith(`${parts.url}/login?t=`)).toBe(true);
    const signedIn = await signInWith(link);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe(`${TEAM_PATH}/schedules`);
    const page = await fetch(`${parts.url}${TEAM_PATH}/schedules`, {
      headers: { cookie: signedIn.cookie ?? '' },
    });
    expect(page.status).toBe(200);
  });

  it('lets an owner write; refuses a signed-in admin whom users.info no longer calls admin', async () => {
    const url = `${parts.url}${TEAM_PATH}/schedules`;
    const team = { platform: 'slack' as const, teamId: TEAM };
    const owner = await signInWith(linkIn(JSON.stringify(await dashboard('U0OLGA'))));
    const form = { channel: CHANNEL, deck: 'test', time: '09:30', timezone: 'UTC' };
    const ok = await postForm(url, owner.cookie ?? '', {
      ...form,
      _csrf: await csrfOf(url, owner.cookie ?? ''),
    });
    expect(ok.text).toContain('Daily quiz scheduled');
    expect((await rig.teamStore.getSchedule(team, CHANNEL))?.time).toBe('09:30');

    // Signed in while admin, then demoted: the dashboard asks users.info again on the write.
    rig.fake.users.set('U0BEA', { name: 'bea', is_admin: true });
    const bea = await signInWith(linkIn(JSON.stringify(await dashboard('U0BEA'))));
    expect(bea.status).toBe(303);
    rig.fake.users.set('U0BEA', { name: 'bea' });
    const asked = rig.fake.callsOf('users.info').length;
    const refused = await postForm(url, bea.cookie ?? '', {
      ...form,
      time: '10:45',
      _csrf: await csrfOf(url, bea.cookie ?? ''),
    });
    expect(refused.text).toContain('Only team admins can change daily quiz schedules.');
    expect(rig.fake.callsOf('users.info').length).toBeGreaterThan(asked);
    expect((await rig.teamStore.getSchedule(team, CHANNEL))?.time).toBe('09:30');
  });
});
