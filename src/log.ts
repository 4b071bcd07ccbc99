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
];

/** The process logger: JSON lines, or human-readable on a terminal (LOG_FORMAT=auto|json|pretty). */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  dest: NodeJS.WritableStream = process.stdout,
): Pino {
  const opts = {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: 'quizbot' },
  };
  const isTTY = (dest as { isTTY?: boolean }).isTTY === true;
  const usePretty = config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && isTTY);
  if (usePretty) return pino(opts, pretty({ destination: dest, colorize: isTTY, sync: true }));
  return pino(opts, dest);
}
