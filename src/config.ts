import { validate as validCron } from 'node-cron';
import { z } from 'zod';
import { parseTimezone } from './engine/schedule.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s?.trim() ? s.trim() : undefined));

const port = (name: string, dflt: number) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return dflt;
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a port number 0-65535, e.g. ${dflt}` });
        return z.NEVER;
      }
      return n;
    });

/** A whole number (of `unit`) in [min, max]; the message shows a good value. */
const whole = (name: string, dflt: number, min: number, max: number, unit = 'milliseconds') =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return dflt;
      const n = Number(s);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number of ${unit} from ${min} to ${max}, e.g. ${dflt}`,
        });
        return z.NEVER;
      }
      return n;
    });

const url = (name: string, example: string, protocols: string[]) =>
  optionalString.refine(
    (s) => {
      if (s === undefined) return true;
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { message: `${name} must be a URL like ${example}` },
  );

/** Every environment variable quizbot reads, with its default and what a good value looks like. */
const EnvSchema = z.object({
  REDIS_URL: url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  DECKS_DIR: optionalString.transform((s) => s ?? 'decks'),
  DATA_DIR: optionalString.transform((s) => s ?? 'data'),
  DEFAULT_DECK: optionalString.transform((s) => s ?? 'kubernetes'),
  // The same validator as the schedule commands, so both accept and refuse the same names.
  QUIZBOT_TIMEZONE: optionalString.transform((s, ctx) => {
    const tz = parseTimezone(s ?? 'UTC');
    if (tz.ok) return tz.value;
    ctx.addIssue({
      code: 'custom',
      message: 'QUIZBOT_TIMEZONE must be an IANA timezone like Europe/Berlin or UTC',
    });
    return z.NEVER;
  }),
  DISCORD_TOKEN: optionalString,
  DISCORD_GUILD_ID: optionalString.refine((s) => s === undefined || /^\d{17,20}$/.test(s), {
    message: 'DISCORD_GUILD_ID must be a server id (17-20 digits), e.g. 123456789012345678',
  }),
  DISCORD_API_URL: url('DISCORD_API_URL', 'https://discord.com/api (without /v10)', [
    'http:',
    'https:',
  ]).refine((s) => s === undefined || !/\/v\d+\/?$/.test(s), {
    message: 'DISCORD_API_URL must not end in /v10: the client adds the version',
  }),
  // gateway: one WebSocket session receives every interaction; http: Discord POSTs each interaction
  // to DISCORD_PORT, so stateless replicas behind a load balancer share the work.
  DISCORD_MODE: optionalString
    .transform((s) => s ?? 'gateway')
    .refine((s) => s === 'gateway' || s === 'http', {
      message: 'DISCORD_MODE must be gateway (the default) or http (interactions endpoint URL)',
    })
    .transform((s) => s as 'gateway' | 'http'),
  DISCORD_PUBLIC_KEY: optionalString.refine((s) => s === undefined || /^[0-9a-fA-F]{64}$/.test(s), {
    message:
      "DISCORD_PUBLIC_KEY must be the application's public key: 64 hex characters (Developer Portal > General Information > Public Key)",
  }),
  DISCORD_PORT: port('DISCORD_PORT', 3001),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((s) => s === undefined || s.startsWith('xapp-'), {
    message: 'SLACK_APP_TOKEN must be an app-level token starting with xapp-',
  }),
  SLACK_API_URL: url('SLACK_API_URL', 'https://slack.com/api/', ['http:', 'https:']),
  SLACK_PORT: port('SLACK_PORT', 3000),
  SLACK_ADMIN_USERS: optionalString.transform((s) => (s ? s.split(/[\s,]+/).filter(Boolean) : [])),
  HTTP_PORT: port('HTTP_PORT', 8080),
  // The dashboard is served only when PUBLIC_URL is set: its links must point somewhere reachable.
  PUBLIC_URL: url('PUBLIC_URL', 'https://quiz.example.com', ['http:', 'https:']),
  WEB_PORT: port('WEB_PORT', 8090),
  DASHBOARD_DECK_EDITORS: optionalString
    .transform((s) => (s ? s.split(/[\s,]+/).filter(Boolean) : []))
    .refine((teams) => teams.every((t) => /^(discord|slack):[^:\s]+$/.test(t)), {
      message:
        'DASHBOARD_DECK_EDITORS must list teams as platform:id, e.g. discord:123456789012345678,slack:T0123',
    }),
  DASHBOARD_SESSION_MS: whole('DASHBOARD_SESSION_MS', 8 * 3_600_000, 60_000, 7 * 86_400_000),
  LOG_LEVEL: optionalString
    .transform((s) => s ?? 'info')
    .refine((s) => (LOG_LEVELS as readonly string[]).includes(s), {
      message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`,
    }),
  SCHEDULER_TICK: optionalString
    .transform((s) => s ?? '0 * * * * *')
    .refine((s) => validCron(s), {
      message: 'SCHEDULER_TICK must be a node-cron expression, e.g. "0 * * * * *" (every minute)',
    }),
  SCHEDULER_CONCURRENCY: whole('SCHEDULER_CONCURRENCY', 16, 1, 256, 'work items'),
  SCHEDULER_ITEM_TIMEOUT_MS: whole('SCHEDULER_ITEM_TIMEOUT_MS', 150_000, 100, 3_600_000),
  SCHEDULER_LEASE_MS: whole('SCHEDULER_LEASE_MS', 180_000, 200, 7_200_000),
  SCHEDULER_BACKOFF_MS: whole('SCHEDULER_BACKOFF_MS', 60_000, 10, 3_600_000),
  DAILY_CLAIM_LEASE_MS: whole('DAILY_CLAIM_LEASE_MS', 300_000, 200, 3_600_000),
  FSRS_FIT_MIN_REVIEWS: whole('FSRS_FIT_MIN_REVIEWS', 2_000, 100, 10_000_000, 'reviews'),
  FSRS_FIT_INTERVAL_MS: whole('FSRS_FIT_INTERVAL_MS', 21_600_000, 0, 30 * 86_400_000),
  SHUTDOWN_DRAIN_MS: whole('SHUTDOWN_DRAIN_MS', 10_000, 0, 600_000),
  LOG_FORMAT: optionalString
    .transform((s) => s ?? 'auto')
    .refine((s) => ['auto', 'json', 'pretty'].includes(s), {
      message: 'LOG_FORMAT must be auto, json or pretty',
    }),
});

/** Validated configuration. */
export type Config = z.output<typeof EnvSchema>;

/** Reads the environment once; on problems returns every one of them, each naming its variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): { ok: true; config: Config } | { ok: false; problems: string[] } {
  const r = EnvSchema.safeParse(env);
  const problems = r.success ? [] : r.error.issues.map((i) => i.message);
  // Cross-variable rules run even when single values failed, so one run lists everything.
  const has = (k: string) => Boolean(env[k]?.trim());
  if (has('SLACK_BOT_TOKEN') && !has('SLACK_SIGNING_SECRET') && !has('SLACK_APP_TOKEN')) {
    problems.push(
      'SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode); see deploy/.env.example',
    );
  }
  if (!has('SLACK_BOT_TOKEN') && (has('SLACK_SIGNING_SECRET') || has('SLACK_APP_TOKEN'))) {
    problems.push('SLACK_SIGNING_SECRET / SLACK_APP_TOKEN are set but SLACK_BOT_TOKEN (xoxb-...) is missing');
  }
  problems.push(...discordModeProblems(env));
  if (r.success && r.data.SCHEDULER_ITEM_TIMEOUT_MS >= r.data.SCHEDULER_LEASE_MS) {
    problems.push(
      'SCHEDULER_ITEM_TIMEOUT_MS must be shorter than SCHEDULER_LEASE_MS, so a given-up work item is not handed out again while it runs',
    );
  }
  // A post times out after two fifths of the claim lease (DailySettings): its own timeout must end
  // it first, so the engine records the uncertain post, rather than the work item being given up.
  if (r.success && r.data.SCHEDULER_ITEM_TIMEOUT_MS <= (r.data.DAILY_CLAIM_LEASE_MS * 2) / 5) {
    problems.push(
      `SCHEDULER_ITEM_TIMEOUT_MS must be longer than a post's timeout, two fifths of DAILY_CLAIM_LEASE_MS (${Math.round((r.data.DAILY_CLAIM_LEASE_MS * 2) / 5)} ms)`,
    );
  }
  if (r.success && problems.length === 0) return { ok: true, config: r.data };
  return { ok: false, problems };
}

/** What DISCORD_MODE=http needs besides itself: the public key to verify requests, a token for REST. */
function discordModeProblems(env: Record<string, string | undefined>): string[] {
  if (env.DISCORD_MODE?.trim() !== 'http') return [];
  const problems: string[] = [];
  if (!env.DISCORD_PUBLIC_KEY?.trim())
    problems.push(
      "DISCORD_MODE=http needs DISCORD_PUBLIC_KEY, the application's public key (64 hex characters, Developer Portal > General Information), to verify each request",
    );
  if (!env.DISCORD_TOKEN?.trim())
    problems.push(
      'DISCORD_MODE=http needs DISCORD_TOKEN too: the daily posts, follow-ups and command registration use the REST API',
    );
  return problems;
}

/** One message listing every configuration problem. */
export function formatConfigProblems(problems: string[]): string {
  return `quizbot cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n${problems
    .map((p) => `  - ${p}`)
    .join('\n')}\n`;
}

/** Secrets, for log redaction. */
export const SECRET_KEYS = [
  'DISCORD_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
] as const;
