import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** One Web API call as the fake received it. */
export interface ApiCall {
  /** Method name, e.g. `chat.postMessage`. */
  method: string;
  /** Arguments, with JSON-string fields (`blocks`, `view`) parsed. */
  args: Record<string, unknown>;
  /** The bearer token sent. */
  token: string | null;
  /** HTTP status the fake answered. */
  status: number;
}

/** One post to a response_url. */
export interface ResponsePost {
  /** The response_url id (the last path segment). */
  id: string;
  /** The JSON body posted. */
  body: Record<string, unknown>;
}

/** A message the fake keeps per channel, as posted and then updated. */
export interface FakeMessage {
  /** Channel id. */
  channel: string;
  /** Message ts. */
  ts: string;
  /** Latest text. */
  text: unknown;
  /** Latest blocks. */
  blocks: unknown;
  /** How many times chat.update replaced it. */
  edits: number;
}

/** A user the fake's users.info knows. */
export interface FakeUser {
  /** Handle. */
  name: string;
  /** Workspace admin. */
  is_admin?: boolean;
  /** Workspace owner. */
  is_owner?: boolean;
}

/** A planned failure of the next call(s) of a method. */
type Planned =
  | { kind: 'ratelimit'; retryAfter: number }
  | { kind: 'error'; error: string }
  | { kind: 'http'; status: number };

/** Options of {@link startFakeSlack}. */
export interface FakeSlackOptions {
  /** Workspace id answered by auth.test. */
  teamId?: string;
  /** Bot user id answered by auth.test. */
  botUserId?: string;
}

/** The local fake Slack: Web API, response_urls and the Socket Mode WebSocket on one port. */
export interface FakeSlack {
  /** Web API base for `slackApiUrl` (ends in `/api/`). */
  apiUrl: string;
  /** Base of this server, `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** Every Web API call, in order. */
  calls: ApiCall[];
  /** Every response_url post, in order. */
  responses: ResponsePost[];
  /** Channel messages by `channel:ts`. */
  messages: Map<string, FakeMessage>;
  /** Users known to users.info, by id (unknown ids are plain members). */
  users: Map<string, FakeUser>;
  /** A fresh response_url whose posts are recorded under the returned id. */
  responseUrl(): { id: string; url: string };
  /** Web API calls of one method. */
  callsOf(method: string): ApiCall[];
  /** response_url posts of one id. */
  responsesTo(id: string): ResponsePost[];
  /** The next `times` calls of `method` answer HTTP 429 with `Retry-After: retryAfter` seconds. */
  rateLimit(method: string, retryAfter?: number, times?: number): void;
  /** The next call of `method` answers `{ok:false, error}`. */
  failNext(method: string, error: string): void;
  /** The next posts to any response_url answer this HTTP status. */
  failResponses(status: number, times?: number): void;
  /** Socket Mode side. */
  socket: FakeSocketMode;
  /** Stops everything, dropping open connections. */
  close(): Promise<void>;
}

/** What the fake's Socket Mode server offers a test. */
export interface FakeSocketMode {
  /** Connections currently open. */
  connections(): number;
  /** Resolves once a client has connected and been sent `hello`. */
  connected(): Promise<void>;
  /**
   * Sends an envelope (`slash_commands`, `interactive`, `events_api`) and resolves with the
   * client's ack `{envelope_id, payload}`; rejects after `timeoutMs` without one.
   */
  send(
    type: string,
    payload: unknown,
    opts?: { envelopeId?: string; retryAttempt?: number; timeoutMs?: number },
  ): Promise<{ envelope_id: string; payload?: unknown }>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseArgs(req: IncomingMessage, raw: string): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  let args: Record<string, unknown> = {};
  if (type.includes('application/json')) {
    args = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } else {
    args = Object.fromEntries(new URLSearchParams(raw));
  }
  // The WebClient sends objects as JSON strings inside the form.
  for (const k of ['blocks', 'view', 'attachments']) {
    const v = args[k];
    if (typeof v === 'string') {
      try {
        args[k] = JSON.parse(v);
      } catch {
        // Leave it as sent: the test sees exactly what arrived.
      }
    }
  }
  return args;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Starts a fake Slack on 127.0.0.1 (random port): the Web API methods quizbot uses, recorded
 * call by call; response_url endpoints; and a Socket Mode WebSocket behind
 * `apps.connections.open`. Failures (429 with Retry-After, `ok:false` errors) can be planned.
 */
export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = opts.teamId ?? 'T0TEAM';
  const botUserId = opts.botUserId ?? 'U0BOT';
  const calls: ApiCall[] = [];
  const responses: ResponsePost[] = [];
  const messages = new Map<string, FakeMessage>();
  const users = new Map<string, FakeUser>();
  const planned = new Map<string, Planned[]>();
  let responseFailures: number[] = [];
  let tsCounter = 0;
  let base = '';

  const nextTs = () => {
    tsCounter += 1;
    return `1700000000.${String(tsCounter).padStart(6, '0')}`;
  };

  const answer = (method: string, args: Record<string, unknown>): { status: number; body: unknown } => {
    switch (method) {
      case 'auth.test':
        return {
          status: 200,
          body: {
            ok: true,
            url: 'https://fake.slack.test/',
            team: 'Fake',
            user: 'quizbot',
            team_id: teamId,
            user_id: botUserId,
            bot_id: 'B0BOT',
          },
        };
      case 'chat.postMessage': {
        const channel = String(args.channel ?? '');
        if (!channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const ts = nextTs();
        messages.set(`${channel}:${ts}`, { channel, ts, text: args.text, blocks: args.blocks, edits: 0 });
        return {
          status: 200,
          body: { ok: true, channel, ts, message: { text: args.text, blocks: args.blocks, ts } },
        };
      }
      case 'chat.update': {
        const key = `${String(args.channel)}:${String(args.ts)}`;
        const msg = messages.get(key);
        if (!msg) return { status: 200, body: { ok: false, error: 'message_not_found' } };
        msg.text = args.text;
        msg.blocks = args.blocks;
        msg.edits += 1;
        return { status: 200, body: { ok: true, channel: msg.channel, ts: msg.ts, text: args.text } };
      }
      case 'chat.postEphemeral':
        return { status: 200, body: { ok: true, message_ts: nextTs() } };
      case 'views.publish':
        return {
          status: 200,
          body: { ok: true, view: { id: `V${calls.length}`, type: 'home', ...(args.view as object) } },
        };
      case 'users.info': {
        const id = String(args.user ?? '');
        const u = users.get(id) ?? { name: id.toLowerCase() };
        return {
          status: 200,
          body: {
            ok: true,
            user: {
              id,
              team_id: teamId,
              name: u.name,
              is_admin: u.is_admin ?? false,
              is_owner: u.is_owner ?? false,
            },
          },
        };
      }
      case 'apps.connections.open':
        return {
          status: 200,
          body: { ok: true, url: `${base.replace('http://', 'ws://')}/link/?ticket=${randomUUID()}` },
        };
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      const raw = await readBody(req);
      if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
        const method = url.pathname.slice('/api/'.length);
        const args = parseArgs(req, raw);
        const auth = req.headers.authorization;
        const token = auth?.startsWith('Bearer ')
          ? auth.slice(7)
          : typeof args.token === 'string'
            ? args.token
            : null;
        const plan = planned.get(method)?.shift();
        if (plan?.kind === 'ratelimit') {
          calls.push({ method, args, token, status: 429 });
          json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(plan.retryAfter) });
          return;
        }
        if (plan?.kind === 'http') {
          calls.push({ method, args, token, status: plan.status });
          json(res, plan.status, { ok: false, error: 'fatal_error' });
          return;
        }
        if (plan?.kind === 'error') {
          calls.push({ method, args, token, status: 200 });
          json(res, 200, { ok: false, error: plan.error });
          return;
        }
        const { status, body } = answer(method, args);
        calls.push({ method, args, token, status });
        json(res, status, body);
        return;
      }
      if (req.method === 'POST' && url.pathname.startsWith('/response/')) {
        const id = url.pathname.slice('/response/'.length);
        const status = responseFailures.shift();
        responses.push({ id, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
        if (status) {
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end('no_text');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const acks = new Map<string, (ack: { envelope_id: string; payload?: unknown }) => void>();
  let onConnected: Array<() => void> = [];
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/link/')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (msg.envelope_id)
          acks.get(msg.envelope_id)?.({ envelope_id: msg.envelope_id, payload: msg.payload });
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.size,
          debug_info: { host: 'fake-slack', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0APP' },
        }),
      );
      const waiting = onConnected;
      onConnected = [];
      for (const w of waiting) w();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const socket: FakeSocketMode = {
    connections: () => sockets.size,
    connected: () =>
      sockets.size > 0 ? Promise.resolve() : new Promise<void>((resolve) => onConnected.push(resolve)),
    send(type, payload, o = {}) {
      const envelopeId = o.envelopeId ?? randomUUID();
      const ws = [...sockets][0];
      if (!ws) return Promise.reject(new Error('no Socket Mode client connected'));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          acks.delete(envelopeId);
          reject(new Error(`no ack for envelope ${envelopeId}`));
        }, o.timeoutMs ?? 3_000);
        acks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          acks.delete(envelopeId);
          resolve(ack);
        });
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            ...(o.retryAttempt === undefined
              ? {}
              : { retry_attempt: o.retryAttempt, retry_reason: 'timeout' }),
          }),
        );
      });
    },
  };

  const plan = (method: string, p: Planned, times = 1) => {
    const list = planned.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(p);
    planned.set(method, list);
  };

  return {
    apiUrl: `${base}/api/`,
    baseUrl: base,
    calls,
    responses,
    messages,
    users,
    socket,
    responseUrl() {
      const id = randomUUID();
      return { id, url: `${base}/response/${id}` };
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    responsesTo: (id) => responses.filter((r) => r.id === id),
    rateLimit: (method, retryAfter = 1, times = 1) => plan(method, { kind: 'ratelimit', retryAfter }, times),
    failNext: (method, error) => plan(method, { kind: 'error', error }),
    failResponses(status, times = 1) {
      responseFailures = [...responseFailures, ...Array<number>(times).fill(status)];
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
