import pino, { type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

/** Paths redacted in every log line, whatever logs them. */
export const REDACT = [
  'token',
  '*.token',
  'config.DISCORD_TOKEN',
  'config.SLACK_BOT_TOKEN',
  'config.SLACK_SIGNING_SECRET',
  'config.SLACK_APP_TOKEN',
  'DISCORD_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'response_url',
  '*.response_url',
  'payload.response_url',
  'body.response_url',
  'body.token',
  'payload.token',
];

/** JSON keys whose string values are secrets inside a logged text (Bolt logs whole envelopes as text). */
const SECRET_KEYS_IN_TEXT = 'token|response_url|signing_secret|client_secret|app_token|bot_token';
const TEXT_RULES: Array<[RegExp, string]> = [
  // "token":"...", also when the JSON is itself inside a JSON string (\"token\":\"...\").
  [
    new RegExp(`(\\\\?"(?:${SECRET_KEYS_IN_TEXT})\\\\?"\\s*:\\s*\\\\?")(?:[^"\\\\]|\\\\[^"])*(\\\\?")`, 'g'),
    '$1[redacted]$2',
  ],
  // token=...& in form bodies and query strings.
  [new RegExp(`\\b((?:${SECRET_KEYS_IN_TEXT})=)[^&\\s"]*`, 'g'), '$1[redacted]'],
  // Slack tokens and response URLs wherever they appear.
  [/\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+/g, '[redacted]'],
  [/https:\/\/hooks\.slack\.com\/[^\s"'\\]+/g, '[redacted]'],
];

/**
 * The text form of {@link REDACT}: secrets inside a logged message string (third-party libraries
 * such as Bolt's Socket Mode client log payloads as text, which path redaction cannot see).
 */
export function redactText(text: string): string {
  let out = text;
  for (const [re, to] of TEXT_RULES) out = out.replace(re, to);
  return out;
}

/** Plain objects and arrays with every string passed through {@link redactText}; other values as they are. */
function redactStrings(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redactText(v);
  if (depth === 0 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactStrings(x, depth - 1));
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactStrings(x, depth - 1);
  return out;
}

/** The process logger: JSON lines, or human-readable on a terminal (LOG_FORMAT=auto|json|pretty). */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  dest: NodeJS.WritableStream = process.stdout,
): Pino {
  const opts = {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: 'quizbot' },
    formatters: { log: (obj: Record<string, unknown>) => redactStrings(obj, 4) as Record<string, unknown> },
    hooks: {
      // Every message string, whoever logs it, passes the text redaction too.
      logMethod(this: Pino, args: Parameters<Pino['info']>, method: Pino['info']) {
        const clean = args.map((a: unknown) => (typeof a === 'string' ? redactText(a) : a));
        return method.apply(this, clean as Parameters<Pino['info']>);
      },
    },
  };
  const isTTY = (dest as { isTTY?: boolean }).isTTY === true;
  const usePretty = config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && isTTY);
  if (usePretty) return pino(opts, pretty({ destination: dest, colorize: isTTY, sync: true }));
  return pino(opts, dest);
}
