import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../src/store/open.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

/** A password-protected redis-server needs its own process: a shared TEST_REDIS_URL cannot be one. */
const shared = Boolean(process.env.TEST_REDIS_URL);

describe.skipIf(shared)(
  'Redis with requirepass (skipped: TEST_REDIS_URL given, needs its own server)',
  () => {
    let redis: TestRedis;
    const withPassword = (pw: string | null) => {
      const u = new URL(redis.url);
      if (pw !== null) u.password = pw;
      return u.toString();
    };
    beforeAll(async () => {
      redis = await startTestRedis({ args: ['--requirepass', 'right-password'] });
    });
    afterAll(async () => {
      await redis?.dispose();
    });

    it('a wrong password is reported as an authentication failure, at once, without the password', async () => {
      const err = await openStores({
        redisUrl: withPassword('wrong-password'),
        dataDir: 'unused',
        readyTimeoutMs: 10_000,
      }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/authentication failed/i);
      expect(err?.message).not.toMatch(/is it running/);
      expect(err?.message).not.toContain('wrong-password');
      expect(err?.message).toContain('REDIS_URL');
      // A StartupError: the CLI exits 3 (src/startup-error.ts).
      expect(err).toMatchObject({ name: 'StartupError', code: 'redis_auth' });
    });

    it('no password for a server that needs one says so', async () => {
      const err = await openStores({ redisUrl: withPassword(null), dataDir: 'unused' }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/authentication failed/i);
      expect(err?.message).toMatch(/needs a password/i);
    });

    it('the right password connects', async () => {
      const stores = await openStores({ redisUrl: withPassword('right-password'), dataDir: 'unused' });
      await stores.ping();
      await stores.close();
    });

    it('a server that is not there is still reported as unreachable', async () => {
      const u = new URL(redis.url);
      const { freePort } = await import('../helpers/redis.js');
      u.port = String(await freePort());
      const err = await openStores({ redisUrl: u.toString(), dataDir: 'unused', readyTimeoutMs: 500 }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/cannot reach Redis/);
      expect(err).toMatchObject({ name: 'StartupError', code: 'redis_unreachable' });
    });
  },
);
