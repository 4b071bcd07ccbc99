import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A rate-limiting front for the fake Discord's REST API. */
export interface RateLimiter {
  /** REST base to give discord.js (`rest.api`), without `/v10`. */
  apiUrl: string;
  /** Limited requests let through to the fake. */
  readonly accepted: number;
  /** Limited requests answered 429. */
  readonly limited: number;
  /** The most limited requests let through within any 1,000 ms (never above the limit). */
  readonly peakPerWindow: number;
  /** Milliseconds since the last limited request was let through (Infinity before any). */
  idleMs(): number;
  /** Zeroes the counters (the window itself keeps running). */
  resetCounters(): void;
  /** Stops listening and drops connections. */
  close(): Promise<void>;
}

/**
 * Sits in front of the fake Discord and enforces Discord's global limit on the requests `limited`
 * picks: at most `perSecond` in any sliding 1,000 ms window. Over the limit it answers as Discord's
 * global limit does — 429 with `retry_after` (seconds, float) in the body and the `Retry-After`,
 * `X-RateLimit-Global` and `X-RateLimit-Scope: global` headers — without forwarding. Everything
 * else (and the gateway, which discord.js reaches directly at the URL /gateway/bot names) goes
 * through untouched.
 */
export async function startRateLimiter(opts: {
  /** The fake's REST base, `http://127.0.0.1:PORT/api`. */
  targetApiUrl: string;
  perSecond: number;
  limited: (method: string, path: string) => boolean;
}): Promise<RateLimiter> {
  const target = new URL(opts.targetApiUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const window: number[] = [];
  let accepted = 0;
  let limited = 0;
  let peak = 0;
  let lastAccepted = Number.NEGATIVE_INFINITY;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `rate limiter upstream: ${err.message}`, code: 0 }));
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (!opts.limited(req.method ?? 'GET', path)) {
        forward(req, res, body);
        return;
      }
      const now = performance.now();
      while (window.length && (window[0] as number) <= now - 1_000) window.shift();
      if (window.length >= opts.perSecond) {
        limited++;
        const retryAfter = Math.max(0.001, ((window[0] as number) + 1_000 - now) / 1_000);
        const seconds = retryAfter.toFixed(3);
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': seconds,
          'x-ratelimit-global': 'true',
          'x-ratelimit-scope': 'global',
        });
        res.end(
          JSON.stringify({
            message: 'You are being rate limited.',
            retry_after: Number(seconds),
            global: true,
            code: 0,
          }),
        );
        return;
      }
      window.push(now);
      peak = Math.max(peak, window.length);
      accepted++;
      lastAccepted = now;
      forward(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    get accepted() {
      return accepted;
    },
    get limited() {
      return limited;
    },
    get peakPerWindow() {
      return peak;
    },
    idleMs: () => performance.now() - lastAccepted,
    resetCounters() {
      accepted = 0;
      limited = 0;
      peak = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
