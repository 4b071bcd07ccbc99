import type { MemberForgotten, StudyForgotten, UserDataPort, UserRef } from './ports.js';

/** What `/forget-me` and `quizbot forget --user` deleted. */
export interface ForgetReport extends StudyForgotten, MemberForgotten {
  /** Teams (servers, workspaces) where daily-quiz data of the user was deleted. */
  teams: number;
}

/** Teams whose data is deleted at once (each is one script call). */
const TEAMS_AT_ONCE = 16;

/**
 * Deletes everything quizbot keeps about one user: their study data (card states, due queues,
 * counters, review log, the users index, their lines in teams' review logs), and in every team of
 * their platform their daily answers, leaderboard entries (boards keep adding up: a board is the
 * sum of its entries), streak and display name. Idempotent: a second call deletes nothing more.
 */
export async function forgetUser(port: UserDataPort, user: UserRef): Promise<ForgetReport> {
  const study = await port.forgetStudy(user);
  const report: ForgetReport = { ...study, teams: 0, answers: 0, boardEntries: 0, points: 0 };
  const teams = await port.platformTeams(user.platform);
  for (let i = 0; i < teams.length; i += TEAMS_AT_ONCE) {
    const done = await Promise.all(
      teams.slice(i, i + TEAMS_AT_ONCE).map((t) => port.forgetMember(t, user.userId)),
    );
    for (const m of done) {
      if (m.answers + m.boardEntries > 0) report.teams++;
      report.answers += m.answers;
      report.boardEntries += m.boardEntries;
      report.points += m.points;
    }
  }
  return report;
}

/** The report in one line, for the CLI and the confirmation reply. */
export function describeForget(r: ForgetReport): string {
  return (
    `deleted ${r.cards} card states in ${r.decks} decks, ${r.reviewLines} review log lines, ` +
    `${r.answers} daily answers and ${r.boardEntries} leaderboard entries (${r.points} all-time points) in ${r.teams} teams`
  );
}
