import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The process's Prometheus metrics (prom-client), one registry per process. */
export class Metrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  /** Interactions handled, by platform and kind (command, button, ...) and outcome. */
  readonly interactions = new Counter({
    name: 'quizbot_interactions_total',
    help: 'Interactions handled, by platform, kind and outcome',
    labelNames: ['platform', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  /** Time from receiving an interaction to answering it. */
  readonly latency = new Histogram({
    name: 'quizbot_interaction_duration_seconds',
    help: 'Time from receiving an interaction to answering it',
    labelNames: ['platform', 'kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });
  /** Self-review grades applied, by rating. */
  readonly grades = new Counter({
    name: 'quizbot_grades_total',
    help: 'Self-review grades applied, by rating',
    labelNames: ['rating'] as const,
    registers: [this.registry],
  });
  /** Daily rounds, by event: posted, closed, failed. */
  readonly rounds = new Counter({
    name: 'quizbot_daily_rounds_total',
    help: 'Daily rounds posted, closed and failed',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  /** Store failures seen by users (Redis unreachable, timeouts). */
  readonly storeErrors = new Counter({
    name: 'quizbot_redis_errors_total',
    help: 'Store operations that failed (Redis unreachable or erroring)',
    registers: [this.registry],
  });

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Times one interaction; call the returned function when it is answered. */
  startInteraction(platform: string, kind: string): (outcome: 'ok' | 'refused' | 'error') => void {
    const end = this.latency.startTimer({ platform, kind });
    return (outcome) => {
      end();
      this.interactions.inc({ platform, kind, outcome });
    };
  }
}
