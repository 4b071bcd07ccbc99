import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../../src/adapters/discord/command-definitions.js';
import { inviteUrl, registerWithToken } from '../../../src/adapters/discord/register.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../../src/store/memory/review-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, memoryLogger, startRig } from '../../fakes/discord/harness.js';

const GUILD = '100000000000000001';

function engine(): QuizEngine {
  const decks = new DeckSet([threeCardDeck()]);
  const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
  return new QuizEngine({
    decks,
    review: new ReviewService({ store, decks, clock: { now: () => Date.now() } }),
  });
}

describe('discord: lifecycle and command registration', () => {
  let rig: DiscordRig;

  beforeAll(async () => {
    rig = await startRig({
      engine: engine(),
      guildId: GUILD,
      fake: {
        guilds: [{ id: GUILD, name: 'Test', channels: [{ id: '200000000000000001', name: 'general' }] }],
      },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('logs in through the gateway and is ready', () => {
    expect(rig.bot.ready()).toBe(true);
    expect(rig.bot.applicationId).toBe(rig.fake.applicationId);
    expect(rig.fake.identifies).toHaveLength(1);
  });

  it('registers every command by bulk overwrite to the configured guild', () => {
    const puts = rig.fake.find('PUT', /commands$/);
    expect(puts.map((p) => p.path)).toEqual([
      `/applications/${rig.fake.applicationId}/guilds/${GUILD}/commands`,
    ]);
    const body = puts[0]?.body as {
      name: string;
      default_member_permissions?: string;
      options?: { name: string }[];
    }[];
    expect(body.map((c) => c.name).sort()).toEqual([
      'decks',
      'forget-me',
      'leaderboard',
      'quiz-admin',
      'review',
      'settings',
      'stats',
    ]);
    const admin = body.find((c) => c.name === 'quiz-admin');
    expect(admin?.default_member_permissions).toBe('32'); // ManageGuild
    expect(admin?.options?.map((o) => o.name)).toEqual([
      'schedule',
      'unschedule',
      'list',
      'pause',
      'resume',
      'post-now',
      'dashboard',
      'insights',
      'fsrs-reset',
      'forget-team',
    ]);
    expect(body).toEqual(commandDefinitions());
    expect(rig.fake.commands.get('global')).toBeUndefined();
  });

  it('answers /decks with the loaded decks', async () => {
    const r = await rig.fake.slash({ command: 'decks', user: rig.fake.user('alice') });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('k8s');
    expect(r.text).toContain('3 cards');
  });

  it('autocompletes deck and timezone options', async () => {
    const deck = await rig.fake.autocomplete({
      command: 'review',
      user: rig.fake.user('bob'),
      focused: 'deck',
      value: 'k',
    });
    expect(deck.callbackType).toBe(8);
    expect(deck.choices).toEqual([{ name: 'k8s', value: 'k8s' }]);
    const tz = await rig.fake.autocomplete({
      command: 'quiz-admin',
      subcommand: 'schedule',
      user: rig.fake.user('carol', { admin: true }),
      focused: 'timezone',
      value: 'europe/ber',
    });
    expect(tz.choices.map((c) => c.value)).toContain('Europe/Berlin');
    expect(tz.choices.length).toBeLessThanOrEqual(25);
  });
});

describe('discord: register without the gateway, invite URL', () => {
  it('registers globally when no guild is given', async () => {
    const { FakeDiscord } = await import('../../fakes/discord/fake-discord.js');
    const fake = await FakeDiscord.start();
    try {
      const r = await registerWithToken({ token: 'x', apiUrl: fake.apiUrl });
      expect(r).toEqual({ applicationId: fake.applicationId, count: 7, scope: 'global' });
      expect(fake.find('PUT', /commands$/).map((p) => p.path)).toEqual([
        `/applications/${fake.applicationId}/commands`,
      ]);
      expect(fake.identifies).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });

  it('builds the invite URL with bot + applications.commands and the needed permissions', () => {
    const url = new URL(inviteUrl('123456789012345678'));
    expect(url.origin + url.pathname).toBe('https://discord.com/oauth2/authorize');
    expect(url.searchParams.get('client_id')).toBe('123456789012345678');
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    const perms = BigInt(url.searchParams.get('permissions') ?? '0');
    // View Channel, Send Messages, Embed Links, Read Message History; nothing like Administrator.
    expect(perms).toBe((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 16n));
  });
});

describe('discord: start failures', () => {
  it('rejects start when the token is refused, leaving nothing running', async () => {
    const { FakeDiscord } = await import('../../fakes/discord/fake-discord.js');
    const { startDiscord } = await import('../../../src/adapters/discord/start.js');
    const fake = await FakeDiscord.start();
    fake.inject({
      method: 'GET',
      path: /^\/gateway\/bot$/,
      status: 401,
      body: { message: '401: Unauthorized', code: 0 },
    });
    try {
      await expect(
        startDiscord({ token: 'bad', apiUrl: fake.apiUrl, engine: engine(), log: memoryLogger() }),
      ).rejects.toMatchObject({
        // A StartupError: `quizbot start` exits 4 (src/startup-error.ts).
        code: 'platform_auth',
        message: expect.stringMatching(/^discord login failed: .*check DISCORD_TOKEN$/),
      });
      expect(fake.identifies).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });

  it('logs a failed command registration and keeps running; stop() makes it not ready', async () => {
    const rig = await startRig({
      engine: engine(),
      guildId: GUILD,
      fake: {
        guilds: [{ id: GUILD, name: 'Test', channels: [{ id: '200000000000000001', name: 'general' }] }],
      },
      prepare: (fake) =>
        fake.inject({
          method: 'PUT',
          path: /commands$/,
          status: 403,
          body: { message: 'Missing Access', code: 50001 },
        }),
    });
    try {
      expect(rig.fake.find('PUT', /commands$/).map((r) => r.status)).toEqual([403]);
      const logged = rig.log.entries.find((e) => e.msg.startsWith('discord command registration failed'));
      expect((logged?.obj as { err?: Error } | undefined)?.err?.message).toContain('Missing Access');
      expect(rig.bot.ready()).toBe(true);
      const r = await rig.fake.slash({ command: 'decks', user: rig.fake.user('zoe') }).catch((e: Error) => e);
      // Nothing got registered, so the fake (like Discord) has no /decks to offer.
      expect(r).toBeInstanceOf(Error);
    } finally {
      await rig.close();
    }
    expect(rig.bot.ready()).toBe(false);
  });
});
