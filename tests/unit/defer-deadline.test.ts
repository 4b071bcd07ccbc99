import { describe, expect, it } from 'vitest';
import { deferDelayMs } from '../../src/adapters/discord/defer-deadline.js';

describe('when a Discord handler defers', () => {
  const T = Date.UTC(2026, 10, 30, 12);

  it('waits the whole deadline for an interaction it got at once', () => {
    expect(deferDelayMs(T, T, 2_000)).toBe(2_000);
  });

  it('counts the time the interaction waited before the handler saw it', () => {
    expect(deferDelayMs(T, T + 1_500, 2_000)).toBe(500);
  });

  it('defers at once when the wait already used the deadline up', () => {
    expect(deferDelayMs(T, T + 2_000, 2_000)).toBe(0);
    expect(deferDelayMs(T, T + 9_000, 2_000)).toBe(0);
  });

  it('falls back to the local deadline when the host clock runs behind Discord', () => {
    expect(deferDelayMs(T + 800, T, 2_000)).toBe(2_000);
  });
});
