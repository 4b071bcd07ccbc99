import type { FastifyInstance } from 'fastify';
import type { AdminCommand } from '../../engine/api.js';
import { whenLocal } from '../../engine/daily/format.js';
import type { ChannelSchedule } from '../../engine/ports.js';
import { formatClose, formatWeekdays, nextOccurrence } from '../../engine/schedule.js';
import type { View } from '../../engine/views.js';
import { writeActor } from '../actor.js';
import type { WebDeps } from '../deps.js';
import { type Html, html } from '../html.js';
import { csrfField, notice, type PageCtx, page } from '../layout.js';
import { ctxOf, sendPage } from './common.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function weekdays(s: ChannelSchedule): string {
  return s.weekdays.map((d) => DAYS[d - 1]).join(',');
}

function closeText(s: ChannelSchedule): string {
  if (s.close.kind === 'at') return s.close.time;
  const m = s.close.minutes;
  return m % 60 === 0 ? `${m / 60}h` : `${m}m`;
}

type Form = Partial<Record<'channel' | 'deck' | 'time' | 'timezone' | 'weekdays' | 'close', string>>;

function scheduleForm(deps: WebDeps, ctx: PageCtx, f: Form, editing: boolean): Html {
  const field = (name: keyof Form, label: string, hint: string, extra: Html | string = '') =>
    html`<p><label for="f-${name}">${label}</label> <input id="f-${name}" name="${name}" value="${f[name] ?? ''}" aria-describedby="h-${name}"${extra}>
<small id="h-${name}">${hint}</small></p>`;
  const decks = deps.decks.list();
  return html`<form method="post" action="${ctx.teamPath}/schedules" class="card">
<h2>${editing ? `Edit the schedule of #${f.channel}` : 'Schedule a channel'}</h2>
${csrfField(ctx)}
${editing ? html`<input type="hidden" name="channel" value="${f.channel}">` : field('channel', 'Channel id', 'The channel to post the daily question to (its id).', html` required`)}
<p><label for="f-deck">Deck</label> <select id="f-deck" name="deck">${decks.map(
    (d) =>
      html`<option value="${d.id}"${d.id === f.deck ? html` selected` : ''}>${d.title} (${d.id})</option>`,
  )}</select></p>
${field('time', 'Local time', 'HH:MM, e.g. 09:00', html` required`)}
${field('timezone', 'Timezone', 'IANA name, e.g. Europe/Berlin', html` required`)}
${field('weekdays', 'Weekdays', 'mon-fri (default), mon,wed,fri, daily, weekends')}
${field('close', 'Closes', 'after a duration (8h, default) or at a local time (17:00)')}
<p><button type="submit">${editing ? 'Save changes' : 'Schedule'}</button></p>
</form>`;
}

function row(ctx: PageCtx, s: ChannelSchedule, now: number): Html {
  const act = (what: string, label: string) =>
    html`<form method="post" action="${ctx.teamPath}/schedules/${encodeURIComponent(s.channelId)}/${what}" class="inline">${csrfField(ctx)}<button type="submit" aria-label="${label} #${s.channelId}">${label}</button></form>`;
  const next = s.paused ? 'paused' : whenLocal(nextOccurrence(s, now).start, s.timezone);
  return html`<tr><td>#${s.channelId}</td><td>${s.deckId}</td><td>${s.time} ${s.timezone}</td><td>${formatWeekdays(s.weekdays)}</td><td>${formatClose(s.close)}</td><td>${next}</td>
<td><a href="${ctx.teamPath}/schedules/${encodeURIComponent(s.channelId)}/edit">Edit<span class="sr"> #${s.channelId}</span></a>
${s.paused ? act('resume', 'Resume') : act('pause', 'Pause')} ${act('post-now', 'Post now')} ${act('unschedule', 'Remove')}</td></tr>`;
}

async function listPage(
  deps: WebDeps,
  ctx: PageCtx,
  team: import('../../engine/ports.js').TeamRef,
  result?: View,
  form: Form = {},
): Promise<string> {
  const all = await deps.store.listSchedules(team);
  const now = deps.clock.now();
  const table = all.length
    ? html`<table><caption>Daily quizzes of this team</caption><thead><tr><th scope="col">Channel</th><th scope="col">Deck</th><th scope="col">Time</th><th scope="col">Weekdays</th><th scope="col">Closes</th><th scope="col">Next question</th><th scope="col">Actions</th></tr></thead>
<tbody>${all.map((s) => row(ctx, s, now))}</tbody></table>`
    : html`<p>No daily quiz is scheduled in this team yet.</p>`;
  return page({
    title: 'Schedules',
    ctx,
    active: 'schedules',
    body: html`${notice(result)}${table}${scheduleForm(deps, ctx, form, false)}`,
  });
}

/** Schedules: list, create, edit, pause, resume, post now, remove — each write is an engine admin command. */
export function registerSchedules(app: FastifyInstance, deps: WebDeps, base: string): void {
  app.get('/t/:platform/:teamId/schedules', async (req, reply) => {
    const ctx = ctxOf(req, base);
    return sendPage(reply, 200, await listPage(deps, ctx, ctx.team));
  });

  app.get('/t/:platform/:teamId/schedules/:channel/edit', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const { channel } = req.params as { channel: string };
    const s = await deps.store.getSchedule(ctx.team, channel);
    if (!s)
      return sendPage(
        reply,
        404,
        page({ title: 'Not found', ctx, body: html`<p>No daily quiz is scheduled in #${channel}.</p>` }),
      );
    const f: Form = {
      channel,
      deck: s.deckId,
      time: s.time,
      timezone: s.timezone,
      weekdays: weekdays(s),
      close: closeText(s),
    };
    return sendPage(
      reply,
      200,
      page({ title: 'Edit schedule', ctx, active: 'schedules', body: scheduleForm(deps, ctx, f, true) }),
    );
  });

  app.post('/t/:platform/:teamId/schedules', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const f = req.body as Form;
    const cmd: AdminCommand = {
      kind: 'schedule',
      channelId: (f.channel ?? '').trim().replace(/^#/, ''),
      deckId: f.deck ?? '',
      time: f.time ?? '',
      timezone: f.timezone ?? '',
      ...(f.weekdays?.trim() ? { weekdays: f.weekdays.trim() } : {}),
      ...(f.close?.trim() ? { close: f.close.trim() } : {}),
    };
    const view = await deps.engine.admin(await writeActor(deps, req), cmd);
    // A refusal keeps what was typed in the form, so nothing is lost.
    return sendPage(
      reply,
      view.code || view.tone === 'error' ? 400 : 200,
      await listPage(deps, ctx, ctx.team, view, view.code || view.tone === 'error' ? f : {}),
    );
  });

  app.post('/t/:platform/:teamId/schedules/:channel/:what', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const { channel, what } = req.params as { channel: string; what: string };
    if (what !== 'pause' && what !== 'resume' && what !== 'post-now' && what !== 'unschedule') {
      return sendPage(reply, 404, page({ title: 'Not found', ctx, body: html`<p>Unknown action.</p>` }));
    }
    const view = await deps.engine.admin(await writeActor(deps, req), { kind: what, channelId: channel });
    return sendPage(
      reply,
      view.code || view.tone === 'error' ? 400 : 200,
      await listPage(deps, ctx, ctx.team, view),
    );
  });
}
