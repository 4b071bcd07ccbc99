import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { InteractionSigner } from '../../fakes/discord/interactions-http.js';
import { freePort } from '../../helpers/redis.js';
import { type BotProcess, startBotProcess } from './bot-process.js';

const GUILD = '100000000000000041';

/** `DISCORD_MODE=http DISCORD_PUBLIC_KEY=... DISCORD_TOKEN=... npm start`, as a process. */
describe('quizbot start as a process, Discord over HTTP interactions (embedded store)', () => {
  let fake: FakeDiscord;
  let bot: BotProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-dhttp-proc-'));

  beforeAll(async () => {
    fake = await FakeDiscord.start({
      guilds: [{ id: GUILD, name: 'Process server', channels: [{ id: '200000000000000041', name: 'quiz' }] }],
    });
  });
  afterAll(async () => {
    if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the endpoint Discord accepts, answers a command, never connects the gateway, stops on SIGTERM', async () => {
    const signer = new InteractionSigner();
    const [discordPort, httpPort] = [await freePort(), await freePort()];
    bot = await startBotProcess({
      DISCORD_TOKEN: 'test-token',
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_GUILD_ID: GUILD,
      DISCORD_MODE: 'http',
      DISCORD_PUBLIC_KEY: signer.publicKeyHex,
      DISCORD_PORT: String(discordPort),
      HTTP_PORT: String(httpPort),
      DATA_DIR: dataDir,
    });
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    // Saving the URL in the portal: a signed PING and a badly signed probe, both answered right.
    await fake.setInteractionsEndpoint(`http://127.0.0.1:${discordPort}/discord/interactions`, signer);
    const r = await fake.slash({ command: 'review', user: fake.user('alice') });
    expect(r.callbackType).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.buttons.length).toBeGreaterThan(0);
    expect(fake.identifies).toEqual([]);
    expect(fake.find('GET', /^\/gateway/)).toEqual([]);
    expect(bot.output()).not.toContain('test-token');
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 90_000);
});
