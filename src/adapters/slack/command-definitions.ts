import { ADMIN_KINDS } from '../../engine/api.js';
import type { View } from '../../engine/views.js';

/*
 * The `/quiz` subcommands as users see them: usage lines, descriptions, help and usage views.
 * (The slash command itself is declared in deploy/slack-app-manifest.yaml.)
 */

/** One line of usage per subcommand (without the command name). */
export const USAGE = {
  help: 'help',
  review: 'review [deck]',
  stats: 'stats [deck]',
  leaderboard: 'leaderboard [week|last-week|month|last-month|all]',
  decks: 'decks',
  'forget-me': 'forget-me',
  settings: 'settings timezone [zone]',
  schedule: 'schedule #channel <deck> <HH:MM> <timezone> [weekdays] [close]',
  unschedule: 'unschedule #channel',
  list: 'list',
  pause: 'pause #channel',
  resume: 'resume #channel',
  'post-now': 'post-now #channel',
  dashboard: 'dashboard',
  insights: 'insights',
  'fsrs-reset': 'fsrs-reset',
  'forget-team': 'forget-team',
} as const;

export type Sub = keyof typeof USAGE;

const DESCRIPTION: Record<Sub, string> = {
  help: 'this list',
  review: 'private spaced-repetition review of your due cards',
  stats: 'your study stats: due cards, reviews, retention, streak',
  leaderboard: 'the workspace leaderboard (default: this week)',
  decks: 'the decks you can study',
  settings: 'show or set the timezone whose midnight starts your study day (e.g. `Europe/Berlin`)',
  'forget-me': 'delete everything this bot keeps about you (asks you to confirm first)',
  schedule: 'post a daily question in a channel (weekdays e.g. `mon-fri`, close e.g. `8h` or `17:00`)',
  unschedule: 'stop a channel’s daily question',
  list: 'the channels with a daily question',
  pause: 'pause a channel’s daily question',
  resume: 'resume it',
  'post-now': 'post today’s question now',
  dashboard: 'a private one-time sign-in link to the web dashboard',
  insights: 'team insights: hardest cards, recall, participation, streaks, FSRS parameters',
  'fsrs-reset': 'back to FSRS’s default parameters for the workspace’s reviews',
  'forget-team': 'delete all of this workspace’s quiz data now (asks to confirm)',
};

/** The admin subcommands: the engine's AdminCommand kinds. */
export const ADMIN: readonly Sub[] = ADMIN_KINDS;

/** The `help` view: every subcommand with a line of description. */
export function helpView(command = '/quiz'): View {
  const line = (s: Sub) => `• \`${command} ${USAGE[s]}\` — ${DESCRIPTION[s]}`;
  const user = (Object.keys(USAGE) as Sub[]).filter((s) => !ADMIN.includes(s));
  return {
    title: 'quizbot',
    text: [
      '**Study**',
      ...user.map(line),
      '',
      '**Daily questions** (workspace admins)',
      ...ADMIN.map(line),
    ].join('\n'),
    private: true,
    footer: 'Your progress is private; answers to daily questions count for the leaderboard.',
  };
}

/** The private usage view for a bad invocation. */
export function usageView(problem: string, usageText: string, command = '/quiz'): View {
  return {
    text: `${problem}\n\nUsage:\n${usageText
      .split('\n')
      .map((u) => `\`${u}\``)
      .join('\n')}\n\nAll commands: \`${command} help\``,
    private: true,
    tone: 'warning',
    code: 'bad_argument',
  };
}
