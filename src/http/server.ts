import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

/** A readiness check: resolves when fine, rejects (or returns a reason) when not. */
export type ReadyCheck = () => Promise<string | null>;

/** Options of {@link startHttp}. */
export interface HttpOptions {
  /** Port; 0 picks a free one. */
  port: number;
  /** Host to bind (default all interfaces, for probes). */
  host?: string;
  /** Metrics to serve. */
  metrics: Metrics;
  /** Named readiness checks; `/readyz` is 200 only when every one passes. */
  checks: Record<string, ReadyCheck>;
  /** Per-check time limit in ms (default 1,000). */
  checkTimeoutMs?: number;
}

async function runCheck(check: ReadyCheck, ms: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no answer within ${ms} ms`), ms);
      }),
    ]);
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz` (process up), `/readyz` (every check passes, 503 with reasons otherwise), `/metrics`. */
export async function startHttp(
  o: HttpOptions,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      void (async () => {
        const entries = Object.entries(o.checks);
        const results = await Promise.all(entries.map(([, c]) => runCheck(c, o.checkTimeoutMs ?? 1_000)));
        const failing = Object.fromEntries(
          entries.flatMap(([name], i) => (results[i] ? [[name, results[i] as string]] : [])),
        );
        const ok = Object.keys(failing).length === 0;
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify(ok ? { status: 'ready' } : { status: 'not ready', failing }));
      })();
      return;
    }
    if (path === '/metrics') {
      void o.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': o.metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
