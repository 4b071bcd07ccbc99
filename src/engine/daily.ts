/**
 * Daily channel quizzes: the facade over `daily/` — the service (`service.ts`), its admin
 * commands (`admin.ts`), opening and closing rounds (`rounds.ts`), the posts and replies
 * (`views.ts`), round ids (`round-ids.ts`) and settings and outcomes (`settings.ts`).
 */
export { requestKey, roundDate, roundIdFor } from './daily/round-ids.js';
export { DailyService } from './daily/service.js';
export {
  type CloseOptions,
  type CloseReport,
  DAILY_DEFAULTS,
  DAILY_POINTS,
  type DailyServiceOptions,
  type DailySettings,
  type OpenOptions,
  type OpenOutcome,
} from './daily/settings.js';
