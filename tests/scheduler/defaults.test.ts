import { describe, expect, it } from 'vitest';
import { DAILY_DEFAULTS } from '../../src/engine/daily/settings.js';
import { SCHEDULER_DEFAULTS } from '../../src/scheduler/scheduler.js';

// Review of issue 11, C4: the Scheduler class defaults (used by tests and embedders, not only via
// config.ts) keep the ordering config.ts enforces: a post times out before its work item is given
// up, and a given-up item's entry stays leased until the item has stopped.
describe('Scheduler defaults', () => {
  it('give a post its whole timeout before the item is given up, and lease beyond that', () => {
    expect(SCHEDULER_DEFAULTS.itemTimeoutMs).toBeGreaterThan(DAILY_DEFAULTS.postTimeoutMs);
    expect(SCHEDULER_DEFAULTS.leaseMs).toBeGreaterThan(SCHEDULER_DEFAULTS.itemTimeoutMs);
  });
});
