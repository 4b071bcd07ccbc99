/**
 * The ports of the engine: one file per port under `ports/`, re-exported here so that
 * importers name one module.
 *
 * - `ports/refs.ts`: platform, user, team and message references;
 * - `ports/clock.ts`: the injected time source;
 * - `ports/chat-port.ts`: the outbound side of a chat adapter;
 * - `ports/review-store.ts`: study data (card states, due queues, stats);
 * - `ports/fsrs-store.ts`: teams' review logs, fitted FSRS parameters and the fit lease;
 * - `ports/team-data.ts` and `ports/team-store.ts`: competition data (schedules, rounds, boards, due index);
 * - `ports/forget.ts`: deleting one user's data on request.
 */
export type { CallOptions, ChatPort, PostOptions } from './ports/chat-port.js';
export { type Clock, systemClock } from './ports/clock.js';
export type * from './ports/forget.js';
export type * from './ports/fsrs-store.js';
export type { MessageRef, Platform, TeamRef, UserRef } from './ports/refs.js';
export * from './ports/review-store.js';
export type * from './ports/team-data.js';
export type { TeamStore } from './ports/team-store.js';
