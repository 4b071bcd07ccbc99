import type { FastifyInstance } from 'fastify';
import type { Period } from '../../engine/api.js';
import { readActor } from '../actor.js';
import type { WebDeps } from '../deps.js';
import { html } from '../html.js';
import { notice, page } from '../layout.js';
import type { WebSession } from '../web-store.js';
import { ctxOf, sendPage } from './common.js';

const PERIODS: [Period, string][] = [
  ['week', 'This week'],
  ['last-week', 'Last week'],
  ['month', 'This month'],
  ['last-month', 'Last month'],
  ['all', 'All time'],
];

/** Leaderboards: this/last week and month, all time, or any named week (`2026-W47`) or month (`2026-11`). */
export function registerLeaderboard(app: FastifyInstance, deps: WebDeps, base: string): void {
  app.get('/t/:platform/:teamId/leaderboard', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const q = req.query as { period?: string; key?: string };
    const key = q.key?.trim() || undefined;
    // A named period: a week key reads the week board, a month key the month board.
    const period: Period = key
      ? /W/i.test(key)
        ? 'week'
        : 'month'
      : (PERIODS.find(([p]) => p === q.period)?.[0] ?? 'week');
    const view = await deps.daily.leaderboard(
      readActor(req.session as WebSession),
      period,
      key?.toUpperCase(),
    );
    const links = html`<nav aria-label="Periods"><ul class="periods">${PERIODS.map(
      ([p, label]) =>
        html`<li><a href="${ctx.teamPath}/leaderboard?period=${p}"${!key && p === period ? html` aria-current="page"` : ''}>${label}</a></li>`,
    )}</ul></nav>
<form method="get" action="${ctx.teamPath}/leaderboard" class="inline"><label for="key">Week or month</label> <input id="key" name="key" value="${key ?? ''}" placeholder="2026-W47 or 2026-11"> <button type="submit">Show</button></form>`;
    const board = html`<section class="card" aria-label="Leaderboard">${notice({ ...view, tone: view.code ? (view.tone ?? 'warning') : 'info' })}${(view.fields ?? []).map((f) => html`<p>${f.name}: ${f.value}</p>`)}</section>`;
    return sendPage(
      reply,
      view.code ? 400 : 200,
      page({ title: 'Leaderboard', ctx, active: 'leaderboard', body: html`${links}${board}` }),
    );
  });
}
