import type { Platform, TeamRef, UserRef } from './refs.js';

/** What deleting a user's study data removed (see {@link UserDataPort.forgetStudy}). */
export interface StudyForgotten {
  /** Decks the user had card states in. */
  decks: number;
  /** Card states deleted (their due entries, counters and review log went with them). */
  cards: number;
  /** Lines of teams' review logs (the FSRS fitting data) that named the user. */
  reviewLines: number;
}

/** What deleting a user's daily-quiz data in one team removed (see {@link UserDataPort.forgetMember}). */
export interface MemberForgotten {
  /** Daily answers deleted (open and closed rounds). */
  answers: number;
  /** Leaderboard entries deleted (week, month and all-time boards). */
  boardEntries: number;
  /** The user's all-time points that left the team's board. */
  points: number;
}

/**
 * Deleting one user's data on request (`/forget-me`, `quizbot forget --user`). Each call is one
 * script or pipeline per slot and is idempotent: a second call deletes nothing more.
 */
export interface UserDataPort {
  /**
   * Deletes a user's study data: card states, due queues, day counters, review log, the user's
   * entry in the users index, and their lines in every team's review log.
   */
  forgetStudy(user: UserRef): Promise<StudyForgotten>;
  /** Teams of a platform that may hold daily-quiz data of its users. */
  platformTeams(platform: Platform): Promise<TeamRef[]>;
  /**
   * Deletes a user's daily-quiz data in one team: their answers to every round, their entries on
   * every leaderboard (so each board sums to the points of the members left), their streak,
   * display name and last-seen time, and their name in the fastest lists of round results.
   */
  forgetMember(team: TeamRef, userId: string): Promise<MemberForgotten>;
}
