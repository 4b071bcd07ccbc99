import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuizCommand } from '../../src/adapters/slack/command-args.js';
import { DailyService } from '../../src/engine/daily.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { ReviewService } from '../../src/engine/review.js';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryReviewStore } from '../../src/store/memory/review-store.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { issueToken, LINK_TTL_MS, linkUrl, verifyToken } from '../../src/web/links.js';
import { RedisWebStore } from '../../src/web/web-store.js';
import { actor, ManualClock, testDeck } from '../helpers/engine.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { ADMIN, type Rig, startRig, TEAM_A } from './rig.js';

const team = TEAM_A;
const tokenOf = (link: string) => new URL(link).searchParams.get('t') as string;

describe('sign-in tokens', () => {
  const now = Date.UTC(2026, 10, 30, 8);
  const token = issueToken('s3cret', { team, userId: 'u1', operator: false }, now);

  it('verify with the same secret until 10 minutes have passed', () => {
    const v = verifyToken('s3cret', token, now + LINK_TTL_MS - 1);
    expect(v).toMatchObject({ ok: true, claims: { team, userId: 'u1', operator: false } });
    expect(verifyToken('s3cret', token, now + LINK_TTL_MS)).toEqual({ ok: false, problem: 'expired' });
  });

  it('refuse another secret, a changed payload and garbage', () => {
    expect(verifyToken('other', token, now)).toEqual({ ok: false, problem: 'bad_signature' });
    const [body, mac] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...claims, team: { platform: 'discord', teamId: 'other' } }),
    ).toString('base64url');
    expect(verifyToken('s3cret', `${forged}.${mac}`, now)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(verifyToken('s3cret', 'nope', now)).toEqual({ ok: false, problem: 'malformed' });
  });

  it('build the link under PUBLIC_URL, keeping a path prefix', () => {
    expect(linkUrl('https://q.example.com/quizbot', 'a.b')).toBe('https://q.example.com/quizbot/login?t=a.b');
    expect(linkUrl('https://q.example.com', 'a.b')).toBe('https://q.example.com/login?t=a.b');
  });
});

describe('single use across replicas (real redis-server)', () => {
  let server: TestRedis;
  let a: Redis;
  let b: Redis;
  beforeAll(async () => {
    server = await startTestRedis();
    a = new Redis(server.url);
    b = new Redis(server.url);
  });
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await server?.dispose();
  });

  it('exactly one of two replicas accepts the same link, however the calls interleave', async () => {
    const one = new RedisWebStore(a, server.prefix);
    const two = new RedisWebStore(b, server.prefix);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).consumeNonce('n1', 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await one.secret()).toBe(await two.secret());
  });
});

describe('sign-in over HTTP (https PUBLIC_URL, real redis-server)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ publicUrl: 'https://quiz.example.com', signInPerMinute: 4 });
  });
  afterAll(async () => rig?.close());

  it('sets a Secure, HttpOnly, SameSite=Lax session cookie that expires', async () => {
    const res = await rig.web.app.inject({
      method: 'POST',
      url: '/login',
      payload: { t: tokenOf(await rig.link(TEAM_A, ADMIN)) },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/discord/${TEAM_A.teamId}/schedules`);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Max-Age=28800/);
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('rate-limits sign-in attempts per client', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await rig.web.app.inject({
        method: 'POST',
        url: '/login',
        payload: { t: 'bad' },
        remoteAddress: '10.0.0.9',
      });
      codes.push(r.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 401, 429]);
  });
});

describe('under a PUBLIC_URL path prefix', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ publicUrl: 'https://example.com/quizbot' });
  });
  afterAll(async () => rig?.close());

  it('serves sign-in, pages and assets under the prefix, with the cookie scoped to it', async () => {
    const link = await rig.link(TEAM_A, ADMIN);
    expect(link.startsWith('https://example.com/quizbot/login?t=')).toBe(true);
    const res = await rig.web.app.inject({
      method: 'POST',
      url: '/quizbot/login',
      payload: { t: tokenOf(link) },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/quizbot/t/discord/${TEAM_A.teamId}/schedules`);
    expect(String(res.headers['set-cookie'])).toMatch(/Path=\/quizbot\//);
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    const page = await rig.web.app.inject({ url: res.headers.location as string, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/quizbot/assets/app.css"');
    expect((await rig.web.app.inject({ url: '/quizbot/assets/htmx.min.js' })).statusCode).toBe(200);
  });
});

describe('/quiz-admin dashboard through the engine', () => {
  const decks = new DeckSet([testDeck(3)]);
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 8));
  const doc = new PersistedDoc<Record<string, unknown>>(null, () => ({}));
  const review = new ReviewService({ store: new MemoryReviewStore(doc), decks, clock });
  const daily = new DailyService({
    store: new MemoryTeamStore(doc),
    decks,
    clock,
    chat: () => undefined,
  });
  const issued: string[] = [];
  const engine = new QuizEngine({
    review,
    decks,
    daily,
    dashboardLink: async (t, u) => {
      issued.push(`${t.platform}:${t.teamId}/${u.userId}`);
      return `https://quiz.example.com/login?t=${issued.length}`;
    },
  });

  it('gives an admin a private link bound to the team and the admin', async () => {
    const v = await engine.admin(actor('u1', { isAdmin: true }), { kind: 'dashboard' });
    expect(v.private).toBe(true);
    expect(v.text).toContain('https://quiz.example.com/login?t=1');
    expect(issued).toEqual(['discord:g1/u1']);
  });

  it('refuses a member and a DM, and says when the dashboard is off', async () => {
    const refused = await engine.admin(actor('u2'), { kind: 'dashboard' });
    expect(refused.code).toBe('not_admin');
    expect(refused.text).toBe('Only team admins can open the team dashboard.');
    expect((await engine.admin(actor('u1', { isAdmin: true, team: null }), { kind: 'dashboard' })).code).toBe(
      'bad_argument',
    );
    expect(issued).toHaveLength(1);
    const off = new QuizEngine({ review, decks, daily });
    expect((await off.admin(actor('u1', { isAdmin: true }), { kind: 'dashboard' })).text).toContain(
      'PUBLIC_URL',
    );
  });

  it('is `/quiz dashboard` on Slack', () => {
    expect(parseQuizCommand('dashboard')).toEqual({ kind: 'admin', cmd: { kind: 'dashboard' } });
  });
});
