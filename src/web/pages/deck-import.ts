import type { FastifyInstance, FastifyReply } from 'fastify';
import { isDeckId } from '../../engine/actions.js';
import { type ImportFormat, type ImportResult, importDeck } from '../../engine/deck/import.js';
import { DECK_LIMITS } from '../../engine/deck/schema.js';
import { refusalView } from '../../engine/views.js';
import { writeActor } from '../actor.js';
import type { WebDeps } from '../deps.js';
import { type Html, html } from '../html.js';
import { csrfField, notice, type PageCtx, page } from '../layout.js';
import { ctxOf, sendPage } from './common.js';
import { editable } from './decks.js';

const FORMATS: readonly ImportFormat[] = ['auto', 'anki', 'quizlet', 'csv', 'tsv'];
const FORMAT_LABELS: Record<ImportFormat, string> = {
  auto: 'Detect from the file',
  anki: 'Anki (Notes in Plain Text)',
  quizlet: 'Quizlet export',
  csv: 'CSV',
  tsv: 'TSV',
};

/** The import form's fields (multipart, parsed by @fastify/multipart into key/values). */
type ImportBody = {
  file?: Buffer | string;
  source?: string;
  id?: string;
  title?: string;
  format?: string;
  op?: string;
};

/** What the admin typed, echoed back into the form. */
type Typed = { id: string; title: string; format: ImportFormat };

/** The upload form; `source` (a previewed file's text) replaces the file input on the save form. */
function importForm(ctx: PageCtx, t: Typed): Html {
  const options = FORMATS.map(
    (f) => html`<option value="${f}"${t.format === f ? ' selected' : ''}>${FORMAT_LABELS[f]}</option>`,
  );
  return html`<form method="post" action="${ctx.teamPath}/decks/import" enctype="multipart/form-data" class="card">
${csrfField(ctx)}
<p><label for="import-file">Anki, Quizlet, CSV or TSV file (UTF-8, at most ${DECK_LIMITS.maxFileBytes / 1024 / 1024} MiB)</label><br>
<input id="import-file" type="file" name="file" required accept=".txt,.csv,.tsv,.tab,text/plain,text/csv,text/tab-separated-values"></p>
<p><label for="import-format">Format</label><br><select id="import-format" name="format">${options}</select></p>
<p><label for="import-id">Deck id (the new file's name: lowercase letters, digits and "-")</label><br>
<input id="import-id" name="id" required maxlength="32" value="${t.id}"></p>
<p><label for="import-title">Title (optional)</label><br><input id="import-title" name="title" maxlength="${DECK_LIMITS.titleMax}" value="${t.title}"></p>
<p><button type="submit" name="op" value="preview">Preview</button> <button type="submit" name="op" value="save">Import and save</button></p>
</form>`;
}

/** The imported cards and the importer's findings, with a form that saves exactly this. */
function previewBlock(ctx: PageCtx, t: Typed, source: string, r: ImportResult): Html {
  const findings = r.warnings.length
    ? html`<ul class="problems">${r.warnings.map((w) => html`<li class="warning">Warning: ${w}</li>`)}</ul>`
    : html`<p class="ok">No problems found.</p>`;
  const rows = r.deck.cards.map((c) => {
    const q = c.quiz[0];
    return html`<tr><td>${c.id}</td><td>${c.front}</td><td>${c.back}</td><td>${q ? q.choices.join(' · ') : ''}</td></tr>`;
  });
  return html`<section aria-label="Import preview"><h2>Preview: ${r.deck.title} (${r.deck.cards.length} cards)</h2>
<div role="status">${findings}</div>
<form method="post" action="${ctx.teamPath}/decks/import" enctype="multipart/form-data">
${csrfField(ctx)}<input type="hidden" name="source" value="${source}"><input type="hidden" name="id" value="${t.id}"><input type="hidden" name="title" value="${t.title}"><input type="hidden" name="format" value="${t.format}">
<p><button type="submit" name="op" value="save">Save as deck ${t.id}</button></p></form>
<table><caption>Cards of the imported deck</caption><thead><tr><th scope="col">Id</th><th scope="col">Front</th><th scope="col">Back</th><th scope="col">Choices</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function importPage(reply: FastifyReply, ctx: PageCtx, status: number, t: Typed, extra: Html) {
  return sendPage(
    reply,
    status,
    page({ title: 'Import a deck file', ctx, active: 'decks', body: html`${extra}${importForm(ctx, t)}` }),
  );
}

const problem = (text: string) =>
  html`<div class="notice error" role="alert"><strong>Not imported.</strong> ${text} Nothing was saved.</div>`;

/** The uploaded (or previewed) file's text, or the reason it cannot be read. */
function sourceOf(b: ImportBody): { text: string } | { error: string } {
  if (typeof b.source === 'string' && b.source !== '') return { text: b.source };
  const bytes = Buffer.isBuffer(b.file) ? b.file : undefined;
  if (!bytes || bytes.length === 0) return { error: 'Choose a file to import.' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { error: 'The file is not UTF-8 text: export it again as UTF-8.' };
  }
}

/** Runs the engine importer; a problem (bad id, too few cards, unreadable input) becomes its message. */
function runImport(text: string, t: Typed): ImportResult | { error: string } {
  const r = importDeck(text, { id: t.id, format: t.format, ...(t.title ? { title: t.title } : {}) });
  return r.ok ? r.value : { error: `${r.error.message}.` };
}

/**
 * Deck import: upload an Anki / Quizlet / CSV / TSV file, preview the cards the engine's importer
 * makes (with its findings), and save them as a new deck file. Saving follows the card editor's
 * rules: a team in DASHBOARD_DECK_EDITORS, an admin now, never over an existing deck.
 */
export function registerDeckImport(app: FastifyInstance, deps: WebDeps, base: string): void {
  app.get('/t/:platform/:teamId/decks/import', async (req, reply) => {
    const ctx = ctxOf(req, base);
    if (!editable(deps, ctx.team)) return refusedImport(reply, ctx);
    return importPage(reply, ctx, 200, { id: '', title: '', format: 'auto' }, html``);
  });

  app.post('/t/:platform/:teamId/decks/import', async (req, reply) => {
    const ctx = ctxOf(req, base);
    if (!deps.deckFiles || !editable(deps, ctx.team)) return refusedImport(reply, ctx);
    const b = (req.body ?? {}) as ImportBody;
    const format = FORMATS.find((f) => f === b.format) ?? 'auto';
    const t: Typed = { id: String(b.id ?? '').trim(), title: String(b.title ?? '').trim(), format };
    if (!isDeckId(t.id)) {
      return importPage(
        reply,
        ctx,
        400,
        t,
        problem(
          `"${t.id}" is not a valid deck id: use lowercase letters, digits and "-", at most 32 characters.`,
        ),
      );
    }
    if (deps.decks.get(t.id))
      return importPage(
        reply,
        ctx,
        409,
        t,
        problem(`A deck with id "${t.id}" already exists: choose another id.`),
      );
    const src = sourceOf(b);
    if ('error' in src) return importPage(reply, ctx, 400, t, problem(src.error));
    const r = runImport(src.text, t);
    if ('error' in r) return importPage(reply, ctx, 400, t, problem(r.error));
    if (b.op !== 'save') return importPage(reply, ctx, 200, t, previewBlock(ctx, t, src.text, r));

    const actor = await writeActor(deps, req);
    if (!actor.isAdmin) {
      return sendPage(
        reply,
        403,
        page({
          title: 'Refused',
          ctx,
          active: 'decks',
          body: notice(refusalView('not_admin', 'Only team admins can import decks.')),
        }),
      );
    }
    const saved = await deps.deckFiles.create(r.deck, r.yaml);
    if (!saved.created)
      return importPage(
        reply,
        ctx,
        409,
        t,
        problem(`A deck with id "${t.id}" already exists: choose another id.`),
      );
    return reply.redirect(`${ctx.teamPath}/decks/${t.id}?imported=1`, 303);
  });
}

function refusedImport(reply: FastifyReply, ctx: PageCtx) {
  return sendPage(
    reply,
    403,
    page({
      title: 'Refused',
      ctx,
      active: 'decks',
      body: html`<p>Deck files are read-only for this team.</p>`,
    }),
  );
}
