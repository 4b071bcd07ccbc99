import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../engine/api.js';

function line(parts: unknown[]): { obj: object; msg: string } {
  const err = parts.find((p): p is Error => p instanceof Error);
  const msg = parts
    .map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p)))
    .join(' ');
  return { obj: err ? { component: 'slack', err } : { component: 'slack' }, msg };
}

/** Bolt's and the Web API client's logging, sent to quizbot's logger (tagged `component: slack`). */
export function boltLogger(log: Logger, level: LogLevel = LogLevel.INFO): BoltLogger {
  let current = level;
  return {
    debug: (...m: unknown[]) => {
      const { obj, msg } = line(m);
      log.debug(obj, msg);
    },
    info: (...m: unknown[]) => {
      const { obj, msg } = line(m);
      log.info(obj, msg);
    },
    warn: (...m: unknown[]) => {
      const { obj, msg } = line(m);
      log.warn(obj, msg);
    },
    error: (...m: unknown[]) => {
      const { obj, msg } = line(m);
      log.error(obj, msg);
    },
    setLevel: (l: LogLevel) => {
      current = l;
    },
    getLevel: () => current,
    setName: () => {},
  };
}
