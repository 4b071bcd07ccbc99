import type { Clock, ReviewStore, UserRef } from './ports.js';
import { parseTimezone } from './schedule.js';
import { TtlCache } from './ttl-cache.js';
import { noticeView, type View } from './views.js';

/** How long a process trusts a user's timezone it read (another process may change it). */
export const USER_TZ_TTL_MS = 60_000;
/** Users whose timezone one process keeps; past it the oldest kept goes first. */
const MAX_CACHED = 10_000;

/**
 * Users' study timezones with the bot's as the fallback, cached per process for
 * {@link USER_TZ_TTL_MS} so that the review path costs no extra round trip on a hit. A change made
 * through this process is seen at once; one made through another process within the TTL.
 */
export class UserTimezones {
  private readonly cache: TtlCache<string | null>;

  constructor(
    private readonly store: ReviewStore,
    clock: Clock,
    readonly fallback: string,
  ) {
    this.cache = new TtlCache(USER_TZ_TTL_MS, () => clock.now(), MAX_CACHED);
  }

  /** The zone whose midnight starts the user's study day: a cache hit, else one round trip. */
  async zone(user: UserRef): Promise<string> {
    const hit = this.cache.get(key(user));
    if (hit !== undefined) return hit ?? this.fallback;
    return this.seen(user, await this.store.getTimezone(user));
  }

  /** Records a zone read along with other data (the grade click's read); returns the zone to use. */
  seen(user: UserRef, tz: string | null): string {
    this.cache.set(key(user), tz);
    return tz ?? this.fallback;
  }

  /** `/settings timezone [zone]`: shows the user's zone, or validates and stores a new one. */
  async command(user: UserRef, input?: string | null): Promise<View> {
    const wanted = input?.trim() ?? '';
    if (wanted === '') {
      const tz = await this.store.getTimezone(user);
      this.seen(user, tz);
      return {
        title: 'Study timezone',
        text: tz
          ? `Your study day starts at midnight in **${tz}**.`
          : `You have not set a timezone: your study day starts at midnight in **${this.fallback}** (the bot's default).`,
        footer: 'Change it with the settings timezone command, e.g. `Europe/Berlin`.',
        private: true,
      };
    }
    const parsed = parseTimezone(wanted);
    if (!parsed.ok) return noticeView('bad_argument', parsed.error);
    await this.store.setTimezone(user, parsed.value);
    this.seen(user, parsed.value);
    return {
      title: 'Study timezone',
      text: `Saved: your study day now starts at midnight in **${parsed.value}** (due today, daily new cards, streaks and stats).`,
      private: true,
      tone: 'success',
    };
  }
}

const key = (u: UserRef) => `${u.platform}:${u.userId}`;
