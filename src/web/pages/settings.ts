import type { FastifyInstance } from 'fastify';
import { teamKey, type WebDeps } from '../deps.js';
import { html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { ctxOf, sendPage } from './common.js';

/**
 * Team settings: what the bot knows about the team and how the dashboard treats it. The team's
 * timezone follows its schedules (the engine sets it with each schedule change), so it is shown,
 * not edited here.
 */
export function registerSettings(app: FastifyInstance, deps: WebDeps, base: string): void {
  app.get('/t/:platform/:teamId/settings', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const s = req.session;
    const tz = (await deps.store.teamTimezone(ctx.team)) ?? 'not set (no schedule yet)';
    const schedules = await deps.store.listSchedules(ctx.team);
    const editor = deps.deckFiles !== null && deps.deckEditors.has(teamKey(ctx.team));
    const body = html`<dl class="card">
<dt>Platform</dt><dd>${ctx.team.platform}</dd>
<dt>Team id</dt><dd>${ctx.team.teamId}</dd>
<dt>Team timezone</dt><dd>${tz}</dd>
<dt>Scheduled channels</dt><dd>${schedules.length} (${schedules.filter((x) => x.paused).length} paused)</dd>
<dt>Decks</dt><dd>${editor ? 'editable by this team (deck files under DECKS_DIR)' : 'read-only for this team: deck files are shared by every team; the operator lists the teams that may edit them in DASHBOARD_DECK_EDITORS'}</dd>
<dt>Signed in as</dt><dd>${s?.operator ? 'the operator (link printed by quizbot dashboard link)' : `user ${s?.userId}`}</dd>
<dt>Session ends</dt><dd>${s ? new Date(s.expiresAt).toISOString().slice(0, 16).replace('T', ' ') : ''} UTC</dd>
</dl>
<form method="post" action="${base}/logout">${csrfField(ctx)}<button type="submit">Sign out</button></form>`;
    return sendPage(reply, 200, page({ title: 'Team settings', ctx, active: 'settings', body }));
  });
}
