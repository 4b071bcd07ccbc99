import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, CHROMIUM, hasChromium, MEMBER, type Rig, startRig, TEAM_A, TEAM_B } from './rig.js';

const teamPath = `/t/${TEAM_A.platform}/${TEAM_A.teamId}`;

/** Clicks a submit button and waits for the page the POST answers with. */
async function submit(page: Page, button: ReturnType<Page['getByRole']>): Promise<void> {
  await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    button.click(),
  ]);
  await page.waitForLoadState('load');
}

/** Opens a sign-in link in a fresh context and presses Sign in; returns the signed-in page. */
async function signIn(browser: Browser, link: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext();
  ctx.setDefaultTimeout(8_000);
  const page = await ctx.newPage();
  await page.goto(link);
  await Promise.all([page.waitForURL(/\/schedules$/), page.getByRole('button', { name: 'Sign in' }).click()]);
  return { ctx, page };
}

/** axe-core's serious and critical violations on the page as it is now, as `label: id (impact)`. */
async function axeFindings(page: Page, label: string): Promise<string[]> {
  const require = createRequire(import.meta.url);
  // Evaluated through the DevTools protocol, so the page's CSP does not block it.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const r = await (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> };
      }
    ).axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${label}: ${v.id} (${v.impact})`);
}

describe.skipIf(!hasChromium)(`dashboard in Chromium (${CHROMIUM}; install Debian's chromium to run)`, () => {
  let rig: Rig;
  let browser: Browser;
  let admin: { ctx: BrowserContext; page: Page };

  beforeAll(async () => {
    rig = await startRig();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('signs in with a one-time link: session cookie HttpOnly and SameSite=Lax, CSP without inline script', async () => {
    const link = await rig.link(TEAM_A, ADMIN);
    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(8_000);
    const page = await ctx.newPage();
    await page.goto(link);
    // The GET only shows a button (link previews must not use the link up).
    expect(await ctx.cookies()).toEqual([]);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${teamPath}/schedules`)),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(res.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Schedules');
    const [cookie] = await ctx.cookies();
    expect(cookie).toMatchObject({ name: 'qb_session', httpOnly: true, sameSite: 'Lax', secure: false });
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    admin = { ctx, page };
  });

  it('refuses the same link a second time, and an expired one', async () => {
    const link = await rig.link(TEAM_A, ADMIN);
    const first = await signIn(browser, link);
    await first.ctx.close();
    const page = await (await browser.newContext()).newPage();
    await page.goto(link);
    const [again] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(again.status()).toBe(401);
    expect(await page.textContent('main')).toContain('was used already');

    await page.goto(await rig.link(TEAM_A, ADMIN, 11 * 60_000));
    const [old] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(old.status()).toBe(401);
    expect(await page.textContent('main')).toContain('has expired');
    await page.context().close();
  });

  it('creates a schedule that the list command shows through the engine; a bad value gets the command message', async () => {
    const { page } = admin;
    await page.goto(`${rig.url}${teamPath}/schedules`);
    await page.getByLabel('Channel id').fill('c-general');
    await page.getByLabel('Deck').selectOption('demo');
    await page.getByLabel('Local time').fill('09:30');
    await page.getByLabel('Timezone').fill('CEST');
    await page.getByLabel('Weekdays').fill('mon,wed,fri');
    await submit(page, page.getByRole('button', { name: 'Schedule' }));
    const refusal = await page.getByRole('status').textContent();
    const viaCommand = await rig.engine.admin(rig.actor(ADMIN, true), {
      kind: 'schedule',
      channelId: 'c-general',
      deckId: 'demo',
      time: '09:30',
      timezone: 'CEST',
    });
    expect(refusal?.replace(/\s+/g, ' ')).toContain(
      viaCommand.text.split('\n')[0]?.replace(/`/g, '').slice(0, 40),
    );
    // Nothing typed is lost.
    expect(await page.getByLabel('Channel id').inputValue()).toBe('c-general');

    await page.getByLabel('Timezone').fill('Europe/Berlin');
    await submit(page, page.getByRole('button', { name: 'Schedule' }));
    expect(await page.getByRole('status').textContent()).toContain('Daily quiz scheduled');
    const list = await rig.engine.admin(rig.actor(ADMIN, false), { kind: 'list' });
    expect(list.text).toMatch(/c-general.*09:30/);
    expect(list.text).toContain('Europe/Berlin');
    expect(await page.locator('table').textContent()).toContain('#c-general');
  });

  it('pauses and resumes a schedule with the engine messages', async () => {
    const { page } = admin;
    await page.goto(`${rig.url}${teamPath}/schedules`);
    await submit(page, page.getByRole('button', { name: 'Pause #c-general' }));
    expect(await page.getByRole('status').textContent()).toContain('Daily quiz paused');
    expect((await rig.stores.team.getSchedule(TEAM_A, 'c-general'))?.paused).toBe(true);
    await submit(page, page.getByRole('button', { name: 'Resume #c-general' }));
    expect(await page.getByRole('status').textContent()).toContain('Daily quiz resumed');
    expect((await rig.stores.team.getSchedule(TEAM_A, 'c-general'))?.paused).toBe(false);
  });

  it('edits a card: a lint error from the deck parser (live and on save), then the fix is saved', async () => {
    const { page } = admin;
    const file = join(rig.decksDir, 'demo.yaml');
    const before = readFileSync(file, 'utf8');
    await page.goto(`${rig.url}${teamPath}/decks/demo/cards/chroot`);
    const area = page.getByLabel(/Card \(YAML/);
    const broken = (await area.inputValue()).replace('answer: Its root directory', 'answer: Its root folder');
    // Live lint through htmx: typing posts the text, the fragment shows the parser's message.
    await area.fill(broken);
    await page.locator('#lint li.error').first().waitFor();
    expect(await page.locator('#lint').textContent()).toContain('Its root folder');
    await submit(page, page.getByRole('button', { name: 'Save card' }));
    expect(await page.locator('#lint li.error').first().textContent()).toMatch(/answer/i);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await area.inputValue()).toBe(broken);

    const fixed = broken
      .replace('answer: Its root folder', 'answer: Its root directory')
      .replace('front: chroot', 'front: What is chroot?');
    await area.fill(fixed);
    await submit(page, page.getByRole('button', { name: 'Save card' }));
    expect(await page.locator('#lint').textContent()).toContain('Saved.');
    expect(await page.locator('#lint .preview').textContent()).toContain(
      'What does chroot change for a process?',
    );
    const after = readFileSync(file, 'utf8');
    expect(after).toContain('front: What is chroot?');
    expect(after).toContain('# Demo deck of the dashboard tests.');
    expect(rig.decks.card('demo', 'chroot')?.front).toBe('What is chroot?');
  });

  it("opens last week's leaderboard", async () => {
    const { page } = admin;
    await page.goto(`${rig.url}${teamPath}/leaderboard`);
    await Promise.all([
      page.waitForURL(/period=last-week/),
      page.getByRole('link', { name: 'Last week' }).click(),
    ]);
    const board = await page.getByRole('region', { name: 'Leaderboard' }).textContent();
    expect(board).toContain('week 2026-W48');
    expect(board).toContain('Ada Admin — 15 pts');
    await page.goto(`${rig.url}${teamPath}/leaderboard?key=2026-W48`);
    expect(await page.getByRole('region', { name: 'Leaderboard' }).textContent()).toContain(
      'Ada Admin — 15 pts',
    );
  });

  it("refuses another team's page with 403", async () => {
    const res = await admin.page.goto(`${rig.url}/t/${TEAM_B.platform}/${TEAM_B.teamId}/schedules`);
    expect(res?.status()).toBe(403);
    const post = await admin.page.request.post(`${rig.url}/t/${TEAM_B.platform}/${TEAM_B.teamId}/schedules`, {
      form: { channel: 'x', deck: 'demo', time: '09:00', timezone: 'UTC' },
    });
    expect(post.status()).toBe(403);
    expect(await rig.stores.team.listSchedules(TEAM_B)).toEqual([]);
  });

  it('refuses a form posted without the CSRF token (or with a wrong one)', async () => {
    const form = { channel: 'c-csrf', deck: 'demo', time: '09:00', timezone: 'UTC' };
    const none = await admin.page.request.post(`${rig.url}${teamPath}/schedules`, { form });
    expect(none.status()).toBe(403);
    const wrong = await admin.page.request.post(`${rig.url}${teamPath}/schedules`, {
      form: { ...form, _csrf: 'x'.repeat(32) },
    });
    expect(wrong.status()).toBe(403);
    expect(await rig.stores.team.getSchedule(TEAM_A, 'c-csrf')).toBeNull();
  });

  it('re-checks admin rights on a write: a member with a session gets the command refusal', async () => {
    const member = await signIn(browser, await rig.link(TEAM_A, MEMBER));
    const { page } = member;
    await page.getByLabel('Channel id').fill('c-member');
    await page.getByLabel('Local time').fill('10:00');
    await page.getByLabel('Timezone').fill('UTC');
    await submit(page, page.getByRole('button', { name: 'Schedule' }));
    const refusal = await rig.engine.admin(rig.actor(MEMBER, false), {
      kind: 'pause',
      channelId: 'c-general',
    });
    expect(await page.getByRole('status').textContent()).toContain(refusal.text);
    expect(await rig.stores.team.getSchedule(TEAM_A, 'c-member')).toBeNull();
    await member.ctx.close();
  });

  it('imports a CSV deck file: a malformed file is refused and writes nothing; a good one is previewed, saved and listed', async () => {
    const { page } = admin;
    const files = () => readdirSync(rig.decksDir).sort();
    const before = files();
    await page.goto(`${rig.url}${teamPath}/decks`);
    await Promise.all([
      page.waitForURL(/\/decks\/import$/),
      page.getByRole('link', { name: 'Import a deck file' }).click(),
    ]);
    const found: string[] = await axeFindings(page, 'import form');

    // Two rows cannot make multiple-choice questions: the importer's reason, nothing written.
    const bad = 'front,back\nWhat is 1+1?,2\nWhat is 2+2?,4\n';
    await page
      .getByLabel(/Anki, Quizlet, CSV or TSV file/)
      .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByLabel(/Deck id/).fill('arith');
    await submit(page, page.getByRole('button', { name: 'Import and save' }));
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain('found 2 usable cards');
    expect(alert).toContain('Nothing was saved');
    found.push(...(await axeFindings(page, 'import error')));
    expect(files()).toEqual(before);
    expect(rig.decks.get('arith')).toBeUndefined();

    const csv = [
      'front,back',
      'Capital of France?,Paris',
      'Capital of Italy?,Rome',
      'Capital of Spain?,Madrid',
      'Capital of Japan?,Tokyo',
      'Capital of Peru?,Lima',
    ].join('\n');
    await page
      .getByLabel(/Anki, Quizlet, CSV or TSV file/)
      .setInputFiles({ name: 'capitals.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByLabel(/Deck id/).fill('capitals');
    await page.getByLabel(/Title/).fill('Capitals');
    await submit(page, page.getByRole('button', { name: 'Preview' }));
    const preview = await page.getByRole('region', { name: 'Import preview' }).textContent();
    expect(preview).toContain('Capitals (5 cards)');
    expect(preview).toContain('Capital of Peru?');
    expect(preview).toContain('Lima');
    found.push(...(await axeFindings(page, 'import preview')));
    expect(files()).toEqual(before);

    await Promise.all([
      page.waitForURL(/\/decks\/capitals\?imported=1$/),
      page.getByRole('button', { name: 'Save as deck capitals' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('capitals.yaml is saved and loaded');
    expect(files()).toEqual([...before, 'capitals.yaml'].sort());
    expect(
      rig.decks
        .get('capitals')
        ?.cards.map((c) => c.back)
        .sort(),
    ).toEqual(['Lima', 'Madrid', 'Paris', 'Rome', 'Tokyo']);
    await page.goto(`${rig.url}${teamPath}/decks`);
    expect(await page.locator('table').textContent()).toContain('capitals');

    // The same id again is refused, and the saved file stays as it was.
    const saved = readFileSync(join(rig.decksDir, 'capitals.yaml'), 'utf8');
    await page.goto(`${rig.url}${teamPath}/decks/import`);
    await page.getByLabel(/Anki, Quizlet, CSV or TSV file/).setInputFiles({
      name: 'again.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv.replace('Lima', 'Cusco')),
    });
    await page.getByLabel(/Deck id/).fill('capitals');
    await submit(page, page.getByRole('button', { name: 'Import and save' }));
    expect(await page.getByRole('alert').textContent()).toContain('already exists');
    expect(readFileSync(join(rig.decksDir, 'capitals.yaml'), 'utf8')).toBe(saved);
    expect(found).toEqual([]);
  });

  it('refuses an import larger than a deck file may be, or without the CSRF token; writes nothing', async () => {
    const files = () => readdirSync(rig.decksDir).sort();
    const before = files();
    const csrf = await admin.page
      .goto(`${rig.url}${teamPath}/decks/import`)
      .then(() => admin.page.locator('input[name=_csrf]').first().inputValue());
    const big = await admin.page.request.post(`${rig.url}${teamPath}/decks/import`, {
      headers: { origin: rig.url },
      multipart: {
        _csrf: csrf,
        id: 'huge',
        op: 'save',
        file: { name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.alloc(1024 * 1024 + 10, 'a') },
      },
    });
    expect(big.status()).toBe(413);
    expect(await big.text()).toContain('at most 1 MiB');
    const noToken = await admin.page.request.post(`${rig.url}${teamPath}/decks/import`, {
      multipart: {
        id: 'tokenless',
        op: 'save',
        file: { name: 'x.csv', mimeType: 'text/csv', buffer: Buffer.from('a,1\nb,2\nc,3\nd,4\n') },
      },
    });
    expect(noToken.status()).toBe(403);
    expect(files()).toEqual(before);
  });

  it('has no serious or critical axe-core violations on any page', async () => {
    const pages = [
      '/',
      `${teamPath}/schedules`,
      `${teamPath}/schedules/c-general/edit`,
      `${teamPath}/decks`,
      `${teamPath}/decks/demo`,
      `${teamPath}/decks/demo/cards/cgroups`,
      `${teamPath}/decks/demo/new`,
      `${teamPath}/decks/import`,
      `${teamPath}/leaderboard?period=last-week`,
      `${teamPath}/settings`,
    ];
    const { page } = admin;
    const found: string[] = [];
    for (const path of [...pages, `/login?t=x`]) {
      await page.goto(`${rig.url}${path}`);
      found.push(...(await axeFindings(page, path)));
    }
    expect(found).toEqual([]);
  });

  it('ends a session when it expires', async () => {
    rig.clock.advance(9 * 3_600_000);
    const res = await admin.page.goto(`${rig.url}${teamPath}/schedules`);
    expect(res?.status()).toBe(401);
  });
});
