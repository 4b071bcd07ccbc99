import type { FsrsParams } from '../../src/engine/ports.js';

/**
 * FSRS parameters as an adopted fit saves them: weights `w`, fitted at `fittedAt`, with fixed
 * review counts and metrics (the tests that use it care about the weights and the version).
 */
export function fittedParams(w: number[], fittedAt: number, version = 1): FsrsParams {
  return {
    version,
    w,
    fittedAt,
    trainReviews: 10,
    testReviews: 5,
    before: { logLoss: 0.5, rmseBins: 0.1 },
    after: { logLoss: 0.4, rmseBins: 0.09 },
  };
}
