import { describe, expect, it } from 'vitest';
import {
  EXIT_STATUS,
  EXIT_UNKNOWN,
  exitStatusOf,
  listenError,
  StartupError,
} from '../../src/startup-error.js';

describe('StartupError: the one table of exit statuses', () => {
  it('maps each start-up failure to its exit status', () => {
    expect(EXIT_STATUS).toEqual({
      config: 2,
      redis_unreachable: 3,
      redis_auth: 3,
      platform_auth: 4,
      listen: 5,
    });
    for (const [code, status] of Object.entries(EXIT_STATUS)) {
      expect(exitStatusOf(new StartupError(code as keyof typeof EXIT_STATUS, 'x')), code).toBe(status);
    }
  });

  it('keeps 1 for anything that is not a StartupError, and no code uses 0 or 1', () => {
    expect(EXIT_UNKNOWN).toBe(1);
    expect(exitStatusOf(new Error('boom'))).toBe(1);
    expect(exitStatusOf('a string')).toBe(1);
    expect(exitStatusOf(undefined)).toBe(1);
    for (const status of Object.values(EXIT_STATUS)) expect(status).toBeGreaterThan(1);
  });

  it('is an Error with its code, message and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new StartupError('redis_unreachable', 'cannot reach Redis', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('StartupError');
    expect(e.code).toBe('redis_unreachable');
    expect(e.message).toBe('cannot reach Redis');
    expect(e.cause).toBe(cause);
  });

  it('turns a listen refused by the system into a listen error naming the setting, and leaves others', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use :::8080'), {
      code: 'EADDRINUSE',
    });
    const e = listenError('the health and metrics server', 'HTTP_PORT', 8080, inUse);
    expect(e).toBeInstanceOf(StartupError);
    expect((e as StartupError).code).toBe('listen');
    expect((e as StartupError).message).toBe(
      'the health and metrics server cannot listen on port 8080 (HTTP_PORT): the port is in use',
    );
    expect(exitStatusOf(e)).toBe(5);
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect((listenError('the dashboard', 'WEB_PORT', 80, denied) as Error).message).toMatch(/not allowed/);
    const other = new Error('plugin failed');
    expect(listenError('the dashboard', 'WEB_PORT', 80, other)).toBe(other);
  });
});
