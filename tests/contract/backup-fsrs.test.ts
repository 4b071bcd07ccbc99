import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamReviewLine } from '../../src/engine/fsrs/log.js';
import type { FitAttempt, FsrsParams, FsrsStore, TeamRef } from '../../src/engine/ports.js';
import { BackupError, type BackupStores, exportAll, importAll } from '../../src/store/backup.js';
import type { FsrsBackupPort } from '../../src/store/fsrs-export.js';
import { appendTeamReview, MemoryFsrsStore } from '../../src/store/memory/fsrs-store.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { connectRedis, waitReady } from '../../src/store/redis/connect.js';
import { RedisFsrsStore } from '../../src/store/redis/fsrs-store.js';
import { Keys } from '../../src/store/redis/keys.js';
import { RedisReviewStore } from '../../src/store/redis/review-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const NOW = Date.now();
const TEAM: TeamRef = { platform: 'discord', teamId: '900000000000000001' };
const OTHER: TeamRef = { platform: 'slack', teamId: 'T0FSRS' };
const W = Array.from({ length: 21 }, (_, i) => 0.1 + i / 10);

const params: FsrsParams = {
  version: 3,
  w: W,
  fittedAt: NOW - 1_000,
  trainReviews: 4_000,
  testReviews: 1_000,
  before: { logLoss: 0.41, rmseBins: 0.06 },
  after: { logLoss: 0.37, rmseBins: 0.04 },
};
const attempt: FitAttempt = {
  at: NOW - 1_000,
  newest: NOW - 5_000,
  outcome: 'adopted',
  before: params.before,
  after: params.after,
};

type Side = BackupStores & { fsrs: FsrsStore & FsrsBackupPort };

function memorySide(): Side & { doc: PersistedDoc<Record<string, unknown>> } {
  const doc = new PersistedDoc<Record<string, unknown>>(null, () => ({}));
  return { doc, review: new MemoryReviewStore(doc), fsrs: new MemoryFsrsStore(doc) };
}

/** What a team's FSRS data reads as through the port (what the fit and the grade use). */
async function view(f: FsrsStore, t: TeamRef) {
  return { log: await f.teamReviews(t, NOW), params: await f.params(t), attempts: await f.attempts(t) };
}

async function exportText(s: BackupStores): Promise<string> {
  let text = '';
  await exportAll(s, (l) => (text += l), new Date(NOW));
  return text;
}

describe('backup of the teams’ FSRS data (review log and fitted parameters)', () => {
  let server: TestRedis;
  let redis: Redis;
  let n = 0;
  beforeAll(async () => {
    server = await startTestRedis();
    redis = connectRedis(server.url);
    await waitReady(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });
  const redisSide = (): Side => {
    const keys = new Keys(`${server.prefix}bf${++n}`);
    return { review: new RedisReviewStore(redis, keys), fsrs: new RedisFsrsStore(redis, keys) };
  };

  it('round-trips embedded -> Redis -> embedded: the same log, parameters and attempts, and the fit index', async () => {
    const from = memorySide();
    const user = { platform: 'discord' as const, userId: 'u1' };
    for (let i = 0; i < 300; i++)
      appendTeamReview(
        from.doc,
        TEAM,
        teamReviewLine(NOW - (300 - i) * 60_000, 'kubernetes', user, `c${i % 7}`, i % 3, 1 + (i % 4)),
        NOW - (300 - i) * 60_000,
      );
    await from.fsrs.saveParams(TEAM, null, params);
    await from.fsrs.saveParams(TEAM, 'kubernetes', { ...params, version: 1 });
    await from.fsrs.saveAttempt(TEAM, null, attempt);
    // A team with parameters whose log has expired: its parameters still move.
    await from.fsrs.saveParams(OTHER, null, { ...params, version: 7 });
    const before = [await view(from.fsrs, TEAM), await view(from.fsrs, OTHER)];
    expect(before[0]?.log).toHaveLength(300);

    const text = await exportText(from);
    const fsrsLines = text.split('\n').filter((l) => l.includes('"type":"fsrs"'));
    expect(fsrsLines).toHaveLength(2);

    const mid = redisSide();
    expect(await importAll(mid, text, { now: NOW })).toEqual({ users: 0, teams: 0, fsrs: 2 });
    expect([await view(mid.fsrs, TEAM), await view(mid.fsrs, OTHER)]).toEqual(before);
    expect(await mid.fsrs.teamsWithReviews(NOW)).toEqual([TEAM]);
    // Importing again replaces, never appends.
    await importAll(mid, text, { now: NOW });
    expect((await mid.fsrs.teamReviews(TEAM, NOW)).length).toBe(300);

    const back = memorySide();
    await importAll(back, await exportText(mid), { now: NOW });
    expect([await view(back.fsrs, TEAM), await view(back.fsrs, OTHER)]).toEqual(before);
  });

  it('refuses a record with a damaged log line or parameter value, writing nothing', async () => {
    const from = memorySide();
    await from.fsrs.saveParams(TEAM, null, params);
    const text = await exportText(from);
    const lines = text.trim().split('\n');
    const rec = JSON.parse(lines[1] as string) as { fields: Record<string, string>; log: string[] };
    for (const tamper of [
      (r: typeof rec) => {
        r.fields['p:'] = '{"version":"x"}';
      },
      (r: typeof rec) => {
        r.log = ['not a line'];
      },
    ]) {
      const bad = structuredClone(rec);
      tamper(bad);
      const body = [lines[0], JSON.stringify(bad)].map((l) => `${l}\n`).join('');
      const { createHash } = await import('node:crypto');
      const signed = `${body}${JSON.stringify({ type: 'end', records: 1, sha256: createHash('sha256').update(body).digest('hex') })}\n`;
      const to = redisSide();
      await expect(importAll(to, signed, { now: NOW })).rejects.toThrow(BackupError);
      await expect(importAll(to, signed, { now: NOW })).rejects.toThrow(/line 2: invalid fsrs record/);
      expect(await view(to.fsrs, TEAM)).toEqual({ log: [], params: { team: null, decks: {} }, attempts: {} });
    }
  });
});
