import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeckSet } from '../../../src/engine/deck/types.js';
import { QuizEngine } from '../../../src/engine/engine.js';
import { ReviewService } from '../../../src/engine/review.js';
import { TeamForgetting } from '../../../src/engine/team-forget.js';
import { PersistedDoc } from '../../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../../src/store/memory/review-store.js';
import { MemoryTeamEraser } from '../../../src/store/memory/team-eraser.js';
import { threeCardDeck } from '../../fakes/discord/fixtures.js';
import { type DiscordRig, startRig } from '../../fakes/discord/harness.js';
import { guildJson } from '../../fakes/discord/payloads.js';

const GUILD = '100000000000000001';
const T0 = Date.UTC(2035, 2, 5, 8);
const team = { platform: 'discord', teamId: GUILD } as const;

/** Polls an async check until it holds (gateway dispatches are handled asynchronously). */
async function until(check: () => Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('discord: a server that removes the bot (guildDelete) starts its data grace period', () => {
  let rig: DiscordRig;
  const doc = new PersistedDoc<object>(null, () => ({}));
  const eraser = new MemoryTeamEraser(doc);
  const forgetting = new TeamForgetting({ eraser, clock: { now: () => T0 }, graceDays: 30 });
  const guild = { id: GUILD, name: 'Test', channels: [{ id: '200000000000000001', name: 'general' }] };

  beforeAll(async () => {
    const decks = new DeckSet([threeCardDeck()]);
    const store = new MemoryReviewStore(new PersistedDoc(null, () => ({})));
    const engine = new QuizEngine({
      decks,
      review: new ReviewService({ store, decks, clock: { now: () => T0 } }),
    });
    rig = await startRig({
      engine,
      registerCommands: false,
      membership: forgetting,
      fake: { guilds: [guild] },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('an outage (unavailable) plans nothing; a removal plans the deletion; being added again cancels it', async () => {
    rig.fake.dispatch('GUILD_DELETE', { id: GUILD, unavailable: true });
    rig.fake.dispatch('GUILD_CREATE', guildJson(guild, rig.fake.bot, '300000000000000001'));
    // The bot is in the server again (the outage ended): still nothing planned.
    await until(async () => rig.bot.client.guilds.cache.get(GUILD)?.available === true, 'guild available');
    expect(await eraser.plannedErase(team)).toBeNull();

    rig.fake.dispatch('GUILD_DELETE', { id: GUILD });
    await until(async () => (await eraser.plannedErase(team)) !== null, 'planned deletion');
    expect(await eraser.plannedErase(team)).toBe(T0 + 30 * 86_400_000);

    rig.fake.dispatch('GUILD_CREATE', guildJson(guild, rig.fake.bot, '300000000000000001'));
    await until(async () => (await eraser.plannedErase(team)) === null, 'deletion cancelled');
  });
});
