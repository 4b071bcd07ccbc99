import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordEngine } from '../../../src/adapters/discord/inbound.js';
import { encodeAction } from '../../../src/engine/actions.js';
import type { ActionResult, Actor } from '../../../src/engine/api.js';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import type { View } from '../../../src/engine/views.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../../src/store/memory/review-store.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, must, startRig } from '../../fakes/discord/harness.js';
import { ADMIN_PERMISSIONS, MEMBER_PERMISSIONS } from '../../fakes/discord/payloads.js';

const GUILD = '100000000000000005';
const CHANNEL = '200000000000000005';
/** A stand-in engine whose answers, delays and failures each test sets. */
class StubEngine implements DiscordEngine {
  calls: { method: string; actor: Actor; arg?: unknown }[] = [];
  /** Holds every answer until this resolves ("slow"): set by a test to the event it waits for. */
  hold: (() => Promise<unknown>) | null = null;
  fail: Error | null = null;
  view: View = { title: 'Stub', text: 'stub view', private: true };
  result: ActionResult | null = null;

  private async answer<T>(method: string, actor: Actor, arg: unknown, value: T): Promise<T> {
    this.calls.push({ method, actor, arg });
    if (this.hold) await this.hold();
    if (this.fail) throw this.fail;
    return value;
  }
  deckIds(): string[] {
    return ['k8s'];
  }
  decks(): View {
    return { text: 'decks', private: true };
  }
  review(actor: Actor, deck?: string | null): Promise<View> {
    return this.answer('review', actor, deck, this.view);
  }
  forgetMe(actor: Actor): Promise<View> {
    return this.answer('forgetMe', actor, null, this.view);
  }
  stats(actor: Actor, deck?: string | null): Promise<View> {
    return this.answer('stats', actor, deck, this.view);
  }
  leaderboard(actor: Actor, period?: string): Promise<View> {
    return this.answer('leaderboard', actor, period, this.view);
  }
  admin(actor: Actor, cmd: unknown): Promise<View> {
    return this.answer('admin', actor, cmd, this.view);
  }
  action(actor: Actor, id: string): Promise<ActionResult> {
    return this.answer('action', actor, id, this.result ?? { mode: 'update', view: this.view });
  }
}

describe('discord: robustness (stand-in engine)', () => {
  let rig: DiscordRig;
  const engine = new StubEngine();

  beforeAll(async () => {
    rig = await startRig({
      engine,
      deferAfterMs: 150,
      fake: { guilds: [{ id: GUILD, name: 'Robust', channels: [{ id: CHANNEL, name: 'general' }] }] },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });
  /**
   * A slow engine, made slow by events rather than a timer: it answers only once Discord got the
   * adapter's next callback (its deferral), so "deferred before the engine answered" holds on a
   * machine of any speed, and Discord's 3 s deadline is the fake's to enforce.
   */
  const untilNextCallback = () => {
    const callbacks = () => rig.fake.find('POST', /^\/interactions\/\d+\/[^/]+\/callback$/).length;
    const before = callbacks();
    return () => rig.fake.waitFor('the deferral', () => callbacks() > before);
  };

  beforeEach(() => {
    engine.calls = [];
    engine.hold = null;
    engine.fail = null;
    engine.view = { title: 'Stub', text: 'stub view', private: true };
    engine.result = null;
  });

  it('registers globally without DISCORD_GUILD_ID', () => {
    expect(rig.fake.find('PUT', /commands$/).map((r) => r.path)).toEqual([
      `/applications/${rig.fake.applicationId}/commands`,
    ]);
  });

  it('builds the actor from the interaction: guild as team, admin from the member permissions, DMs without team', async () => {
    const { fake } = rig;
    const member = fake.user('mia', { permissions: MEMBER_PERMISSIONS });
    const manager = fake.user('max', { permissions: ADMIN_PERMISSIONS });
    const administrator = fake.user('ada', { permissions: MEMBER_PERMISSIONS | (1n << 3n) });
    const first = await fake.slash({ command: 'stats', user: member });
    await fake.slash({ command: 'stats', user: manager });
    await fake.slash({ command: 'stats', user: administrator });
    await fake.slash({ command: 'review', user: member, guildId: null, options: { deck: 'k8s' } });
    const [m, mg, ad, dm] = engine.calls;
    expect(m?.actor).toEqual({
      user: { platform: 'discord', userId: member.id },
      team: { platform: 'discord', teamId: GUILD },
      isAdmin: false,
      displayName: 'Mia',
      // The interaction id: every replica that gets this interaction passes the same one.
      requestId: first.record.id,
    });
    expect(mg?.actor.isAdmin).toBe(true);
    expect(ad?.actor.isAdmin).toBe(true); // Administrator implies Manage Server
    expect(dm?.actor).toMatchObject({ team: null, isAdmin: false, user: { userId: member.id } });
    expect(dm?.arg).toBe('k8s');
  });

  it('passes /quiz-admin options as an AdminCommand, defaulting the channel to the current one', async () => {
    const { fake } = rig;
    const admin = fake.user('max', { admin: true });
    await fake.slash({
      command: 'quiz-admin',
      subcommand: 'schedule',
      user: admin,
      options: { deck: 'k8s', time: '09:30', timezone: 'Europe/Berlin', weekdays: 'mon,wed', close: '17:00' },
    });
    await fake.slash({
      command: 'quiz-admin',
      subcommand: 'post-now',
      user: admin,
      options: { channel: CHANNEL },
    });
    await fake.slash({ command: 'quiz-admin', subcommand: 'pause', user: admin });
    await fake.slash({ command: 'quiz-admin', subcommand: 'list', user: admin });
    expect(engine.calls.map((c) => c.arg)).toEqual([
      {
        kind: 'schedule',
        channelId: CHANNEL,
        deckId: 'k8s',
        time: '09:30',
        timezone: 'Europe/Berlin',
        weekdays: 'mon,wed',
        close: '17:00',
      },
      { kind: 'post-now', channelId: CHANNEL },
      { kind: 'pause', channelId: CHANNEL },
      { kind: 'list' },
    ]);
  });

  it('defers a slow command within the deadline, then edits the reply', async () => {
    engine.hold = untilNextCallback();
    const r = await rig.fake.slash({ command: 'review', user: rig.fake.user('sam') });
    expect(r.callbackType).toBe(5);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('stub view');
    expect(r.record.callbacks[0]?.data).toEqual({ flags: 64 });
  });

  it('turns a slow public view into a public follow-up of the private placeholder', async () => {
    engine.hold = untilNextCallback();
    engine.view = { title: 'Public', text: 'for everyone', private: false };
    const r = await rig.fake.slash({ command: 'leaderboard', user: rig.fake.user('pat') });
    expect(r.callbackType).toBe(5);
    expect(r.record.followups).toHaveLength(1);
    expect(r.ephemeral).toBe(false);
    expect(r.text).toContain('for everyone');
    expect(rig.fake.message(must(r.record.originalId)).deleted).toBe(true);
  });

  it('defers a slow review button as an update, then edits the message', async () => {
    const sam = rig.fake.user('sam');
    const first = await rig.fake.slash({ command: 'review', user: sam });
    engine.hold = untilNextCallback();
    engine.view = {
      text: 'the back',
      private: true,
      buttons: [[{ actionId: 'q1:n:k8s:0000abcd', label: 'Next' }]],
    };
    const id = encodeAction({ kind: 'reveal', deckId: 'k8s', cardId: 'card-1', owner: '0000abcd' });
    const r = await rig.fake.click({
      message: must(first.message),
      customId: id,
      user: sam,
      unchecked: true,
    });
    expect(r.callbackType).toBe(6);
    expect(r.message?.id).toBe(first.message?.id);
    expect(r.text).toContain('the back');
  });

  it('defers a slow daily answer as a private reply', async () => {
    const post = must((await rig.fake.slash({ command: 'review', user: rig.fake.user('sue') })).message);
    engine.hold = untilNextCallback();
    engine.result = { mode: 'reply', view: { text: 'Right!', private: true } };
    const id = encodeAction({ kind: 'answer', roundId: 'c1-20250303', choice: 1 });
    const r = await rig.fake.click({
      message: post,
      customId: id,
      user: rig.fake.user('sue'),
      unchecked: true,
    });
    expect(r.callbackType).toBe(5);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('Right!');
  });

  it('answers a failing engine with a short private error, logs it with its cause, and keeps running', async () => {
    engine.fail = new Error('redis went away');
    const r = await rig.fake.slash({ command: 'stats', user: rig.fake.user('fay') });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('Something went wrong on my side');
    expect(r.text).not.toContain('redis went away');
    const logged = rig.log.entries.find((e) => e.level === 'error' && e.msg === 'discord interaction failed');
    expect((must(logged, 'an error log').obj as { err?: Error }).err?.message).toBe('redis went away');

    // Failing after the defer: the error goes out as a private follow-up.
    engine.hold = untilNextCallback();
    const late = await rig.fake.slash({ command: 'stats', user: rig.fake.user('fay') });
    expect(late.callbackType).toBe(5);
    expect(late.record.followups).toHaveLength(1);
    expect(late.ephemeral).toBe(true);
    expect(late.text).toContain('Something went wrong');

    engine.fail = null;
    engine.hold = null;
    const ok = await rig.fake.slash({ command: 'decks', user: rig.fake.user('fay') });
    expect(ok.text).toContain('decks');
    expect(rig.bot.ready()).toBe(true);
  });

  it('cuts oversized views to fit every Discord limit, with a visible marker', async () => {
    const long = 'x'.repeat(10_000);
    engine.view = {
      title: 't'.repeat(400),
      text: long,
      fields: Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'v'.repeat(2_000) })),
      buttons: [
        Array.from({ length: 7 }, (_, i) => ({
          actionId: `q1:n:k8s:${String(i).padStart(8, '0')}`,
          label: 'L'.repeat(100),
        })),
        [{ actionId: 'x'.repeat(150), label: 'too long id' }],
        [{ actionId: 'q1:n:k8s:00000000', label: 'duplicate' }],
        ...Array.from({ length: 6 }, (_, r) => [{ actionId: `q1:n:k${r}:00000000`, label: `row ${r}` }]),
      ],
      footer: 'f'.repeat(3_000),
      private: true,
    };
    const r = await rig.fake.slash({ command: 'review', user: rig.fake.user('lou') });
    expect(r.callbackType).toBe(4);
    expect(rig.fake.rejected).toEqual([]);
    const embed = r.message?.embeds[0] as {
      title: string;
      description: string;
      fields: unknown[];
      footer: { text: string };
    };
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(embed.description.endsWith('… (cut)')).toBe(true);
    expect(embed.footer.text.length).toBeLessThanOrEqual(2_048);
    expect(embed.fields.length).toBeLessThanOrEqual(25);
    expect(r.message?.components.length).toBe(5);
    for (const row of r.message?.components ?? [])
      expect((row.components as unknown[]).length).toBeLessThanOrEqual(5);
    const ids = r.buttons.map((b) => b.custom_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.length <= 100)).toBe(true);
    expect(r.buttons[0]?.label.length).toBeLessThanOrEqual(80);
    expect(rig.log.entries.some((e) => e.msg === 'view cut to fit Discord')).toBe(true);
  });
});

describe('discord: refusals from the real engine', () => {
  let rig: DiscordRig;

  beforeAll(async () => {
    const decks = new DeckSet([threeCardDeck()]);
    const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
    const review = new ReviewService({ store, decks, clock: { now: () => Date.now() } });
    rig = await startRig({
      engine: new QuizEngine({ decks, review }),
      guildId: GUILD,
      fake: { guilds: [{ id: GUILD, name: 'Robust', channels: [{ id: CHANNEL, name: 'general' }] }] },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('refuses a tampered, an unknown and an old-version custom_id privately, leaving the message alone', async () => {
    const { fake } = rig;
    const eve = fake.user('eve');
    const start = await fake.slash({ command: 'review', user: eve });
    const real = must(start.buttons[0]).custom_id;
    const cases: [string, string][] = [
      [real.replace(/:[0-9a-f]{8}$/, ':zzzzzzzz'), 'not one of mine'],
      [`${real}:extra`, 'not one of mine'],
      ['hello', 'not one of mine'],
      ['q1:x:whatever', 'not one of mine'],
      [real.replace(/^q1:/, 'q0:'), 'out of date'],
      [real.replace('card-1', 'card-99'), 'no longer in its deck'],
    ];
    for (const [customId, expected] of cases) {
      const r = await fake.click({ message: must(start.message), customId, user: eve, unchecked: true });
      expect(r.callbackType, customId).toBe(4);
      expect(r.ephemeral, customId).toBe(true);
      expect(r.text, customId).toContain(expected);
    }
    expect(fake.message(must(start.message).id).edits).toBe(0);
    expect(rig.bot.ready()).toBe(true);
  });

  it('answers an unknown deck with a refusal', async () => {
    const r = await rig.fake.slash({
      command: 'review',
      user: rig.fake.user('eve'),
      options: { deck: 'nope' },
    });
    expect(r.ephemeral).toBe(true);
    expect(r.text).toContain('There is no deck with that name');
  });

  it('answers team commands that have no daily service with a refusal, not a crash', async () => {
    const r = await rig.fake.slash({ command: 'leaderboard', user: rig.fake.user('eve') });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
  });
});
