import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { DECK_LIMITS } from '../engine/deck/schema.js';
import { listenError } from '../startup-error.js';
import { appCss, htmxScript } from './assets.js';
import { refuse, registerAuth, teamGuard } from './auth.js';
import { registerCharts } from './charts-route.js';
import type { WebDeps } from './deps.js';
import { html } from './html.js';
import { page } from './layout.js';
import { registerDecks } from './pages/decks.js';
import { registerLeaderboard } from './pages/leaderboard.js';
import { registerSchedules } from './pages/schedules.js';
import { registerSettings } from './pages/settings.js';

/** A listening dashboard. */
export interface WebServer {
  /** The Fastify app (tests inject requests). */
  app: FastifyInstance;
  /** Port it listens on. */
  port: number;
  /** Stops listening. */
  close(): Promise<void>;
}

/** The path prefix of PUBLIC_URL (`''` or `/quizbot`). */
export function basePath(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}

/** Security headers: a CSP without inline script or style, HSTS only under https. */
function helmetOptions(publicUrl: string): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // HSTS only means something over https; behind an http-only PUBLIC_URL it would lock users out.
    hsts: new URL(publicUrl).protocol === 'https:',
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts,
    // and the Origin check beside the CSRF token needs the real one.
    referrerPolicy: { policy: 'same-origin' },
  };
}

/** Builds the dashboard app (not listening). */
export async function buildWeb(deps: WebDeps): Promise<FastifyInstance> {
  const base = basePath(deps.publicUrl);
  const app = Fastify({ logger: false, trustProxy: true, bodyLimit: 256 * 1024 });
  await app.register(helmet, helmetOptions(deps.publicUrl));
  await app.register(cookie);
  await app.register(formbody);
  // Deck import only: one file, no larger than a deck file may be; the previewed text comes back
  // as a field, so fields get the same limit.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { files: 1, fileSize: DECK_LIMITS.maxFileBytes, fieldSize: DECK_LIMITS.maxFileBytes, fields: 10 },
  });
  await app.register(rateLimit, { global: false });
  // Set before the routes' scopes load, so errors raised inside them (a too-large upload) use it.
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) deps.log.error({ err, url: req.url }, 'dashboard request failed');
    const text =
      status === 429
        ? 'Too many sign-in attempts: wait a minute and try again.'
        : status === 413
          ? `The file is too large: a deck file may be at most ${DECK_LIMITS.maxFileBytes / 1024 / 1024} MiB. Nothing was saved.`
          : status < 500
            ? 'The request was not understood.'
            : 'Something went wrong; it is logged. Try again.';
    return refuse(reply, status, status === 429 ? 'Slow down' : 'Error', text, base);
  });
  const css = appCss();
  const htmx = htmxScript();

  await app.register(
    async (scope) => {
      scope.get('/assets/app.css', async (_req, reply) =>
        reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
      );
      scope.get('/assets/htmx.min.js', async (_req, reply) =>
        reply
          .type('text/javascript; charset=utf-8')
          .header('cache-control', 'public, max-age=3600')
          .send(htmx),
      );
      scope.get('/', async (_req, reply) =>
        reply.type('text/html; charset=utf-8').send(
          page({
            title: 'quizbot dashboard',
            body: html`<p>Team admins sign in with a one-time link: run <code>/quiz-admin dashboard</code> (Discord) or <code>/quiz dashboard</code> (Slack).</p>`,
          }),
        ),
      );
      if (deps.charts) registerCharts(scope, deps.charts);
      registerAuth(scope, deps, base);
      await scope.register(async (team) => {
        team.addHook('preHandler', teamGuard(deps, base));
        registerSchedules(team, deps, base);
        registerDecks(team, deps, base);
        registerLeaderboard(team, deps, base);
        registerSettings(team, deps, base);
      });
    },
    { prefix: base },
  );
  app.setNotFoundHandler((_req, reply) => refuse(reply, 404, 'Not found', 'There is no such page.', base));
  return app;
}

/** Builds the dashboard and listens on `port` (0: a free one) at `host`. */
export async function startWeb(deps: WebDeps, port: number, host = '0.0.0.0'): Promise<WebServer> {
  const app = await buildWeb(deps);
  await app.listen({ port, host }).catch(async (err: unknown) => {
    await app.close().catch(() => {});
    throw listenError('the dashboard', 'WEB_PORT', port, err);
  });
  const addr = app.server.address();
  return {
    app,
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => app.close(),
  };
}
