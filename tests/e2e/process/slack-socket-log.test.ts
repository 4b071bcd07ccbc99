import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack/fake-slack.js';
import { slashCommandFields } from '../../fakes/slack/signer.js';
import { freePort } from '../../helpers/redis.js';
import { type BotProcess, startBotProcess } from './bot-process.js';

/**
 * `LOG_LEVEL=debug` in Socket Mode: Bolt and its Socket Mode client log every envelope they receive,
 * with the payload's legacy verification token and its `response_url` (a URL that lets anyone
 * answer as the bot for 30 minutes). The real process's real output must carry neither.
 */
describe('quizbot start in Socket Mode with LOG_LEVEL=debug', () => {
  let fake: FakeSlack;
  let bot: BotProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-slack-log-'));

  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Bolt debug lines pass through the same redaction: no response_url, no verification token', async () => {
    bot = await startBotProcess({
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: 'xapp-test-app-token',
      SLACK_API_URL: fake.apiUrl,
      HTTP_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
    });
    await fake.socket.connected();
    const target = fake.responseUrl();
    const fields = slashCommandFields({
      text: 'review',
      user_id: 'U1',
      team_id: 'T1',
      response_url: target.url,
    });
    await fake.socket.send('slash_commands', fields);
    const deadline = Date.now() + 10_000;
    while (fake.responsesTo(target.id).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(fake.responsesTo(target.id)).toHaveLength(1);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);

    const out = bot.output();
    // The capture is real: Bolt's Socket Mode client logged the envelope at debug level.
    const slackDebug = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; component?: string; msg: string })
      .filter((l) => l.level === 20 && l.component === 'slack');
    expect(slackDebug.length).toBeGreaterThan(0);
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(target.url);
    expect(out).not.toContain(new URL(target.url).pathname);
    expect(out).not.toContain('deprecated-verification-token');
    expect(out).not.toMatch(/xoxb-test-token|xapp-test-app-token/);
  }, 60_000);
});
