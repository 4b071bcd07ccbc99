/** Injected time source: milliseconds since the epoch. */
export interface Clock {
  /** Current time in ms. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
