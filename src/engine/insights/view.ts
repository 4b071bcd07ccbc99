import type { ChartSpec } from '../charts.js';
import type { FitMetrics, Platform } from '../ports.js';
import { truncate, type View } from '../views.js';
import { INSIGHTS, type Recall, type TeamInsights } from './compute.js';

/** The admin command that resets a team's FSRS parameters, as each platform spells it. */
export function fsrsResetCommand(platform: Platform): string {
  return platform === 'slack' ? '/quiz fsrs-reset' : '/quiz-admin fsrs-reset';
}

const pct = (r: { reviews: number; recalled: number }) =>
  r.reviews ? `${Math.round((100 * r.recalled) / r.reviews)}%` : '—';
const n = (x: number) => x.toLocaleString('en-US');
const metrics = (m: FitMetrics) => `log loss ${m.logLoss.toFixed(3)}, RMSE ${m.rmseBins.toFixed(3)}`;

function recallLine(r: Recall | undefined): string {
  return r?.reviews ? `${pct(r)} of ${n(r.reviews)} reviews` : 'no reviews';
}

/** The FSRS parameters line: fitted (version, held-out metrics before and after) or the defaults. */
export function fsrsLine(f: TeamInsights['fsrs'], platform: Platform): string {
  const decks = f.decks ? ` (+ ${f.decks} deck${f.decks === 1 ? '' : 's'} with their own)` : '';
  const last = f.last
    ? `; last fit attempt ${new Date(f.last.at).toISOString().slice(0, 10)}: ${f.last.outcome}`
    : '';
  if (!f.team) return `FSRS defaults${decks}${last}.`;
  const p = f.team;
  return (
    `fitted v${p.version} on ${new Date(p.fittedAt).toISOString().slice(0, 10)} from ${n(p.trainReviews)} reviews${decks}: ` +
    `held-out ${metrics(p.after)} (defaults/previous: ${metrics(p.before)}, ${n(p.testReviews)} reviews)${last}. ` +
    `Back to the defaults: \`${fsrsResetCommand(platform)}\`.`
  );
}

function body(i: TeamInsights): string {
  const hard = i.hardest.length
    ? i.hardest.map(
        (c) =>
          `• ${pct(c)} recalled (${c.recalled}/${c.reviews}) · ${c.deckId} · ${truncate(c.front.replace(/\s+/g, ' '), 80, '…')}`,
      )
    : [`• none yet (a card needs ${INSIGHTS.minReviews} reviews after its first)`];
  const fresh = i.notStarted.map((d) => `• ${d.title}: ${n(d.notStarted)} of ${n(d.cards)} cards`);
  return [
    `${n(i.reviews)} reviews by ${n(i.users)} member${i.users === 1 ? '' : 's'} in the team's review log.`,
    '',
    '**Hardest cards** (lowest recall of cards already seen)',
    ...hard,
    '',
    '**Not started by anyone yet**',
    ...(fresh.length ? fresh : ['• no deck is loaded']),
  ].join('\n');
}

/** The insights chart: team recall per month and daily-quiz players per week. */
export function insightsChart(i: TeamInsights): ChartSpec {
  const recall = i.months.map((m) => (m.reviews ? Math.round((100 * m.recalled) / m.reviews) : null));
  const players = i.weeks.map((w) => w.players);
  return {
    name: 'insights',
    alt:
      `Team recall per month over the last ${i.months.length} months (${i.months.map((m) => `${m.key} ${pct(m)}`).join(', ')}), ` +
      `and members with daily-quiz points per week (${i.weeks.map((w) => `${w.key} ${w.players}`).join(', ')}).`,
    panels: [
      {
        kind: 'line',
        title: `Team recall per month · last ${i.months.length} months`,
        labels: i.months.map((m) => m.key),
        values: recall,
        min: 0,
        max: 100,
        unit: '%',
      },
      {
        kind: 'bars',
        title: `Daily quiz: members with points per week · last ${i.weeks.length} weeks`,
        labels: i.weeks.map((w) => w.key.slice(5)),
        values: players,
        unit: 'members',
      },
    ],
  };
}

/** `/quiz-admin insights`: private to the admin, aggregates only. */
export function insightsView(i: TeamInsights, platform: Platform): View {
  const [last, cur] = [i.months.at(-2), i.months.at(-1)];
  const s = i.streaks;
  return {
    title: 'Team insights',
    text: truncate(body(i), 2900),
    fields: [
      { name: 'Recall this month', value: recallLine(cur), inline: true },
      { name: 'Recall last month', value: recallLine(last), inline: true },
      {
        name: 'Daily quiz streaks',
        value: `${n(s.live)} member${s.live === 1 ? '' : 's'} on a streak · longest ${s.longest} · best ever ${s.best}`,
        inline: true,
      },
      {
        name: `Members with daily-quiz points, last ${i.weeks.length} weeks`,
        value: i.weeks.map((w) => `${w.key.slice(5)}: ${w.players}`).join(' · '),
        inline: false,
      },
      { name: 'FSRS parameters', value: truncate(fsrsLine(i.fsrs, platform), 1000), inline: false },
    ],
    private: true,
    tone: 'info',
    chart: insightsChart(i),
  };
}
