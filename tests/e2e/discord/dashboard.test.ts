import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DailyService } from '../../../src/engine/daily.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../../src/store/memory/team-store.js';
import { adminCheck, discordAdminCheck } from '../../../src/web/admin-checks.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, startRig } from '../../fakes/discord/harness.js';
import { MEMBER_PERMISSIONS } from '../../fakes/discord/payloads.js';
import {
  csrfOf,
  dashboardLinkOf,
  postForm,
  signInWith,
  startDashboardFor,
  webParts,
} from '../dashboard-web.js';

const GUILD = '100000000000000007';
const CHANNEL = '200000000000000007';
const TEAM_PATH = `/t/discord/${GUILD}`;

describe('discord: /quiz-admin dashboard signs in; writes re-check Manage Server over REST', () => {
  let rig: DiscordRig;
  let web: Awaited<ReturnType<typeof startDashboardFor>>;
  let teamStore: MemoryTeamStore;
  let parts: Awaited<ReturnType<typeof webParts>>;

  beforeAll(async () => {
    parts = await webParts();
    const decks = new DeckSet([threeCardDeck()]);
    teamStore = new MemoryTeamStore(new PersistedDoc<object>(null, () => ({})));
    const clock = { now: () => Date.now() };
    const review = new ReviewService({
      store: new MemoryReviewStore(new PersistedDoc(null, () => ({}))),
      decks,
      clock,
    });
    const daily = new DailyService({ store: teamStore, decks, clock, chat: () => undefined });
    const engine = new QuizEngine({
      decks,
      review,
      daily,
      dashboardLink: dashboardLinkOf(parts.store, parts.url),
    });
    rig = await startRig({
      engine,
      guildId: GUILD,
      fake: { guilds: [{ id: GUILD, name: 'Dash', channels: [{ id: CHANNEL, name: 'quiz' }] }] },
    });
    // The check bot.ts wires: the real discord.js client fetching the member from the fake.
    const isAdmin = adminCheck(new Map([['discord', discordAdminCheck(rig.bot.client)]]));
    web = await startDashboardFor({ parts, engine, daily, store: teamStore, decks, isAdmin });
  });

  afterAll(async () => {
    await rig?.close();
    await web?.dispose();
  });

  it('gives an admin a private link that signs in; a member is refused and gets no link', async () => {
    const member = rig.fake.user('mallory');
    const refused = await rig.fake.slash({ command: 'quiz-admin', subcommand: 'dashboard', user: member });
    expect(refused.ephemeral).toBe(true);
    expect(refused.text).not.toContain(parts.url);
    expect(refused.text).toContain('admin');

    const admin = rig.fake.user('carol', { admin: true });
    const r = await rig.fake.slash({ command: 'quiz-admin', subcommand: 'dashboard', user: admin });
    expect(r.ephemeral).toBe(true);
    const link = /https?:\/\/\S+\/login\?t=[\w.-]+/.exec(r.text)?.[0] ?? '';
    expect(link.startsWith(`${parts.url}/login?t=`)).toBe(true);
    const signedIn = await signInWith(link);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe(`${TEAM_PATH}/schedules`);
    const page = await fetch(`${parts.url}${TEAM_PATH}/schedules`, {
      headers: { cookie: signedIn.cookie ?? '' },
    });
    expect(page.status).toBe(200);
    // Single use: the same link again is refused.
    expect((await signInWith(link)).status).toBe(401);
  });

  it('lets a write through while the fake says Manage Server, and refuses it once the admin is demoted', async () => {
    const admin = rig.fake.user('dora', { admin: true });
    const r = await rig.fake.slash({ command: 'quiz-admin', subcommand: 'dashboard', user: admin });
    const link = /https?:\/\/\S+\/login\?t=[\w.-]+/.exec(r.text)?.[0] ?? '';
    const { cookie } = await signInWith(link);
    const url = `${parts.url}${TEAM_PATH}/schedules`;
    const csrf = await csrfOf(url, cookie ?? '');
    const form = { _csrf: csrf, channel: CHANNEL, deck: 'k8s', time: '09:30', timezone: 'UTC' };
    const ok = await postForm(url, cookie ?? '', form);
    expect(ok.text).toContain('Daily quiz scheduled');
    expect(ok.text).not.toContain('Only team admins');
    const team = { platform: 'discord' as const, teamId: GUILD };
    expect((await teamStore.getSchedule(team, CHANNEL))?.time).toBe('09:30');
    const fetched = rig.fake.requests.filter(
      (q) => q.method === 'GET' && q.path === `/guilds/${GUILD}/members/${admin.id}`,
    );
    expect(fetched.length).toBeGreaterThan(0);

    rig.fake.setPermissions(admin.id, MEMBER_PERMISSIONS);
    const refused = await postForm(url, cookie ?? '', { ...form, time: '10:45' });
    expect(refused.text).toContain('Only team admins can change daily quiz schedules.');
    expect((await teamStore.getSchedule(team, CHANNEL))?.time).toBe('09:30');
  });
});
