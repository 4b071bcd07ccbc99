import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Fault, FaultPlan, pause, respondWith } from '../faults.js';
import { historyPage, type MessageMetadata, parseMetadata } from './history.js';

/** One Web API call as the fake received it. */
export interface ApiCall {
  /** Method name, e.g. `chat.postMessage`. */
  method: string;
  /** Arguments, with JSON-string fields (`blocks`, `view`) parsed. */
  args: Record<string, unknown>;
  /** The bearer token sent. */
  token: string | null;
  /** HTTP status the fake answered (0 while none, or never: `drop` and `hang`). */
  status: number;
  /** The transport fault played on it, if any. */
  fault?: string;
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
  /** Message metadata it was posted with (`chat.postMessage` `metadata`), if any. */
  metadata?: MessageMetadata;
  /** The bot that posted it. */
  bot_id: string;
  /** The bot user that posted it. */
  user: string;
}

/**
 * A file uploaded the way `files.uploadV2` does it: `files.getUploadURLExternal` reserves it,
 * the bytes are POSTed to its upload URL, `files.completeUploadExternal` shares it.
 */
export interface FakeFile {
  /** File id (`F...`). */
  id: string;
  /** Name given to getUploadURLExternal. */
  filename: string;
  /** Length in bytes declared to getUploadURLExternal. */
  length: number;
  /** Alt text given to getUploadURLExternal. */
  alt_text?: string;
  /** The uploaded bytes, once posted to the upload URL. */
  bytes?: Buffer;
  /** Set by completeUploadExternal. */
  completed?: { title?: string; channel_id?: string; initial_comment?: string; thread_ts?: string };
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

/** A planned failure of the next call(s) of a method (for one channel, when `channel` is set). */
type Planned = (
  | { kind: 'ratelimit'; retryAfter: number }
  | { kind: 'error'; error: string }
  | { kind: 'http'; status: number }
) & { channel?: string; left: number };

/** A transport fault for matching Web API calls (see {@link Fault}). */
export interface SlackFault extends Fault {
  /** Method to match, e.g. `chat.postMessage`. */
  method: string;
  /** Only calls for this channel; default any. */
  channel?: string;
  /** How many matching calls get it; default 1 (`Infinity` for all). */
  times?: number;
}

/** Options of {@link startFakeSlack}. */
export interface FakeSlackOptions {
  /** Workspace id answered by auth.test. */
  teamId?: string;
  /** Bot user id answered by auth.test. */
  botUserId?: string;
  /** Clock of message timestamps (`ts`), ms; default the wall clock. */
  now?: () => number;
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
  /** Files reserved, uploaded and shared, by id. */
  files: Map<string, FakeFile>;
  /** A fresh response_url whose posts are recorded under the returned id. */
  responseUrl(): { id: string; url: string };
  /** Web API calls of one method. */
  callsOf(method: string): ApiCall[];
  /** response_url posts of one id. */
  responsesTo(id: string): ResponsePost[];
  /**
   * The next `times` calls of `method` (for `channel` only, when given; `Infinity` for all)
   * answer HTTP 429 with `Retry-After: retryAfter` seconds.
   */
  rateLimit(method: string, retryAfter?: number, times?: number, channel?: string): void;
  /**
   * Plays a transport fault on matching calls: `drop` posts the message and cuts the connection,
   * `late` posts it and answers after `ms`, `stall` waits `ms` first, `hang` never answers.
   */
  fault(f: SlackFault): void;
  /** Forgets every planned fault, error and rate limit still pending. */
  clearFaults(): void;
  /** Messages of a channel, oldest first. */
  channelMessages(channel: string): FakeMessage[];
  /** Adds a message posted by another app (its `bot_id` and bot user), as history then returns it. */
  postAs(
    from: { bot_id: string; user: string },
    channel: string,
    text: string,
    metadata?: MessageMetadata,
  ): FakeMessage;
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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
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
  for (const k of ['blocks', 'view', 'attachments', 'metadata', 'files']) {
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

/** The file of an upload URL post: raw bytes, or the file part of a multipart form (as @slack/web-api sends it). */
async function uploadedBytes(body: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return body;
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  for (const [, value] of form) if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  return Buffer.alloc(0);
}

/** The DM channel id of the bot with a user, as conversations.open answers (`D` and 10 characters). */
export function dmChannelOf(userId: string): string {
  return `D${userId.slice(1).padEnd(10, '0')}`;
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
  const files = new Map<string, FakeFile>();
  const planned = new Map<string, Planned[]>();
  const faults = new FaultPlan<{ method: string; channel: string }>();
  const clock = opts.now ?? Date.now;
  let responseFailures: number[] = [];
  let lastMicros = 0;
  let base = '';

  // Slack's ts is the post time in seconds with 6 decimals, unique per channel: the wall clock in
  // microseconds, bumped by one when two posts share a microsecond.
  const nextTs = () => {
    lastMicros = Math.max(lastMicros + 1, Math.floor(clock() * 1000));
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
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
        const metadata = parseMetadata(args.metadata);
        if (metadata === 'invalid')
          return { status: 200, body: { ok: false, error: 'invalid_metadata_format' } };
        const ts = nextTs();
        const msg: FakeMessage = {
          channel,
          ts,
          text: args.text,
          blocks: args.blocks,
          edits: 0,
          bot_id: 'B0BOT',
          user: botUserId,
          ...(metadata ? { metadata } : {}),
        };
        messages.set(`${channel}:${ts}`, msg);
        return {
          status: 200,
          body: {
            ok: true,
            channel,
            ts,
            message: {
              type: 'message',
              text: args.text,
              blocks: args.blocks,
              ts,
              bot_id: msg.bot_id,
              user: msg.user,
            },
          },
        };
      }
      case 'conversations.history': {
        const channel = String(args.channel ?? '');
        if (!channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        return { status: 200, body: historyPage(channelMessages(channel), args) };
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
      case 'conversations.open': {
        // The DM of the bot with one user (a `D` id, as Slack gives).
        const user = String(args.users ?? '');
        if (!/^[UW][A-Z0-9]+$/.test(user))
          return { status: 200, body: { ok: false, error: 'user_not_found' } };
        return { status: 200, body: { ok: true, channel: { id: dmChannelOf(user) } } };
      }
      case 'files.getUploadURLExternal':
      case 'files.completeUploadExternal':
        return fileMethod(method, args);
      case 'apps.connections.open':
        return {
          status: 200,
          body: { ok: true, url: `${base.replace('http://', 'ws://')}/link/?ticket=${randomUUID()}` },
        };
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  };

  /** The two Web API halves of files.uploadV2, checked as Slack checks them. */
  const fileMethod = (method: string, args: Record<string, unknown>): { status: number; body: unknown } => {
    const bad = (error: string) => ({ status: 200, body: { ok: false, error } });
    if (method === 'files.getUploadURLExternal') {
      const length = Number(args.length);
      if (!args.filename || !Number.isInteger(length) || length < 1) return bad('invalid_arguments');
      const id = `F${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
      const f: FakeFile = { id, filename: String(args.filename), length };
      if (typeof args.alt_text === 'string') f.alt_text = args.alt_text;
      files.set(id, f);
      return { status: 200, body: { ok: true, upload_url: `${base}/upload/v1/${id}`, file_id: id } };
    }
    const list = Array.isArray(args.files) ? (args.files as { id?: string; title?: string }[]) : [];
    const channel = typeof args.channel_id === 'string' ? args.channel_id : undefined;
    if (list.length === 0 || (channel !== undefined && !/^[CGDZ][A-Z0-9]{8,}$/.test(channel)))
      return bad('invalid_arguments');
    const found = list.map((x) => files.get(String(x.id)));
    if (found.some((f) => !f?.bytes)) return bad('file_not_found');
    const done = found as FakeFile[];
    done.forEach((f, i) => {
      f.completed = { ...(list[i]?.title ? { title: list[i]?.title } : {}) };
      if (channel) f.completed.channel_id = channel;
      if (typeof args.initial_comment === 'string') f.completed.initial_comment = args.initial_comment;
      if (typeof args.thread_ts === 'string') f.completed.thread_ts = args.thread_ts;
    });
    return {
      status: 200,
      body: { ok: true, files: done.map((f) => ({ id: f.id, title: f.completed?.title ?? f.filename })) },
    };
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      const bytes = await readBody(req);
      const raw = bytes.toString('utf8');
      if (req.method === 'POST' && url.pathname.startsWith('/upload/v1/')) {
        // The upload URL of files.getUploadURLExternal: takes the raw bytes (as files.slack.com does).
        const f = files.get(url.pathname.slice('/upload/v1/'.length));
        if (!f || f.bytes) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
          return;
        }
        f.bytes = await uploadedBytes(bytes, req.headers['content-type'] ?? '');
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`OK - ${bytes.length}`);
        return;
      }
      if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
        const method = url.pathname.slice('/api/'.length);
        const args = parseArgs(req, raw);
        const auth = req.headers.authorization;
        const token = auth?.startsWith('Bearer ')
          ? auth.slice(7)
          : typeof args.token === 'string'
            ? args.token
            : null;
        const channel = typeof args.channel === 'string' ? args.channel : '';
        const queue = planned.get(method) ?? [];
        const plan = queue.find((p) => p.left > 0 && (p.channel === undefined || p.channel === channel));
        if (plan) plan.left--;
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
        const fault: Fault | undefined = faults.take({ method, channel });
        const call: ApiCall = { method, args, token, status: 0 };
        calls.push(call);
        if (fault) call.fault = fault.kind;
        if (fault?.kind === 'hang') return;
        if (fault?.kind === 'stall') await pause(fault.ms ?? 0);
        const { status, body } = answer(method, args);
        await respondWith(fault, res, () => {
          call.status = status;
          json(res, status, body);
        });
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

  const plan = (method: string, p: Planned) => {
    const list = planned.get(method) ?? [];
    list.push(p);
    planned.set(method, list);
  };

  function channelMessages(channel: string): FakeMessage[] {
    return [...messages.values()].filter((m) => m.channel === channel);
  }

  return {
    apiUrl: `${base}/api/`,
    baseUrl: base,
    calls,
    responses,
    messages,
    users,
    files,
    socket,
    responseUrl() {
      const id = randomUUID();
      return { id, url: `${base}/response/${id}` };
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    responsesTo: (id) => responses.filter((r) => r.id === id),
    rateLimit: (method, retryAfter = 1, times = 1, channel) =>
      plan(method, { kind: 'ratelimit', retryAfter, left: times, ...(channel ? { channel } : {}) }),
    failNext: (method, error) => plan(method, { kind: 'error', error, left: 1 }),
    fault: (f) =>
      faults.add({
        kind: f.kind,
        match: (c) => c.method === f.method && (f.channel === undefined || f.channel === c.channel),
        ...(f.ms === undefined ? {} : { ms: f.ms }),
        ...(f.times === undefined ? {} : { times: f.times }),
      }),
    clearFaults() {
      faults.clear();
      planned.clear();
    },
    channelMessages,
    postAs(from, channel, text, metadata) {
      const ts = nextTs();
      const msg: FakeMessage = {
        channel,
        ts,
        text,
        blocks: [],
        edits: 0,
        ...from,
        ...(metadata ? { metadata } : {}),
      };
      messages.set(`${channel}:${ts}`, msg);
      return msg;
    },
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
