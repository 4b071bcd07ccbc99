import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DailyService } from '../../src/engine/daily.js';
import type { DeckSet } from '../../src/engine/deck/types.js';
import type { QuizEngine } from '../../src/engine/engine.js';
import type { TeamStore } from '../../src/engine/ports.js';
import type { ChartStore } from '../../src/web/chart-store.js';
import type { AdminCheck } from '../../src/web/deps.js';
import { issueToken, linkUrl } from '../../src/web/links.js';
import { startWeb, type WebServer } from '../../src/web/server.js';
import { MemoryWebStore } from '../../src/web/web-store.js';
import { freePort } from '../helpers/redis.js';

/** The dashboard link option of the engine, signed with `store`'s secret as core.ts does. */
export function dashboardLinkOf(store: MemoryWebStore, publicUrl: string) {
  return async (team: Parameters<typeof issueToken>[1]['team'], user: { userId: string }) =>
    linkUrl(
      publicUrl,
      issueToken(await store.secret(), { team, userId: user.userId, operator: false }, Date.now()),
    );
}

/** An embedded-store web store and a free port for a dashboard started later with the engine. */
export async function webParts(): Promise<{ store: MemoryWebStore; url: string; port: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qb-dash-e2e-'));
  const port = await freePort();
  return { store: new MemoryWebStore(dir), url: `http://127.0.0.1:${port}`, port, dir };
}

/** Starts the dashboard on the engine the chat adapter uses, with the platform's real admin check. */
export async function startDashboardFor(o: {
  parts: Awaited<ReturnType<typeof webParts>>;
  engine: QuizEngine;
  daily: DailyService;
  store: TeamStore;
  decks: DeckSet;
  isAdmin: AdminCheck;
  charts?: ChartStore;
}): Promise<WebServer & { dispose(): Promise<void> }> {
  const web = await startWeb(
    {
      engine: o.engine,
      daily: o.daily,
      store: o.store,
      decks: o.decks,
      deckFiles: null,
      deckEditors: new Set(),
      webStore: o.parts.store,
      charts: o.charts,
      isAdmin: o.isAdmin,
      publicUrl: o.parts.url,
      clock: { now: () => Date.now() },
      log: { error() {}, warn() {}, info() {}, debug() {} },
    },
    o.parts.port,
    '127.0.0.1',
  );
  return {
    ...web,
    dispose: async () => {
      await web.close();
      rmSync(o.parts.dir, { recursive: true, force: true });
    },
  };
}

/** Follows a sign-in link with plain HTTP: GET (a button only), then POST; returns the session cookie. */
export async function signInWith(
  link: string,
): Promise<{ status: number; cookie: string | null; location: string | null }> {
  const get = await fetch(link);
  if (get.status !== 200) return { status: get.status, cookie: null, location: null };
  const t = new URL(link).searchParams.get('t') ?? '';
  const post = await fetch(new URL('/login', link), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t }).toString(),
  });
  const set = post.headers.get('set-cookie');
  return {
    status: post.status,
    cookie: set ? (set.split(';')[0] ?? null) : null,
    location: post.headers.get('location'),
  };
}

/** The CSRF token on a signed-in page. */
export async function csrfOf(url: string, cookie: string): Promise<string> {
  const page = await (await fetch(url, { headers: { cookie } })).text();
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
}

/** Posts a dashboard form as a signed-in browser would (cookie, CSRF token, same Origin). */
export async function postForm(
  url: string,
  cookie: string,
  form: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, origin: new URL(url).origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, text: await res.text() };
}
