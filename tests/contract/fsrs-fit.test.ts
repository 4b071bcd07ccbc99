import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/api.js';
import { DeckSet } from '../../src/engine/deck/types.js';
import { QuizEngine } from '../../src/engine/engine.js';
import { cardHistories, fitDataset } from '../../src/engine/fsrs/dataset.js';
import { parseTeamReview, type TeamReview } from '../../src/engine/fsrs/log.js';
import { DEFAULT_W } from '../../src/engine/fsrs/params.js';
import type { TeamRef } from '../../src/engine/ports.js';
import { ReviewService } from '../../src/engine/review.js';
import type { View } from '../../src/engine/views.js';
import { FitJob } from '../../src/fsrs/job.js';
import { loadOptimizer, type Optimizer } from '../../src/fsrs/optimizer.js';
import { RETENTION } from '../../src/store/retention.js';
import { actor, ManualClock, testDeck } from '../helpers/engine.js';
import { simulateTeam, TRUE_W } from '../helpers/fsrs-sim.js';
import { type FsrsRig, memoryRig, RedisRigs } from './fsrs-rigs.js';

const optimizer = await loadOptimizer(silentLogger);
const reason = 'skipped when the native optimizer cannot load';
const team: TeamRef = { platform: 'discord', teamId: 'g1' };
const NOW = Date.UTC(2026, 6, 1);
const press = (v: View, label: RegExp) => v.buttons?.flat().find((b) => label.test(b.label))?.actionId ?? '';

/** About 5,600 reviews of 16 users x 40 cards over 180 days, drawn from TRUE_W, in two decks. */
const SIM = simulateTeam({ seed: 7, users: 16, cards: 40, days: 180, decks: ['alpha', 'beta'] });
/** Above each deck's share of SIM: only the team scope is fitted (faster tests). */
const TEAM_ONLY = 4_000;

function job(store: FsrsRig['fsrs'], over: Partial<ConstructorParameters<typeof FitJob>[0]> = {}): FitJob {
  return new FitJob({
    store,
    optimizer: async () => optimizer,
    minReviews: 2_000,
    log: silentLogger,
    ...over,
  });
}

const rigs = new RedisRigs();
beforeAll(() => rigs.start());
afterAll(() => rigs.stop());

describe.each([
  ['embedded', async () => memoryRig()],
  ['redis', () => rigs.rig()],
] as const)('FSRS fitting, %s store', (_name, makeRig) => {
  it('a grade in a team writes one line to the team log; a DM writes none; a lost race takes its line back', async () => {
    const rig = await makeRig();
    const decks = new DeckSet([testDeck(3)]);
    const clock = new ManualClock(NOW);
    const engine = new QuizEngine({ review: new ReviewService({ store: rig.review, decks, clock }), decks });
    const alice = actor('alice');
    const v = await engine.review(alice, 'test');
    const shown = await engine.action(alice, press(v, /Show answer/));
    await engine.action(alice, press(shown.view, /^Good/));
    const dm = actor('bob', { team: null });
    const vb = await engine.review(dm, 'test');
    const sb = await engine.action(dm, press(vb, /Show answer/));
    await engine.action(dm, press(sb.view, /^Good/));
    const lines = (await rig.fsrs.teamReviews(team, NOW)).map(parseTeamReview);
    expect(lines).toEqual([
      { at: NOW, deckId: 'test', userId: 'alice', cardId: 'c1', repsBefore: 0, rating: 3 },
    ]);
    // Two different grades of the same card from the same drawn buttons, at once: one applies.
    clock.advance(60_000);
    const v2 = await engine.review(alice, 'test');
    const s2 = await engine.action(alice, press(v2, /Show answer/));
    const [a, b] = await Promise.all([
      engine.action(alice, press(s2.view, /^Again/)),
      engine.action(alice, press(s2.view, /^Easy/)),
    ]);
    const applied = [a, b].filter((r) => /next review in/.test(r.view.text)).length;
    const after = (await rig.fsrs.teamReviews(team, NOW)).map(parseTeamReview) as TeamReview[];
    expect(after).toHaveLength(1 + applied);
    expect(new Set(after.map((r) => `${r.cardId}:${r.repsBefore}`)).size).toBe(after.length);
    expect(await rig.fsrs.teamsWithReviews(NOW)).toEqual([team]);
  });

  it('the team log keeps the newest RETENTION.teamReviewLogLines reviews', async () => {
    const rig = await makeRig();
    const cap = RETENTION.teamReviewLogLines;
    await rig.seed(
      team,
      Array.from({ length: cap }, (_, i) => ({ at: NOW - cap + i, line: `old${i} d u c 0 3` })),
    );
    const decks = new DeckSet([testDeck(1)]);
    const engine = new QuizEngine({
      review: new ReviewService({ store: rig.review, decks, clock: new ManualClock(NOW) }),
      decks,
    });
    const v = await engine.review(actor('erin'), 'test');
    const s = await engine.action(actor('erin'), press(v, /Show answer/));
    await engine.action(actor('erin'), press(s.view, /^Good/));
    const lines = await rig.fsrs.teamReviews(team, NOW);
    expect(lines).toHaveLength(cap);
    expect(parseTeamReview(lines[0] as string)?.userId).toBe('erin');
    expect(lines.at(-1)).toBe('old1 d u c 0 3');
  });

  it.skipIf(!optimizer)(
    `fits a simulated team: adopted, better than the defaults on unseen reviews, then used (${reason})`,
    async () => {
      const rig = await makeRig();
      await rig.seed(team, SIM);
      const run = await job(rig.fsrs).run(NOW);
      expect(run.status).toBe('done');
      const report = run.status === 'done' ? run.teams[0] : undefined;
      expect(report?.reviews).toBe(SIM.length);
      const scopes = report?.scopes ?? [];
      // The team, and each deck (both have more than 2,000 reviews).
      expect(scopes.map((s) => s.deckId).sort()).toEqual(['alpha', 'beta', null].sort());
      const teamScope = scopes.find((s) => s.deckId === null);
      expect(teamScope?.outcome).toBe('adopted');
      expect(teamScope?.after?.logLoss).toBeLessThan(teamScope?.before?.logLoss ?? 0);
      const params = await rig.fsrs.params(team);
      expect(params.team?.version).toBe(1);
      expect(params.team?.after).toEqual(teamScope?.after);
      // Judged again on reviews of other users the fit never saw, drawn from the same true parameters.
      const fresh = simulateTeam({ seed: 99, users: 20, cards: 40, days: 180 });
      const { test } = fitDataset(cardHistories(fresh.map((r) => parseTeamReview(r.line) as TeamReview)), 1);
      const opt = optimizer as Optimizer;
      const fitted = await opt.evaluate(params.team?.w ?? [], test);
      expect(fitted.logLoss).toBeLessThan((await opt.evaluate(DEFAULT_W, test)).logLoss);
      // Not better than the truth itself (beyond noise): the held-out figure is an honest one.
      expect(fitted.logLoss).toBeGreaterThanOrEqual((await opt.evaluate(TRUE_W, test)).logLoss - 0.01);
      // Reviews in that team now schedule with the fitted weights; a DM keeps the defaults.
      const decks = new DeckSet([testDeck(3, { id: 'alpha' })]);
      const engine = new QuizEngine({
        review: new ReviewService({ store: rig.review, decks, clock: new ManualClock(NOW) }),
        decks,
      });
      const labels = async (who: ReturnType<typeof actor>) => {
        const v = await engine.review(who, 'alpha');
        const s = await engine.action(who, press(v, /Show answer/));
        return s.view.buttons?.flat().map((x) => x.label);
      };
      const w = params.decks.alpha?.w ?? params.team?.w ?? [];
      expect(w).not.toEqual([...DEFAULT_W]);
      expect(await labels(actor('carol'))).not.toEqual(await labels(actor('dave', { team: null })));
      // Nothing new since: a second run fits nothing.
      const again = await job(rig.fsrs).run(NOW + 1);
      expect(again.status === 'done' && again.teams[0]?.scopes.every((s) => s.outcome === 'skipped')).toBe(
        true,
      );
    },
  );

  it.skipIf(!optimizer)(
    `a failing fit leaves the adopted parameters in place and records why (${reason})`,
    async () => {
      const rig = await makeRig();
      await rig.seed(team, SIM);
      await job(rig.fsrs, { minReviews: TEAM_ONLY }).run(NOW);
      const adopted = await rig.fsrs.params(team);
      expect(adopted.team?.version).toBe(1);
      const broken: Optimizer[] = [
        {
          fit: async () => Promise.reject(new Error('optimizer crashed')),
          evaluate: (optimizer as Optimizer).evaluate,
        },
        { fit: async () => DEFAULT_W.map(() => Number.NaN), evaluate: (optimizer as Optimizer).evaluate },
        {
          fit: (train) => (optimizer as Optimizer).fit(train),
          evaluate: () => {
            throw new Error('evaluation crashed');
          },
        },
      ];
      for (const [i, opt] of broken.entries()) {
        const run = await job(rig.fsrs, { minReviews: TEAM_ONLY, optimizer: async () => opt }).run(
          NOW + i + 1,
          { force: true },
        );
        expect(run.status === 'done' && run.teams[0]?.scopes.map((s) => s.outcome)).toEqual(['failed']);
        expect(await rig.fsrs.params(team)).toEqual(adopted);
      }
      const attempts = await rig.fsrs.attempts(team);
      expect(attempts['']?.outcome).toBe('failed');
      expect(attempts['']?.error).toMatch(/evaluation crashed/);
    },
  );

  it.skipIf(!optimizer)(
    `two instances never fit at the same time: the second finds the lease taken (${reason})`,
    async () => {
      const rig = await makeRig();
      await rig.seed(team, SIM);
      let active = 0;
      let most = 0;
      let entered!: () => void;
      const inFit = new Promise<void>((r) => {
        entered = r;
      });
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const counting = (wait: boolean): Optimizer => ({
        evaluate: (optimizer as Optimizer).evaluate,
        fit: async (train) => {
          active++;
          most = Math.max(most, active);
          entered();
          if (wait) await gate;
          try {
            return await (optimizer as Optimizer).fit(train);
          } finally {
            active--;
          }
        },
      });
      const a = job(rig.fsrs, { minReviews: TEAM_ONLY, optimizer: async () => counting(true) });
      const b = job(rig.fsrs2, { minReviews: TEAM_ONLY, optimizer: async () => counting(false) });
      const first = a.run(NOW);
      await inFit;
      expect(await b.run(NOW)).toEqual({ status: 'busy' });
      release();
      expect((await first).status).toBe('done');
      // Both at once, again and again: whatever each gets, fits never overlap.
      for (let i = 1; i <= 2; i++) {
        const runs = await Promise.all([a.run(NOW + i, { force: true }), b.run(NOW + i, { force: true })]);
        expect(runs.some((r) => r.status === 'done')).toBe(true);
      }
      expect(most).toBe(1);
    },
  );

  it.skipIf(!optimizer)(
    `dry run stores nothing; too few reviews fit nothing; reset goes back to the defaults (${reason})`,
    async () => {
      const rig = await makeRig();
      await rig.seed(team, SIM);
      const dry = await job(rig.fsrs, { minReviews: TEAM_ONLY }).run(NOW, { dryRun: true, team });
      expect(dry.status === 'done' && dry.teams[0]?.scopes[0]?.outcome).toBe('adopted');
      expect(await rig.fsrs.params(team)).toEqual({ team: null, decks: {} });
      expect(await rig.fsrs.attempts(team)).toEqual({});
      const tooFew = await job(rig.fsrs, { minReviews: SIM.length + 1 }).run(NOW);
      expect(tooFew.status === 'done' && tooFew.teams[0]?.scopes).toEqual([]);
      await job(rig.fsrs, { minReviews: TEAM_ONLY }).run(NOW);
      expect((await rig.fsrs.params(team)).team).not.toBeNull();
      await rig.fsrs.resetParams(team);
      expect(await rig.fsrs.params(team)).toEqual({ team: null, decks: {} });
    },
  );
});
