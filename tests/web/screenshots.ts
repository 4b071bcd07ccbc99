/**
 * Screenshots of every dashboard page for the README: `npm run screenshots` (needs redis-server
 * and Debian's chromium). Starts the same rig as the browser tests, signs in, and writes small
 * PNGs to docs/dashboard/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ADMIN, CHROMIUM, hasChromium, startRig, TEAM_A } from './rig.js';

const OUT = join(import.meta.dirname, '../../docs/dashboard');

if (!hasChromium) {
  process.stderr.write(`screenshots: no chromium at ${CHROMIUM} (apt-get install chromium)\n`);
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });
const rig = await startRig();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 960, height: 640 } })).newPage();
  const shot = (name: string) => page.screenshot({ path: join(OUT, `${name}.png`) });
  const team = `${rig.url}/t/${TEAM_A.platform}/${TEAM_A.teamId}`;

  await page.goto(await rig.link(TEAM_A, ADMIN));
  await shot('sign-in');
  await Promise.all([page.waitForURL(/schedules$/), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.getByLabel('Channel id').fill('c-general');
  await page.getByLabel('Local time').fill('09:30');
  await page.getByLabel('Timezone').fill('Europe/Berlin');
  await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Schedule' }).click(),
  ]);
  await page.waitForLoadState('load');
  await shot('schedules');

  await page.goto(`${team}/decks/demo`);
  await shot('deck');
  await page.goto(`${team}/decks/demo/cards/chroot`);
  const area = page.getByLabel(/Card \(YAML/);
  await area.fill((await area.inputValue()).replace('answer: Its root directory', 'answer: Its root folder'));
  await page.locator('#lint li.error').first().waitFor();
  await page.screenshot({ path: join(OUT, 'card-editor.png'), fullPage: true });

  await page.goto(`${team}/decks/import`);
  const csv =
    'front,back\nCapital of France?,Paris\nCapital of Italy?,Rome\nCapital of Spain?,Madrid\nCapital of Japan?,Tokyo\nCapital of Peru?,Lima\n';
  await page
    .getByLabel(/Anki, Quizlet, CSV or TSV file/)
    .setInputFiles({ name: 'capitals.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByLabel(/Deck id/).fill('capitals');
  await page.getByLabel(/Title/).fill('Capitals');
  await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Preview' }).click(),
  ]);
  await page.getByRole('region', { name: 'Import preview' }).waitFor();
  await shot('deck-import');

  await page.goto(`${team}/leaderboard?period=last-week`);
  await shot('leaderboard');
  await page.goto(`${team}/settings`);
  await shot('settings');
  process.stdout.write(`screenshots written to ${OUT}\n`);
} finally {
  await browser.close();
  await rig.close();
}
