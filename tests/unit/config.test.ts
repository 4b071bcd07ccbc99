import { describe, expect, it } from 'vitest';
import { formatConfigProblems, loadConfig } from '../../src/config.js';

const GOOD = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  DISCORD_TOKEN: 'x',
  DISCORD_GUILD_ID: '123456789012345678',
  DISCORD_API_URL: 'http://127.0.0.1:9/api',
  DISCORD_MODE: 'http',
  DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
  DISCORD_PORT: '3002',
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 's',
  SLACK_APP_TOKEN: 'xapp-1',
  SLACK_API_URL: 'http://127.0.0.1:9/api/',
  SLACK_PORT: '3001',
  SLACK_ADMIN_USERS: 'U1, U2',
  HTTP_PORT: '8081',
  LOG_LEVEL: 'debug',
  LOG_FORMAT: 'json',
  QUIZBOT_TIMEZONE: 'Europe/Berlin',
  DECKS_DIR: 'decks',
  DATA_DIR: 'data',
  DEFAULT_DECK: 'kubernetes',
  SCHEDULER_TICK: '*/5 * * * * *',
  SCHEDULER_CONCURRENCY: '4',
  SCHEDULER_ITEM_TIMEOUT_MS: '2000',
  SCHEDULER_LEASE_MS: '5000',
  SCHEDULER_BACKOFF_MS: '500',
  DAILY_CLAIM_LEASE_MS: '3000',
  SHUTDOWN_DRAIN_MS: '1500',
  FSRS_FIT_MIN_REVIEWS: '3000',
  FSRS_FIT_INTERVAL_MS: '0',
};

/** Each variable set wrong in turn, with the words its problem must contain. */
const WRONG: [keyof typeof GOOD, string, RegExp][] = [
  ['REDIS_URL', 'localhost:6379', /REDIS_URL must be a URL like redis:\/\//],
  ['DISCORD_GUILD_ID', 'my-server', /DISCORD_GUILD_ID must be a server id/],
  ['DISCORD_API_URL', 'http://127.0.0.1:9/api/v10', /must not end in \/v10/],
  ['DISCORD_API_URL', 'not a url', /DISCORD_API_URL must be a URL/],
  ['DISCORD_MODE', 'websocket', /DISCORD_MODE must be gateway \(the default\) or http/],
  [
    'DISCORD_PUBLIC_KEY',
    'not-hex',
    /DISCORD_PUBLIC_KEY must be the application's public key: 64 hex characters/,
  ],
  ['DISCORD_PORT', '-1', /DISCORD_PORT must be a port number/],
  ['SLACK_APP_TOKEN', 'xoxb-wrong', /SLACK_APP_TOKEN must be an app-level token starting with xapp-/],
  ['SLACK_API_URL', 'ftp://x', /SLACK_API_URL must be a URL/],
  ['SLACK_PORT', '70000', /SLACK_PORT must be a port number/],
  ['HTTP_PORT', 'eighty', /HTTP_PORT must be a port number/],
  ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
  ['LOG_FORMAT', 'xml', /LOG_FORMAT must be/],
  ['QUIZBOT_TIMEZONE', 'CEST', /QUIZBOT_TIMEZONE must be an IANA timezone/],
  ['SCHEDULER_TICK', 'every minute', /SCHEDULER_TICK must be a node-cron expression/],
  ['SCHEDULER_CONCURRENCY', '0', /SCHEDULER_CONCURRENCY must be a whole number of work items from 1/],
  ['SCHEDULER_ITEM_TIMEOUT_MS', '1.5', /SCHEDULER_ITEM_TIMEOUT_MS must be a whole number of milliseconds/],
  ['SCHEDULER_LEASE_MS', '-1', /SCHEDULER_LEASE_MS must be a whole number of milliseconds/],
  ['SCHEDULER_BACKOFF_MS', '1m', /SCHEDULER_BACKOFF_MS must be a whole number of milliseconds/],
  ['DAILY_CLAIM_LEASE_MS', '5', /DAILY_CLAIM_LEASE_MS must be a whole number of milliseconds from 200/],
  ['SHUTDOWN_DRAIN_MS', 'ten', /SHUTDOWN_DRAIN_MS must be a whole number of milliseconds/],
  [
    'FSRS_FIT_MIN_REVIEWS',
    '50',
    /FSRS_FIT_MIN_REVIEWS must be a whole number of reviews from 100 .* e\.g\. 2000/,
  ],
  ['FSRS_FIT_INTERVAL_MS', '-1', /FSRS_FIT_INTERVAL_MS must be a whole number of milliseconds from 0/],
];

describe('config', () => {
  it('accepts a full good environment and applies defaults to an empty one', () => {
    const r = loadConfig(GOOD);
    expect(r.ok && r.config).toMatchObject({
      HTTP_PORT: 8081,
      SLACK_PORT: 3001,
      SLACK_ADMIN_USERS: ['U1', 'U2'],
      SCHEDULER_TICK: '*/5 * * * * *',
      SCHEDULER_CONCURRENCY: 4,
      SCHEDULER_ITEM_TIMEOUT_MS: 2000,
      SCHEDULER_LEASE_MS: 5000,
      SCHEDULER_BACKOFF_MS: 500,
      DAILY_CLAIM_LEASE_MS: 3000,
      SHUTDOWN_DRAIN_MS: 1500,
      FSRS_FIT_MIN_REVIEWS: 3000,
      FSRS_FIT_INTERVAL_MS: 0,
    });
    const d = loadConfig({});
    expect(d.ok && d.config).toMatchObject({
      HTTP_PORT: 8080,
      SLACK_PORT: 3000,
      DECKS_DIR: 'decks',
      DATA_DIR: 'data',
      LOG_LEVEL: 'info',
      QUIZBOT_TIMEZONE: 'UTC',
      SCHEDULER_TICK: '0 * * * * *',
      SCHEDULER_CONCURRENCY: 16,
      SCHEDULER_ITEM_TIMEOUT_MS: 150_000,
      SCHEDULER_LEASE_MS: 180_000,
      SCHEDULER_BACKOFF_MS: 60_000,
      DAILY_CLAIM_LEASE_MS: 300_000,
      SHUTDOWN_DRAIN_MS: 10_000,
      FSRS_FIT_MIN_REVIEWS: 2_000,
      FSRS_FIT_INTERVAL_MS: 21_600_000,
    });
    expect(d.ok && d.config.REDIS_URL).toBeUndefined();
  });

  it.each(WRONG)('names %s when it is %j', (key, value, message) => {
    const r = loadConfig({ ...GOOD, [key]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatch(message);
    }
  });

  it('DISCORD_MODE=http needs the public key and the token, and defaults to gateway on port 3001', () => {
    const r = loadConfig({ DISCORD_MODE: 'http' });
    expect(r.ok ? [] : r.problems).toEqual([
      expect.stringMatching(/DISCORD_MODE=http needs DISCORD_PUBLIC_KEY/),
      expect.stringMatching(/DISCORD_MODE=http needs DISCORD_TOKEN too/),
    ]);
    const d = loadConfig({ DISCORD_TOKEN: 'x' });
    expect(d.ok && [d.config.DISCORD_MODE, d.config.DISCORD_PORT]).toEqual(['gateway', 3001]);
  });

  it('lists every problem at once, in one message', () => {
    const env: Record<string, string> = { ...GOOD };
    for (const [k, v] of WRONG) env[k] = v;
    const r = loadConfig(env);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // DISCORD_API_URL appears twice in WRONG; the last value wins.
    expect(r.problems).toHaveLength(WRONG.length - 1);
    const msg = formatConfigProblems(r.problems);
    expect(msg).toContain(`${WRONG.length - 1} configuration problems`);
    for (const [k] of WRONG) expect(msg).toContain(k);
  });

  it('needs a Slack mode with the bot token, and the bot token with a Slack mode', () => {
    const r = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', HTTP_PORT: 'x' });
    expect(!r.ok && r.problems).toEqual([
      expect.stringMatching(/HTTP_PORT/),
      expect.stringMatching(/SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET .* or SLACK_APP_TOKEN/),
    ]);
    const s = loadConfig({ SLACK_SIGNING_SECRET: 's' });
    expect(!s.ok && s.problems[0]).toMatch(/SLACK_BOT_TOKEN .* is missing/);
  });

  it('needs a work item timeout shorter than the due-entry lease', () => {
    const r = loadConfig({
      SCHEDULER_ITEM_TIMEOUT_MS: '5000',
      SCHEDULER_LEASE_MS: '5000',
      DAILY_CLAIM_LEASE_MS: '3000',
    });
    expect(!r.ok && r.problems).toEqual([
      expect.stringMatching(/SCHEDULER_ITEM_TIMEOUT_MS must be shorter than SCHEDULER_LEASE_MS/),
    ]);
  });

  it('needs a work item timeout longer than a post timeout (two fifths of the claim lease)', () => {
    const r = loadConfig({
      SCHEDULER_ITEM_TIMEOUT_MS: '1200',
      SCHEDULER_LEASE_MS: '5000',
      DAILY_CLAIM_LEASE_MS: '3000',
    });
    expect(!r.ok && r.problems).toEqual([
      expect.stringMatching(/SCHEDULER_ITEM_TIMEOUT_MS must be longer than a post's timeout.*1200 ms/),
    ]);
    expect(
      loadConfig({
        SCHEDULER_ITEM_TIMEOUT_MS: '1201',
        SCHEDULER_LEASE_MS: '5000',
        DAILY_CLAIM_LEASE_MS: '3000',
      }).ok,
    ).toBe(true);
  });

  it('never echoes secret values in its problems', () => {
    const r = loadConfig({ ...GOOD, SLACK_APP_TOKEN: 'supersecret-value', SLACK_SIGNING_SECRET: 'hush' });
    expect(!r.ok && formatConfigProblems(r.problems)).not.toContain('supersecret');
  });
});
