import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack/fake-slack.js';
import { blockActionsPayload, SlackSender } from '../../fakes/slack/signer.js';
import { freePort } from '../../helpers/redis.js';
import { type BotProcess, startBotProcess } from './bot-process.js';

/** `SLACK_BOT_TOKEN=x SLACK_SIGNING_SECRET=s SLACK_API_URL=... npm start`, as a process. */
describe('quizbot start as a process, on Slack (embedded store)', () => {
  let fake: FakeSlack;
  let bot: BotProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-slack-proc-'));

  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a signed /quiz review, reports ready, and stops on SIGTERM', async () => {
    const [slackPort, httpPort] = [await freePort(), await freePort()];
    bot = await startBotProcess({
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_API_URL: fake.apiUrl,
      SLACK_PORT: String(slackPort),
      HTTP_PORT: String(httpPort),
      DATA_DIR: dataDir,
    });
    const out = bot.output;
    expect(out()).not.toMatch(/xoxb-test-token|test-signing-secret/);
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);

    const sender = new SlackSender(`http://127.0.0.1:${slackPort}/slack/events`, 'test-signing-secret');
    const target = fake.responseUrl();
    const res = await sender.command({
      text: 'review',
      user_id: 'U1',
      team_id: 'T1',
      response_url: target.url,
    });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (fake.responsesTo(target.id).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const reply = JSON.stringify(fake.responsesTo(target.id)[0]?.body ?? {});
    expect(reply).toContain('Virtual machines pros');
    expect(reply).toContain('"response_type":"ephemeral"');

    // Show the answer and grade it with real clicks: /metrics counts what the process did.
    const press = async (blocks: unknown, label: RegExp) => {
      const button = (
        blocks as Array<{
          type: string;
          elements?: Array<{ text?: { text: string }; value?: string; action_id: string }>;
        }>
      )
        .flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []))
        .find((e) => label.test(e.text?.text ?? ''));
      expect(button, String(label)).toBeDefined();
      const r = fake.responseUrl();
      const payload = blockActionsPayload({
        user_id: 'U1',
        team_id: 'T1',
        action_id: button?.action_id ?? '',
        value: button?.value ?? '',
        response_url: r.url,
        ephemeral: true,
      });
      expect((await sender.interactive(payload)).status).toBe(200);
      const until = Date.now() + 5_000;
      while (fake.responsesTo(r.id).length === 0 && Date.now() < until)
        await new Promise((x) => setTimeout(x, 25));
      return fake.responsesTo(r.id)[0]?.body as { blocks: unknown };
    };
    const shown = await press(
      (fake.responsesTo(target.id)[0]?.body as { blocks?: unknown } | undefined)?.blocks,
      /Show answer/,
    );
    await press(shown.blocks, /^Good/);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toContain('quizbot_interactions_total{platform="slack",kind="review",outcome="ok"} 1');
    expect(metrics).toContain('quizbot_interactions_total{platform="slack",kind="button",outcome="ok"} 2');
    expect(metrics).toContain('quizbot_grades_total{rating="3"} 1');
    expect(metrics).toMatch(/quizbot_interaction_duration_seconds_count\{platform="slack",kind="review"\} 1/);

    const forged = new SlackSender(`http://127.0.0.1:${slackPort}/slack/events`, 'wrong-secret');
    expect(
      (await forged.command({ text: 'review', user_id: 'U1', team_id: 'T1', response_url: target.url }))
        .status,
    ).toBe(401);

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(out()).toContain('"stopped"');
  }, 40_000);
});
