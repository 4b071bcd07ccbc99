import type { FastifyInstance } from 'fastify';
import type { ChartStore } from './chart-store.js';

/**
 * `GET /charts/<id>.png`: a chart a Slack image block points at. No listing and no sign-in (Slack
 * fetches it anonymously); the id is 128 random bits, checked by a strict pattern before the store
 * is asked. Unknown, malformed and expired ids get a bare 404.
 */
export function registerCharts(scope: FastifyInstance, charts: ChartStore): void {
  scope.get<{ Params: { file: string } }>('/charts/:file', async (req, reply) => {
    const m = /^([A-Za-z0-9_-]{22})\.png$/.exec(req.params.file);
    const chart = m?.[1] ? await charts.get(m[1]) : null;
    if (!chart) {
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send('Not found');
    }
    const maxAge = Math.max(0, Math.floor(chart.remainingMs / 1000));
    return reply
      .type('image/png')
      .header('cache-control', `private, max-age=${maxAge}`)
      .header('x-robots-tag', 'noindex')
      .send(chart.png);
  });
}
