import { describe, expect, it } from 'vitest';
import { cardHistories, fitDataset } from '../../src/engine/fsrs/dataset.js';
import { parseTeamReview, type TeamReview, teamReviewLine } from '../../src/engine/fsrs/log.js';
import { DEFAULT_W, decodeParams, pickWeights } from '../../src/engine/fsrs/params.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 9);
const rev = (userId: string, cardId: string, repsBefore: number, day: number, rating = 3): TeamReview =>
  parseTeamReview(
    teamReviewLine(T0 + day * DAY, 'd', { platform: 'slack', userId }, cardId, repsBefore, rating),
  ) as TeamReview;

describe('team review log and fit dataset', () => {
  it('a line round-trips, odd ids included; a malformed line is refused', () => {
    const line = teamReviewLine(T0 + 999, 'k8s', { platform: 'discord', userId: 'a b%{}' }, 'c:1', 4, 2);
    expect(line.split(' ')).toHaveLength(6);
    expect(parseTeamReview(line)).toEqual({
      at: T0,
      deckId: 'k8s',
      userId: 'a b%{}',
      cardId: 'c:1',
      repsBefore: 4,
      rating: 2,
    });
    for (const bad of ['', 'x y z', `${line} extra`, line.replace(/ 2$/, ' 5'), line.replace(' 4 ', ' -1 ')])
      expect(parseTeamReview(bad)).toBeNull();
  });

  it('histories start at the first review, keep a twice-logged review once, and stop at a gap', () => {
    const h = cardHistories([
      rev('u1', 'c1', 0, 0),
      rev('u1', 'c1', 1, 1, 1),
      rev('u1', 'c1', 1, 1, 1), // the same click logged twice
      rev('u1', 'c1', 2, 3),
      rev('u1', 'c1', 4, 9), // reps 3 was done elsewhere (a DM): the history stops before it
      rev('u2', 'c1', 2, 5), // its start fell off the log: no history
      rev('u2', 'c2', 0, 2),
    ]);
    const byKey = new Map(h.map((x) => [`${x[0]?.userId}/${x[0]?.cardId}`, x.map((r) => r.repsBefore)]));
    expect(byKey).toEqual(
      new Map([
        ['u1/c1', [0, 1, 2]],
        ['u2/c2', [0]],
      ]),
    );
  });

  it('items carry whole-day gaps; the newest items are held out', () => {
    const h = cardHistories([
      rev('u', 'a', 0, 0),
      rev('u', 'a', 1, 1, 1),
      rev('u', 'a', 2, 4),
      rev('u', 'b', 0, 2),
      rev('u', 'b', 1, 10),
    ]);
    const ds = fitDataset(h, 0.3);
    expect(ds.newest).toBe(T0 + 10 * DAY);
    expect(ds.train).toEqual([
      [
        { rating: 3, deltaT: 0 },
        { rating: 1, deltaT: 1 },
      ],
      [
        { rating: 3, deltaT: 0 },
        { rating: 1, deltaT: 1 },
        { rating: 3, deltaT: 3 },
      ],
    ]);
    expect(ds.test).toEqual([
      [
        { rating: 3, deltaT: 0 },
        { rating: 3, deltaT: 8 },
      ],
    ]);
  });

  it('stored parameters: a malformed record means the defaults; a deck’s own win over the team’s', () => {
    const p = (w: number[]) =>
      JSON.stringify({
        version: 1,
        w,
        before: { logLoss: 1, rmseBins: 1 },
        after: { logLoss: 0.5, rmseBins: 0.5 },
      });
    const team = DEFAULT_W.map((x) => x * 1.1);
    const deck = DEFAULT_W.map((x) => x * 0.9);
    expect(pickWeights(p(deck), p(team))).toEqual(deck);
    expect(pickWeights(null, p(team))).toEqual(team);
    expect(pickWeights('{', p([1, 2]))).toBeNull();
    expect(decodeParams(p([...DEFAULT_W.slice(1), Number.NaN]))).toBeNull();
  });
});
