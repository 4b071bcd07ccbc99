/**
 * How long a handler may wait for the engine before it defers. Discord's 3 s for the first answer
 * run from when Discord created the interaction (the time in its snowflake id), not from when this
 * process got it: under load the gateway event waits in the event loop's queue first, and 50
 * `/stats` at once used to spend the whole budget there. So the deadline counts from the earlier of
 * the two. A host clock running ahead only defers sooner (one more REST call); one running behind
 * falls back to the local bound.
 */
export function deferDelayMs(createdAtMs: number, nowMs: number, deferAfterMs: number): number {
  const waited = Math.max(0, nowMs - createdAtMs);
  return Math.max(0, deferAfterMs - waited);
}
