import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DeckCard } from '../../engine/deck/types.js';
import { refusalView } from '../../engine/views.js';
import { writeActor } from '../actor.js';
import type { CardCheck } from '../deck-files.js';
import { teamKey, type WebDeps } from '../deps.js';
import { type Html, html } from '../html.js';
import { csrfField, notice, type PageCtx, page } from '../layout.js';
import { ctxOf, sendPage } from './common.js';
import { registerDeckImport } from './deck-import.js';

const NEW_CARD = `id: new-card
front: The question side
back: The answer side
quiz:
  - question: The question as asked in the channel?
    choices: [Right answer, Wrong one, Another wrong one, A third wrong one]
    answer: Right answer
`;

/** The multiple-choice question as it will be posted (choices are shuffled when posted). */
export function preview(card: DeckCard | undefined): Html {
  const q = card?.quiz[0];
  if (!card || !q) return html``;
  return html`<section class="preview" aria-label="Preview of the daily question"><h2>Preview</h2>
<p class="q">${q.question}</p><ul class="choices">${q.choices.map((c) => html`<li><span class="choice">${c}</span></li>`)}</ul>
<p><small>Answer: ${q.answer}. The choices are shuffled when the question is posted.</small></p></section>`;
}

/** The lint result of the editor (also the htmx fragment). */
export function lintBlock(c: CardCheck | undefined, saved = false, loaded?: DeckCard): Html {
  if (!c) return html`<div id="lint" role="status">${preview(loaded)}</div>`;
  const card = c.deck?.cards.find((x) => x.id === c.cardId);
  const list = c.problems.length
    ? html`<ul class="problems">${c.problems.map(
        (p) =>
          html`<li class="${p.warning ? 'warning' : 'error'}">${p.warning ? 'Warning' : 'Error'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}</li>`,
      )}</ul>`
    : html`<p class="ok">No problems found.</p>`;
  return html`<div id="lint" role="status">${saved ? html`<p class="notice success">Saved.</p>` : ''}${list}${preview(card)}</div>`;
}

function editor(
  ctx: PageCtx,
  deckId: string,
  o: {
    text: string;
    version: string;
    original: string | null;
    editable: boolean;
    check?: CardCheck;
    saved?: boolean;
    /** The card as loaded now, previewed until the text is checked. */
    preview?: DeckCard | undefined;
  },
): Html {
  const action = `${ctx.teamPath}/decks/${deckId}/cards`;
  return html`<form method="post" action="${action}" class="card" hx-post="${ctx.teamPath}/decks/${deckId}/lint" hx-trigger="input changed delay:400ms from:#card-yaml" hx-target="#lint" hx-swap="outerHTML">
${csrfField(ctx)}
<input type="hidden" name="version" value="${o.version}">
<input type="hidden" name="original" value="${o.original ?? ''}">
<p><label for="card-yaml">Card (YAML, the same fields as in the deck file)</label></p>
<textarea id="card-yaml" name="card" rows="11" cols="80" spellcheck="false" aria-describedby="lint">${o.text}</textarea>
<p>${o.editable ? html`<button type="submit" name="op" value="save">Save card</button> ` : html`<small>Deck files are read-only for this team (see Settings).</small> `}<button type="submit" name="op" value="check" formaction="${ctx.teamPath}/decks/${deckId}/check">Check</button></p>
</form>
${lintBlock(o.check, o.saved, o.preview)}`;
}

/** Decks: browse, edit a card (checked by the engine's deck parser), add a card, preview. */
export function registerDecks(app: FastifyInstance, deps: WebDeps, base: string): void {
  registerDeckList(app, deps, base);
  registerCardEditor(app, deps, base);
  registerCardChecks(app, deps, base);
  registerCardSave(app, deps, base);
  registerDeckImport(app, deps, base);
}

/** Whether this team may edit deck files here. */
export function editable(deps: WebDeps, team: { platform: string; teamId: string }): boolean {
  return deps.deckFiles !== null && deps.deckEditors.has(teamKey(team as never));
}

function notFound(reply: FastifyReply, ctx: PageCtx, what: string) {
  return sendPage(reply, 404, page({ title: 'Not found', ctx, active: 'decks', body: html`<p>${what}</p>` }));
}

function refused(reply: FastifyReply, ctx: PageCtx, body: Parameters<typeof page>[0]['body']) {
  return sendPage(reply, 403, page({ title: 'Refused', ctx, active: 'decks', body }));
}

/** The text and version of a card to edit (a new card's template when `cardId` is null), or null. */
async function cardPage(deps: WebDeps, deckId: string, cardId: string | null) {
  if (!deps.deckFiles || !deps.decks.get(deckId)) return null;
  if (cardId === null) {
    const src = await deps.deckFiles.source(deckId);
    return { text: NEW_CARD, version: src.version };
  }
  return deps.deckFiles.cardText(deckId, cardId);
}

/** The fields of the card editor's form. */
type Body = { card?: string; original?: string; version?: string };

/** The deck parser's check of a card typed into the editor, or null for an unknown deck. */
async function checkOf(deps: WebDeps, deck: string, b: Body) {
  if (!deps.deckFiles || !deps.decks.get(deck)) return null;
  const src = await deps.deckFiles.source(deck);
  return deps.deckFiles.check(deck, src.text, b.card ?? '', b.original || null);
}

/** The deck list and one deck's cards. */
function registerDeckList(app: FastifyInstance, deps: WebDeps, base: string): void {
  app.get('/t/:platform/:teamId/decks', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const rows = deps.decks
      .list()
      .map(
        (d) =>
          html`<tr><td><a href="${ctx.teamPath}/decks/${d.id}">${d.title}</a></td><td>${d.id}</td><td>${d.cards.length}</td></tr>`,
      );
    return sendPage(
      reply,
      200,
      page({
        title: 'Decks',
        ctx,
        active: 'decks',
        body: html`${editable(deps, ctx.team) ? html`<p><a href="${ctx.teamPath}/decks/import">Import a deck file</a> (Anki, Quizlet, CSV or TSV)</p>` : ''}<table><caption>Loaded decks</caption><thead><tr><th scope="col">Title</th><th scope="col">Id</th><th scope="col">Cards</th></tr></thead><tbody>${rows}</tbody></table>`,
      }),
    );
  });

  app.get('/t/:platform/:teamId/decks/:deck', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const d = deps.decks.get((req.params as { deck: string }).deck);
    if (!d) return notFound(reply, ctx, 'No such deck.');
    const rows = d.cards.map(
      (c) =>
        html`<tr><td><a href="${ctx.teamPath}/decks/${d.id}/cards/${c.id}">${c.id}</a></td><td>${c.front}</td><td>${c.quiz.length}</td></tr>`,
    );
    const add = editable(deps, ctx.team)
      ? html`<p><a href="${ctx.teamPath}/decks/${d.id}/new">Add a card</a></p>`
      : '';
    return sendPage(
      reply,
      200,
      page({
        title: d.title,
        ctx,
        active: 'decks',
        body: html`${(req.query as { imported?: string }).imported ? html`<p class="notice success" role="status">Imported: the deck file ${d.id}.yaml is saved and loaded.</p>` : ''}${d.description ? html`<p>${d.description}</p>` : ''}${add}<table><caption>Cards of ${d.id}</caption><thead><tr><th scope="col">Id</th><th scope="col">Front</th><th scope="col">Quiz forms</th></tr></thead><tbody>${rows}</tbody></table>`,
      }),
    );
  });
}

/** The card editor: an existing card, or a new one. */
function registerCardEditor(app: FastifyInstance, deps: WebDeps, base: string): void {
  app.get('/t/:platform/:teamId/decks/:deck/cards/:card', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const { deck, card } = req.params as { deck: string; card: string };
    const c = await cardPage(deps, deck, card);
    if (!c) return notFound(reply, ctx, 'No such card.');
    return sendPage(
      reply,
      200,
      page({
        title: `Card ${card}`,
        ctx,
        active: 'decks',
        body: editor(ctx, deck, {
          ...c,
          original: card,
          editable: editable(deps, ctx.team),
          preview: deps.decks.card(deck, card),
        }),
      }),
    );
  });

  app.get('/t/:platform/:teamId/decks/:deck/new', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const { deck } = req.params as { deck: string };
    const c = await cardPage(deps, deck, null);
    if (!c || !editable(deps, ctx.team))
      return notFound(reply, ctx, 'Cards cannot be added to this deck here.');
    return sendPage(
      reply,
      200,
      page({
        title: `New card in ${deck}`,
        ctx,
        active: 'decks',
        body: editor(ctx, deck, { ...c, original: null, editable: true }),
      }),
    );
  });
}

/** Checking a card without saving: live (htmx fragment) and as a whole page. */
function registerCardChecks(app: FastifyInstance, deps: WebDeps, base: string): void {
  // htmx: live lint while typing (a fragment).
  app.post('/t/:platform/:teamId/decks/:deck/lint', async (req, reply) => {
    const c = await checkOf(deps, (req.params as { deck: string }).deck, req.body as Body);
    return reply.type('text/html; charset=utf-8').send(lintBlock(c ?? undefined).value);
  });

  // Without JavaScript: the same check as a whole page.
  app.post('/t/:platform/:teamId/decks/:deck/check', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const { deck } = req.params as { deck: string };
    const b = req.body as Body;
    const c = await checkOf(deps, deck, b);
    if (!c) return notFound(reply, ctx, 'No such deck.');
    return sendPage(
      reply,
      200,
      page({
        title: `Check card in ${deck}`,
        ctx,
        active: 'decks',
        body: editor(ctx, deck, {
          text: b.card ?? '',
          version: b.version ?? '',
          original: b.original || null,
          editable: editable(deps, ctx.team),
          check: c,
        }),
      }),
    );
  });
}

/** Saving a card (admins of a team that may edit deck files). */
function registerCardSave(app: FastifyInstance, deps: WebDeps, base: string): void {
  app.post('/t/:platform/:teamId/decks/:deck/cards', async (req, reply) => {
    const ctx = ctxOf(req, base);
    const { deck } = req.params as { deck: string };
    const b = req.body as Body;
    if (!deps.deckFiles || !editable(deps, ctx.team) || !deps.decks.get(deck)) {
      return refused(reply, ctx, html`<p>Deck files are read-only for this team.</p>`);
    }
    const actor = await writeActor(deps, req);
    if (!actor.isAdmin) {
      return refused(reply, ctx, notice(refusalView('not_admin', 'Only team admins can edit decks.')));
    }
    const r = await deps.deckFiles.save(deck, b.card ?? '', b.original || null, b.version ?? '');
    const version = r.saved ? (await deps.deckFiles.source(deck)).version : (b.version ?? '');
    const title = r.conflict ? 'The deck changed meanwhile' : r.saved ? `Card ${r.cardId}` : 'Card not saved';
    const note = r.conflict
      ? html`<p class="notice warning" role="status">Someone saved this deck after you opened the card: nothing was saved. Your text is kept below; reopen the card to edit the current version.</p>`
      : '';
    const status = r.saved ? 200 : r.conflict ? 409 : 400;
    return sendPage(
      reply,
      status,
      page({
        title,
        ctx,
        active: 'decks',
        body: html`${note}${editor(ctx, deck, { text: b.card ?? '', version, original: r.saved ? (r.cardId ?? null) : b.original || null, editable: true, check: r, saved: r.saved })}`,
      }),
    );
  });
}
