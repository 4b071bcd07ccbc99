import type { View } from '../engine/views.js';
import { type Html, html, viewText } from './html.js';

/** What every signed-in page knows. */
export interface PageCtx {
  /** Path prefix of every link (`''` or `/quizbot` when PUBLIC_URL has a path). */
  base: string;
  /** Team path `/t/<platform>/<teamId>` under `base`. */
  teamPath: string;
  /** Team label for the header. */
  teamLabel: string;
  /** CSRF token for forms. */
  csrf: string;
}

const NAV = [
  ['schedules', 'Schedules'],
  ['decks', 'Decks'],
  ['leaderboard', 'Leaderboard'],
  ['settings', 'Settings'],
] as const;

/** The hidden CSRF field every form carries. */
export function csrfField(ctx: PageCtx): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

/** An engine view as a status message (role=status so screen readers announce it). */
export function notice(view: View | undefined): Html {
  if (!view) return html``;
  const tone = view.tone ?? (view.code ? 'warning' : 'success');
  return html`<div class="notice ${tone}" role="status">${view.title ? html`<strong>${view.title}</strong><br>` : ''}${viewText(view.text)}</div>`;
}

/** A whole page: header with the team and navigation, main content. No inline script or style. */
export function page(o: { title: string; ctx?: PageCtx; active?: string; body: Html }): string {
  const { ctx } = o;
  const nav = ctx
    ? html`<nav aria-label="Dashboard"><ul>${NAV.map(
        ([slug, label]) =>
          html`<li><a href="${ctx.teamPath}/${slug}"${o.active === slug ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}</ul></nav>`
    : '';
  const base = ctx?.base ?? '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
<title>${o.title} · quizbot</title>
<link rel="stylesheet" href="${base}/assets/app.css">
<script src="${base}/assets/htmx.min.js" defer></script>
</head>
<body>
<header><p class="brand">quizbot dashboard${ctx ? html` · <span>${ctx.teamLabel}</span>` : ''}</p>${nav}</header>
<main id="main">
<h1>${o.title}</h1>
${o.body}
</main>
</body>
</html>`.value;
}
