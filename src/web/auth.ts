import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../engine/ports.js';
import type { WebDeps } from './deps.js';
import { html } from './html.js';
import { page } from './layout.js';
import { verifyToken } from './links.js';
import type { WebSession } from './web-store.js';

/** Session cookie name. */
export const COOKIE = 'qb_session';
const DEFAULT_SESSION_MS = 8 * 3_600_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session of a team page (set by the team hook). */
    session?: WebSession;
  }
}

const equal = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** A small page that says what went wrong and what to do. */
export function refuse(reply: FastifyReply, status: number, title: string, text: string, base: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(page({ title, body: html`<p>${text}</p><p><a href="${base}/">Dashboard home</a></p>` }));
}

/** Sign-in (GET shows a button, POST consumes the link), sign-out and the per-team guard. */
export function registerAuth(app: FastifyInstance, deps: WebDeps, base: string): void {
  const secure = new URL(deps.publicUrl).protocol === 'https:';
  const ttl = deps.sessionTtlMs ?? DEFAULT_SESSION_MS;
  const limit = { max: deps.signInPerMinute ?? 10, timeWindow: 60_000 };

  // GET only shows a button: link previews (chat unfurlers) fetch GETs and must not use the link.
  app.get('/login', { config: { rateLimit: limit } }, async (req, reply) => {
    const t = (req.query as { t?: string }).t ?? '';
    return reply.type('text/html; charset=utf-8').send(
      page({
        title: 'Sign in',
        body: html`<p>This one-time link signs you in to your team's quizbot dashboard.</p>
<form method="post" action="${base}/login"><input type="hidden" name="t" value="${t}">
<button type="submit">Sign in</button></form>`,
      }),
    );
  });

  app.post('/login', { config: { rateLimit: limit } }, async (req, reply) => {
    const token = String((req.body as { t?: string } | undefined)?.t ?? '');
    const now = deps.clock.now();
    const v = verifyToken(await deps.webStore.secret(), token, now);
    const again = 'Ask for a new link with /quiz-admin dashboard (Discord) or /quiz dashboard (Slack).';
    if (!v.ok) {
      const why =
        v.problem === 'expired'
          ? 'This sign-in link has expired (links last 10 minutes).'
          : 'This sign-in link is not valid.';
      return refuse(reply, 401, 'Link refused', `${why} ${again}`, base);
    }
    const { claims } = v;
    // Atomic single use, across replicas: the nonce is kept until the link would have expired.
    if (!(await deps.webStore.consumeNonce(claims.nonce, claims.exp - now))) {
      return refuse(reply, 401, 'Link refused', `This sign-in link was used already. ${again}`, base);
    }
    const id = randomBytes(32).toString('base64url');
    const session: WebSession = {
      team: claims.team,
      userId: claims.userId,
      operator: claims.operator,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: now + ttl,
    };
    await deps.webStore.putSession(id, session, ttl);
    reply.setCookie(COOKIE, id, {
      path: `${base}/`,
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: Math.floor(ttl / 1000),
    });
    return reply.redirect(`${teamPath(base, claims.team.platform, claims.team.teamId)}/schedules`, 303);
  });

  app.post('/logout', async (req, reply) => {
    const id = req.cookies[COOKIE];
    if (id) {
      const s = await deps.webStore.getSession(id, deps.clock.now());
      const given = String((req.body as { _csrf?: string } | undefined)?._csrf ?? '');
      if (!s || !equal(given, s.csrf))
        return refuse(reply, 403, 'Refused', 'The form is missing its security token.', base);
      await deps.webStore.deleteSession(id);
    }
    reply.clearCookie(COOKIE, { path: `${base}/` });
    return refuse(reply, 200, 'Signed out', 'You are signed out.', base);
  });
}

/** `/t/<platform>/<teamId>` under `base`. */
export function teamPath(base: string, platform: Platform, teamId: string): string {
  return `${base}/t/${platform}/${encodeURIComponent(teamId)}`;
}

/**
 * Guard of every team page: a live session (401 otherwise), of this very team (403 otherwise),
 * and on every POST the session's CSRF token (403 otherwise) and a same-origin Origin header.
 */
export function teamGuard(deps: WebDeps, base: string) {
  const origin = new URL(deps.publicUrl).origin;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const id = req.cookies[COOKIE];
    const s = id ? await deps.webStore.getSession(id, deps.clock.now()) : null;
    if (!s) {
      return refuse(
        reply,
        401,
        'Sign in',
        'Sign in first: run /quiz-admin dashboard (Discord) or /quiz dashboard (Slack) and open the link.',
        base,
      );
    }
    const p = req.params as { platform: string; teamId: string };
    if (s.team.platform !== p.platform || s.team.teamId !== p.teamId) {
      return refuse(reply, 403, 'Not your team', 'This dashboard session belongs to another team.', base);
    }
    if (req.method === 'POST') {
      const given = String((req.body as { _csrf?: string } | undefined)?._csrf ?? '');
      const o = req.headers.origin;
      if (
        !equal(given, s.csrf) ||
        (o !== undefined &&
          o !== origin &&
          o !== `http://${req.headers.host}` &&
          o !== `https://${req.headers.host}`)
      ) {
        return refuse(
          reply,
          403,
          'Refused',
          'The form is missing its security token. Reload the page and try again.',
          base,
        );
      }
    }
    req.session = s;
  };
}
