import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Fault, FaultPlan, type FaultRule, pause, respondWith } from '../faults.js';
import type { InteractionSigner } from './interactions-http.js';
import { NonceIndex, nonceProblem } from './nonces.js';
import {
  ADMIN_PERMISSIONS,
  channelJson,
  dmChannelJson,
  type FakeAttachment,
  type FakeChannel,
  type FakeGuild,
  type FakeMessage,
  type FakeUser,
  guildJson,
  type Json,
  MEMBER_PERMISSIONS,
  memberJson,
  messageJson,
  snowflake,
  type UploadedFile,
  userJson,
} from './payloads.js';
import { messageProblems } from './validate.js';

/**
 * A local fake Discord for end-to-end tests of the real discord.js client: REST over HTTP and the
 * gateway over WebSocket on 127.0.0.1. It records every request, keeps the messages the bot
 * posts (channel posts and interaction responses) with their edits, injects INTERACTION_CREATE
 * events built from the registered command definitions, rejects what Discord would reject
 * (message limits, late or double interaction responses), and answers 429 on demand.
 */

/** One HTTP request the bot made. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path after `/api/v10`, URL-decoded (`/webhooks/1/tok/messages/@original`). */
  path: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** Parsed JSON body (or `payload_json` of a multipart body). */
  body: unknown;
  /** The file parts of a multipart body (`files[n]`), as uploaded. */
  files?: UploadedFile[];
  /** The status the fake answered with. */
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
  /** The transport fault played on it, if any (status stays 0 when no response was sent). */
  fault?: string;
  /** Set once the fake did the request's work (also when its response is late, dropped or unread). */
  handled?: boolean;
  /**
   * `response`: not a request but the bot's HTTP response to an interaction the fake POSTed to its
   * Interactions Endpoint URL, recorded as the callback it stands for (`POST /interactions/.../callback`).
   */
  via?: 'response';
}

/** A response the fake gives instead of the normal one, for matching requests. */
export interface InjectedResponse {
  /** HTTP method to match. */
  method: string;
  /** Path (after `/api/v10`) to match. */
  path: RegExp;
  /** How many matching requests get it; default 1. */
  times?: number;
  /** Status to answer. */
  status: number;
  /** JSON body. */
  body?: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/** An interaction the fake dispatched and everything the bot answered to it. */
export interface InteractionRecord {
  /** Interaction id. */
  id: string;
  /** Interaction token. */
  token: string;
  /** The INTERACTION_CREATE payload. */
  payload: Json;
  /** When it was dispatched. */
  dispatchedAt: number;
  /** Callbacks received (more than one is a bug the fake answers with 400). */
  callbacks: { type: number; data: Json | undefined; at: number }[];
  /** Id of the response message (@original), once there is one. */
  originalId?: string;
  /** Follow-up message ids. */
  followups: string[];
  /** Autocomplete choices, for type 8 callbacks. */
  choices?: { name: string; value: string | number }[];
  /** Message the clicked component sits on. */
  componentMessageId?: string;
  /** The shard it was sent on, and to how many gateway connections of that shard. */
  shard: number;
  deliveredTo: number;
  /** Why the interaction failed for the user ("This interaction failed"), when it did. */
  failed?: string;
}

/** What a test sees after an interaction settled. */
export interface InteractionResult {
  /** The raw record. */
  record: InteractionRecord;
  /** Callback type: 4 reply, 5 deferred reply, 6 deferred update, 7 update, 8 autocomplete. */
  callbackType: number;
  /** Milliseconds from dispatch to the callback. */
  ackMs: number;
  /** Snapshot of the message the user sees as the answer (latest follow-up, else @original). */
  message: FakeMessage | undefined;
  /** Whether that message is ephemeral. */
  ephemeral: boolean;
  /** Title, description, fields and footer of its first embed (plus content), joined for assertions. */
  text: string;
  /** Its buttons, in order. */
  buttons: { custom_id: string; label: string; style: number }[];
  /** Autocomplete choices. */
  choices: { name: string; value: string | number }[];
}

/** Options of {@link FakeDiscord.start}. */
export interface FakeDiscordOptions {
  /** Guilds the bot is in; default one guild with one channel. */
  guilds?: FakeGuild[];
  /** Application (and bot user) id. */
  appId?: string;
  /** Gateway heartbeat interval announced in HELLO. */
  heartbeatMs?: number;
  /** Interaction callbacks later than this are refused like Discord does (10062); default 3,000. */
  interactionTimeoutMs?: number;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Called after every request (the standalone server logs with it). */
  onRequest?: (r: RecordedRequest) => void;
  /** How long a nonce sent with `enforce_nonce` stays unique ("the past few minutes"); default 3 minutes. */
  nonceWindowMs?: number;
  /** Clock of channel message ids (snowflakes) and of the nonce window, ms; default the wall clock. */
  now?: () => number;
  /**
   * Shard count `GET /gateway/bot` recommends; default 1. Whatever count a connection identifies
   * with, it gets only the guilds (and their events) of its shard, `(guild_id >> 22) % count`,
   * plus DMs on shard 0, as Discord does.
   */
  shards?: number;
}

/** A transport fault for matching REST requests (see {@link Fault}). */
export interface DiscordFault extends Fault {
  /** HTTP method to match. */
  method: string;
  /** Path (after `/api/v10`) to match, e.g. `/^\/channels\/123\/messages$/`. */
  path: RegExp;
  /** How many matching requests get it; default 1 (`Infinity` for all). */
  times?: number;
}

const EPHEMERAL = 64;
const LOADING = 128;

/** Interaction response types Discord accepts per interaction type (PING, command, component, autocomplete). */
const ALLOWED_CALLBACKS: Record<number, number[]> = { 1: [1], 2: [4, 5], 3: [4, 5, 6, 7], 4: [8] };

function text(m: FakeMessage | undefined): string {
  if (!m) return '';
  const parts: string[] = [m.content];
  for (const e of m.embeds) {
    parts.push(String(e.title ?? ''), String(e.description ?? ''));
    for (const f of (e.fields as Json[] | undefined) ?? [])
      parts.push(`${String(f.name)}: ${String(f.value)}`);
    parts.push(String((e.footer as Json | undefined)?.text ?? ''));
  }
  return parts.filter(Boolean).join('\n');
}

function buttonsOf(m: FakeMessage | undefined): InteractionResult['buttons'] {
  return (m?.components ?? []).flatMap((row) =>
    ((row.components as Json[] | undefined) ?? []).map((b) => ({
      custom_id: String(b.custom_id),
      label: String(b.label),
      style: Number(b.style),
    })),
  );
}

/** The fake Discord. Start with {@link FakeDiscord.start}; close with {@link FakeDiscord.close} after the client is destroyed. */
export class FakeDiscord {
  /** REST base to give the client (`rest.api`), without `/v10`. */
  apiUrl = '';
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Requests refused for breaking Discord's message limits, with the reasons. */
  readonly rejected: { request: RecordedRequest; problems: string[] }[] = [];
  /** Messages by id (channel posts and interaction responses). */
  readonly messages = new Map<string, FakeMessage>();
  /** Interactions by id. */
  readonly interactions = new Map<string, InteractionRecord>();
  /** Registered commands: `global`, or a guild id. */
  readonly commands = new Map<string, Json[]>();
  /** IDENTIFY payloads received. */
  readonly identifies: Json[] = [];
  /** The bot user. */
  readonly bot: FakeUser;
  /** The guilds. */
  readonly guilds: FakeGuild[];

  private readonly appId: string;
  private readonly heartbeatMs: number;
  private readonly interactionTimeoutMs: number;
  private readonly onRequest: ((r: RecordedRequest) => void) | undefined;
  private readonly injected: (InjectedResponse & { left: number })[] = [];
  private readonly faults = new FaultPlan<RecordedRequest>();
  private readonly nonces: NonceIndex;
  private readonly now: () => number;
  private readonly sockets = new Set<WebSocket>();
  /** `[shard, count]` each identified connection gave in IDENTIFY. */
  private readonly shardOf = new Map<WebSocket, [number, number]>();
  private readonly shardCount: number;
  /** Users made by `user()`, members of every guild (REST member fetches). */
  private readonly members = new Map<string, FakeUser>();
  private readonly waiters = new Set<() => void>();
  /** The Interactions Endpoint URL and the application's key, once set: interactions go there, not to the gateway. */
  private endpoint: { url: string; signer: InteractionSigner } | undefined;
  private server!: Server;
  private wss!: WebSocketServer;
  private seq = 0;
  private port = 0;

  private constructor(opts: FakeDiscordOptions) {
    this.appId = opts.appId ?? snowflake();
    this.bot = { id: this.appId, username: 'quizbot', permissions: 0n, bot: true };
    this.guilds = opts.guilds ?? [
      { id: snowflake(), name: 'Test Server', channels: [{ id: snowflake(), name: 'general' }] },
    ];
    this.heartbeatMs = opts.heartbeatMs ?? 41_250;
    this.interactionTimeoutMs = opts.interactionTimeoutMs ?? 3_000;
    this.onRequest = opts.onRequest;
    this.nonces = new NonceIndex(opts.nonceWindowMs ?? 180_000);
    this.now = opts.now ?? Date.now;
    this.shardCount = opts.shards ?? 1;
  }

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(opts);
    fake.server = createServer((req, res) => {
      fake.onHttp(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(err), code: 0 }));
      });
    });
    fake.wss = new WebSocketServer({ noServer: true });
    fake.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      fake.wss.handleUpgrade(req, socket, head, (ws) => fake.onSocket(ws));
    });
    await new Promise<void>((resolve) => fake.server.listen(opts.port ?? 0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.apiUrl = `http://127.0.0.1:${fake.port}/api`;
    return fake;
  }

  /** Application id (= bot user id). */
  get applicationId(): string {
    return this.appId;
  }

  /** Closes every socket and the server. Destroy the discord.js client first, or it reconnects. */
  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- test controls

  /** A user for interactions; `admin` gives Manage Server. */
  user(name: string, opts: { admin?: boolean; id?: string; permissions?: bigint } = {}): FakeUser {
    const u: FakeUser = {
      id: opts.id ?? snowflake(),
      username: name,
      globalName: name[0]?.toUpperCase() + name.slice(1),
      permissions: opts.permissions ?? (opts.admin ? ADMIN_PERMISSIONS : MEMBER_PERMISSIONS),
    };
    this.members.set(u.id, u);
    return u;
  }

  /** Changes a user's permissions (an admin demoted): REST member fetches answer the new ones. */
  setPermissions(userId: string, permissions: bigint): void {
    const u = this.members.get(userId);
    if (!u) throw new Error(`fake discord: no user ${userId}`);
    u.permissions = permissions;
  }

  /** Answers the next `times` matching requests with 429 and `retry_after`, as Discord's per-route limit does. */
  rateLimit(method: string, path: RegExp, retryAfterMs: number, times = 1): void {
    const seconds = retryAfterMs / 1000;
    this.inject({
      method,
      path,
      times,
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
      headers: {
        'retry-after': String(seconds),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(seconds),
        'x-ratelimit-bucket': 'fake-bucket',
        'x-ratelimit-scope': 'user',
      },
    });
  }

  /** Answers matching requests with a given response instead of the normal one. */
  inject(r: InjectedResponse): void {
    this.injected.push({ ...r, left: r.times ?? 1 });
  }

  /**
   * Plays a transport fault on the next `times` matching requests: `drop` creates the message and
   * cuts the connection, `late` creates it and answers after `ms`, `stall` waits `ms` first,
   * `hang` never answers. Per channel: match `/^\/channels\/<id>\/messages$/`.
   */
  fault(f: DiscordFault): void {
    const rule: FaultRule<RecordedRequest> = {
      kind: f.kind,
      match: (r) => r.method === f.method && f.path.test(r.path),
      ...(f.ms === undefined ? {} : { ms: f.ms }),
      ...(f.times === undefined ? {} : { times: f.times }),
    };
    this.faults.add(rule);
  }

  /** Forgets every planned fault, injected response and rate limit still pending. */
  clearFaults(): void {
    this.faults.clear();
    this.injected.length = 0;
  }

  /**
   * A message created by someone else (another bot, a user) with `body`'s content, embeds and
   * components, as the channel's history then returns it; the nonce index is not touched (a nonce
   * is unique per author).
   */
  postAs(author: FakeUser, channelId: string, body: Json): FakeMessage {
    const m = this.store(channelId, body, 0, undefined, this.now());
    m.author = userJson(author);
    return m;
  }

  /** Messages in a channel (not deleted), oldest first. */
  channelMessages(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !m.deleted);
  }

  /** Requests matching a method and a path pattern. */
  find(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** Waits until `check` returns a value (re-checked after every request), or fails after `timeoutMs`. */
  async waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
    const first = check();
    if (first) return first;
    return new Promise<T>((resolve, reject) => {
      const poll = () => {
        const v = check();
        if (v) {
          clearTimeout(timer);
          this.waiters.delete(poll);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(poll);
        const recent = this.requests.slice(-8).map((r) => `${r.method} ${r.path} -> ${r.status}`);
        reject(
          new Error(`fake discord: timed out waiting for ${what}; last requests:\n  ${recent.join('\n  ')}`),
        );
      }, timeoutMs);
      this.waiters.add(poll);
    });
  }

  /** The current state of a message. */
  message(id: string): FakeMessage {
    const m = this.messages.get(id);
    if (!m) throw new Error(`fake discord: no message ${id}`);
    return m;
  }

  /** Sends a gateway dispatch to every identified connection. */
  dispatch(t: string, d: unknown): void {
    const frame = JSON.stringify({ op: 0, t, s: ++this.seq, d });
    for (const ws of this.sockets) ws.send(frame);
  }

  /**
   * Sends a guild's dispatch only to the connections of the guild's shard (a DM's: shard 0), as
   * Discord does; returns that shard (of the first connection's count) and how many got it.
   */
  dispatchToGuild(guildId: string | null, t: string, d: unknown): { shard: number; deliveredTo: number } {
    const frame = JSON.stringify({ op: 0, t, s: ++this.seq, d });
    let shard = 0;
    let deliveredTo = 0;
    for (const ws of this.sockets) {
      const [id, count] = this.shardOf.get(ws) ?? [0, 1];
      const own = guildId === null ? 0 : guildShard(guildId, count);
      if (own !== id) continue;
      shard = own;
      deliveredTo++;
      ws.send(frame);
    }
    return { shard, deliveredTo };
  }

  /**
   * Runs a slash command as `user`, with options checked against the registered definition
   * (as Discord's client would), and waits until the bot's answer settled.
   */
  async slash(opts: {
    command: string;
    user: FakeUser;
    subcommand?: string;
    options?: Record<string, string | number | boolean>;
    /** Guild to run it in; default the first guild. `null`: a DM with the bot. */
    guildId?: string | null;
    /** Channel; default the guild's first channel. */
    channelId?: string;
    /** How long to wait for the answer to settle (default {@link settled}'s; the bench's bursts wait longer). */
    timeoutMs?: number;
  }): Promise<InteractionResult> {
    const { data } = this.commandData(opts.command, opts.subcommand, opts.options ?? {}, null, opts.guildId);
    const rec = this.interact(2, data, opts.user, opts.guildId, opts.channelId);
    return this.settled(rec, opts.timeoutMs);
  }

  /** Autocomplete of one option while the user types `value` into it. */
  async autocomplete(opts: {
    command: string;
    user: FakeUser;
    subcommand?: string;
    focused: string;
    value: string;
    options?: Record<string, string | number | boolean>;
    guildId?: string | null;
  }): Promise<InteractionResult> {
    const options = { ...opts.options, [opts.focused]: opts.value };
    const { data } = this.commandData(opts.command, opts.subcommand, options, opts.focused, opts.guildId);
    return this.settled(this.interact(4, data, opts.user, opts.guildId));
  }

  /**
   * Presses a button on a stored message as `user`. The custom_id must be one of the message's
   * buttons unless `unchecked` (a crafted or old-version id).
   */
  async click(opts: {
    message: FakeMessage | string;
    customId: string;
    user: FakeUser;
    unchecked?: boolean;
    /** How long to wait for the answer to settle (default {@link settled}'s). */
    timeoutMs?: number;
  }): Promise<InteractionResult> {
    const msg = this.message(typeof opts.message === 'string' ? opts.message : opts.message.id);
    if (!opts.unchecked && !buttonsOf(msg).some((b) => b.custom_id === opts.customId)) {
      throw new Error(`fake discord: message ${msg.id} has no button ${opts.customId}`);
    }
    const guildId = this.guildOfChannel(msg.channel_id)?.id ?? null;
    const rec = this.interact(
      3,
      { custom_id: opts.customId, component_type: 2 },
      opts.user,
      guildId,
      msg.channel_id,
      messageJson(msg),
    );
    rec.componentMessageId = msg.id;
    return this.settled(rec, opts.timeoutMs);
  }

  /** Waits for the bot's answer to an interaction: a reply/update, or a defer followed by an edit or follow-up. */
  async settled(rec: InteractionRecord, timeoutMs = 5_000): Promise<InteractionResult> {
    await this.waitFor(
      `the answer to interaction ${rec.id}`,
      () => {
        if (rec.failed) return true;
        const cb = rec.callbacks[0];
        if (!cb) return false;
        if (cb.type === 5 || cb.type === 6) {
          const original = rec.originalId ? this.messages.get(rec.originalId) : undefined;
          const edited = original && cb.type === 5 ? !(original.flags & LOADING) : (original?.edits ?? 0) > 0;
          return rec.followups.length > 0 || (cb.type === 5 ? edited : this.editedAfter(rec)) || false;
        }
        return true;
      },
      timeoutMs,
    );
    if (rec.failed) throw new Error(`fake discord: interaction ${rec.id} failed: ${rec.failed}`);
    const cb = rec.callbacks[0] as InteractionRecord['callbacks'][number];
    const lastFollowup = rec.followups.at(-1);
    const id = lastFollowup ?? rec.originalId;
    const live = id ? this.messages.get(id) : undefined;
    const message = live ? structuredClone(live) : undefined;
    return {
      record: rec,
      callbackType: cb.type,
      ackMs: cb.at - rec.dispatchedAt,
      message,
      ephemeral: Boolean(message && message.flags & EPHEMERAL),
      text: text(message),
      buttons: buttonsOf(message),
      choices: rec.choices ?? [],
    };
  }

  private editedAfter(rec: InteractionRecord): boolean {
    const token = rec.token;
    return this.requests.some(
      (r) => r.method === 'PATCH' && r.path.startsWith(`/webhooks/${this.appId}/${token}/`),
    );
  }

  // ---------------------------------------------------------------- interactions

  private guildOfChannel(channelId: string): FakeGuild | undefined {
    return this.guilds.find((g) => g.channels.some((c) => c.id === channelId));
  }

  private channel(channelId: string): { channel: FakeChannel; guild: FakeGuild } | undefined {
    for (const guild of this.guilds) {
      const channel = guild.channels.find((c) => c.id === channelId);
      if (channel) return { channel, guild };
    }
    return undefined;
  }

  private commandData(
    name: string,
    subcommand: string | undefined,
    given: Record<string, string | number | boolean>,
    focused: string | null,
    guildId: string | null | undefined,
  ): { data: Json } {
    const gid = guildId === undefined ? this.guilds[0]?.id : guildId;
    const defs = [...(gid ? (this.commands.get(gid) ?? []) : []), ...(this.commands.get('global') ?? [])];
    const def = defs.find((c) => c.name === name);
    if (!def) throw new Error(`fake discord: command /${name} is not registered`);
    let optionDefs = (def.options as Json[] | undefined) ?? [];
    if (subcommand) {
      const sub = optionDefs.find((o) => o.name === subcommand && o.type === 1);
      if (!sub) throw new Error(`fake discord: /${name} has no subcommand ${subcommand}`);
      optionDefs = (sub.options as Json[] | undefined) ?? [];
    }
    const resolvedChannels: Record<string, Json> = {};
    const options = Object.entries(given).map(([key, value]) => {
      const o = optionDefs.find((d) => d.name === key);
      if (!o) throw new Error(`fake discord: /${name} ${subcommand ?? ''} has no option ${key}`);
      const choices = o.choices as { value: unknown }[] | undefined;
      if (choices && key !== focused && !choices.some((c) => c.value === value)) {
        throw new Error(`fake discord: ${String(value)} is not a choice of ${key}`);
      }
      if (o.type === 7) {
        const found = this.channel(String(value));
        if (!found) throw new Error(`fake discord: no channel ${String(value)}`);
        resolvedChannels[found.channel.id] = {
          ...channelJson(found.channel, found.guild.id),
          permissions: String(ADMIN_PERMISSIONS),
        };
      }
      return { name: key, type: o.type, value, ...(key === focused ? { focused: true } : {}) };
    });
    for (const d of optionDefs) {
      if (d.required && !(String(d.name) in given) && !focused) {
        throw new Error(`fake discord: /${name} needs option ${String(d.name)}`);
      }
    }
    const data: Json = {
      id: String(def.id),
      name,
      type: 1,
      options: subcommand ? [{ name: subcommand, type: 1, options }] : options,
      ...(Object.keys(resolvedChannels).length ? { resolved: { channels: resolvedChannels } } : {}),
      ...(gid ? { guild_id: gid } : {}),
    };
    return { data };
  }

  /** Dispatches INTERACTION_CREATE and returns its record. */
  interact(
    type: number,
    data: Json,
    user: FakeUser,
    guildId?: string | null,
    channelId?: string,
    message?: Json,
  ): InteractionRecord {
    const id = snowflake();
    const token = `tok_${id}_${Math.random().toString(36).slice(2)}`;
    const gid = guildId === undefined ? this.guilds[0]?.id : guildId;
    const guild = gid ? this.guilds.find((g) => g.id === gid) : undefined;
    let where: Json;
    if (guild) {
      const channel =
        (channelId ? guild.channels.find((c) => c.id === channelId) : undefined) ?? guild.channels[0];
      if (!channel) throw new Error(`fake discord: guild ${guild.id} has no channel ${channelId ?? ''}`);
      where = {
        guild_id: guild.id,
        guild: { id: guild.id, locale: 'en-US', features: [] },
        channel_id: channel.id,
        channel: { ...channelJson(channel, guild.id), permissions: String(user.permissions) },
        member: memberJson(user),
        guild_locale: 'en-US',
        authorizing_integration_owners: { '0': guild.id },
        context: 0,
      };
    } else {
      const dm = channelId ?? `9${user.id.slice(1)}`;
      where = {
        channel_id: dm,
        channel: dmChannelJson(dm, user),
        user: userJson(user),
        authorizing_integration_owners: { '0': '0' },
        context: 1,
      };
    }
    const payload: Json = {
      id,
      application_id: this.appId,
      type,
      data,
      token,
      version: 1,
      app_permissions: String(ADMIN_PERMISSIONS),
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 8_388_608,
      ...where,
      ...(message ? { message } : {}),
    };
    const rec: InteractionRecord = {
      id,
      token,
      payload,
      dispatchedAt: Date.now(),
      callbacks: [],
      followups: [],
      shard: 0,
      deliveredTo: 0,
    };
    this.interactions.set(id, rec);
    if (this.endpoint) void this.deliver(rec, this.endpoint);
    else Object.assign(rec, this.dispatchToGuild(guild?.id ?? null, 'INTERACTION_CREATE', payload));
    return rec;
  }

  // ---------------------------------------------------------------- interactions endpoint (HTTP)

  /**
   * Sets the application's Interactions Endpoint URL, as saving it in the Developer Portal does:
   * Discord first checks it (a signed PING must get `{"type":1}`, a badly signed one a 401) and
   * refuses the URL otherwise. From then on interactions are POSTed there, not sent on the gateway.
   */
  async setInteractionsEndpoint(url: string, signer: InteractionSigner): Promise<void> {
    const ping = JSON.stringify({
      id: snowflake(),
      application_id: this.appId,
      type: 1,
      token: 'ping',
      version: 1,
    });
    const good = await signer.post(url, ping);
    const pong = good.status === 200 && good.contentType.startsWith('application/json') ? good.text : '';
    if (pong === '' || (JSON.parse(pong) as Json).type !== 1)
      throw new Error(
        `fake discord: interactions endpoint did not answer the PING: ${good.status} ${good.text}`,
      );
    const bad = await signer.post(url, ping, { signature: '0'.repeat(128) });
    if (bad.status !== 401)
      throw new Error(
        `fake discord: interactions endpoint answered a bad signature with ${bad.status}, not 401`,
      );
    this.endpoint = { url, signer };
  }

  /**
   * POSTs an interaction to the endpoint and takes the HTTP response as its callback, as Discord
   * does: within the interaction timeout, 200 with a JSON interaction response of a type allowed for
   * the interaction; anything else fails the interaction for the user.
   */
  private async deliver(
    rec: InteractionRecord,
    to: { url: string; signer: InteractionSigner },
  ): Promise<void> {
    const path = `/interactions/${rec.id}/${rec.token}/callback`;
    const at = Date.now();
    const record = (status: number, body: unknown): RecordedRequest => {
      const r: RecordedRequest = { method: 'POST', path, query: {}, body, status, at, via: 'response' };
      this.requests.push(r);
      this.onRequest?.(r);
      return r;
    };
    let res: Awaited<ReturnType<InteractionSigner['post']>>;
    try {
      res = await to.signer.post(to.url, JSON.stringify(rec.payload), {
        timeoutMs: this.interactionTimeoutMs,
      });
    } catch (err) {
      rec.failed = `no response from the endpoint: ${(err as Error).message}`;
      return this.notify();
    }
    let body: Json | undefined;
    try {
      body = res.contentType.startsWith('application/json') ? (JSON.parse(res.text) as Json) : undefined;
    } catch {
      body = undefined;
    }
    const r = record(res.status, body ?? res.text);
    const allowed = ALLOWED_CALLBACKS[Number(rec.payload.type)] ?? [];
    if (res.status !== 200 || !body || !allowed.includes(Number(body.type))) {
      rec.failed = `endpoint answered ${res.status} ${res.text.slice(0, 200)}`;
      if (res.status === 200)
        this.rejected.push({ request: r, problems: [`callback type ${String(body?.type)} not allowed`] });
      return this.notify();
    }
    const [status] = this.applyCallback(rec, r);
    if (status >= 400)
      rec.failed = `endpoint's answer refused: ${JSON.stringify(this.rejected.at(-1)?.problems)}`;
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  // ---------------------------------------------------------------- gateway

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    const forget = () => {
      this.sockets.delete(ws);
      this.shardOf.delete(ws);
    };
    ws.on('close', forget);
    ws.on('error', forget);
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatMs } }));
    ws.on('message', (raw) => {
      let msg: { op: number; d: unknown };
      try {
        msg = JSON.parse(String(raw)) as { op: number; d: unknown };
      } catch {
        return;
      }
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11 }));
      else if (msg.op === 2) this.onIdentify(ws, msg.d as Json);
      else if (msg.op === 6) ws.send(JSON.stringify({ op: 9, d: false }));
    });
  }

  private onIdentify(ws: WebSocket, d: Json): void {
    this.identifies.push(d);
    const [shard, count] = Array.isArray(d.shard) ? (d.shard as [number, number]) : [0, 1];
    this.shardOf.set(ws, [shard, count]);
    const guilds = this.guilds.filter((g) => guildShard(g.id, count) === shard);
    const send = (t: string, payload: unknown) =>
      ws.send(JSON.stringify({ op: 0, t, s: ++this.seq, d: payload }));
    send('READY', {
      v: 10,
      user: { ...userJson(this.bot), verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: `session_${snowflake()}`,
      resume_gateway_url: `ws://127.0.0.1:${this.port}/gateway`,
      shard: [shard, count],
      application: { id: this.appId, flags: 0 },
      private_channels: [],
      relationships: [],
      user_settings: {},
      presences: [],
      geo_ordered_rtc_regions: [],
    });
    for (const g of guilds) send('GUILD_CREATE', guildJson(g, this.bot, this.appId));
  }

  // ---------------------------------------------------------------- REST

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
    const { body, files } = await parseBody(raw, req.headers['content-type'] ?? '');
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ''));
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      ...(files.length ? { files } : {}),
      status: 0,
      at: Date.now(),
    };
    this.requests.push(rec);
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (json === undefined) {
        res.writeHead(status, headers);
        res.end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      }
      this.onRequest?.(rec);
      for (const w of [...this.waiters]) w();
    };
    const injected = this.injected.find((r) => r.left > 0 && r.method === rec.method && r.path.test(path));
    if (injected) {
      injected.left--;
      send(injected.status, injected.body ?? {}, injected.headers);
      return;
    }
    if (!url.pathname.startsWith('/api/v10/')) {
      send(404, { message: '404: Not Found', code: 0 });
      return;
    }
    const fault: Fault | undefined = this.faults.take(rec);
    const notify = () => {
      for (const w of [...this.waiters]) w();
    };
    if (fault) rec.fault = fault.kind;
    if (fault?.kind === 'hang') return notify();
    if (fault?.kind === 'stall') await pause(fault.ms ?? 0);
    const [status, json] = this.route(rec);
    rec.handled = true;
    // A faulted request is seen (and its effect) before, or without, any response.
    if (fault) notify();
    await respondWith(fault, res, () => send(status, json));
  }

  private route(rec: RecordedRequest): [number, unknown] {
    const { method, path } = rec;
    const body = (rec.body ?? {}) as Json;
    const seg = path.split('/').filter(Boolean);
    const is = (m: string, re: RegExp) => method === m && re.test(path);
    const app = {
      id: this.appId,
      name: 'quizbot',
      flags: 0,
      bot_public: true,
      bot_require_code_grant: false,
      description: '',
      icon: null,
      verify_key: '',
      team: null,
      summary: '',
    };

    if (is('GET', /^\/gateway\/bot$/)) {
      return [
        200,
        {
          url: `ws://127.0.0.1:${this.port}/gateway`,
          shards: this.shardCount,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
        },
      ];
    }
    if (is('GET', /^\/gateway$/)) return [200, { url: `ws://127.0.0.1:${this.port}/gateway` }];
    if (is('GET', /^\/(oauth2\/)?applications\/@me$/)) return [200, app];
    if (is('GET', /^\/users\/@me$/)) return [200, userJson(this.bot)];

    // Commands: /applications/{app}/commands, /applications/{app}/guilds/{guild}/commands
    if (/^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      const scope = seg[3] ?? 'global';
      if (method === 'PUT') {
        const list = (Array.isArray(rec.body) ? (rec.body as Json[]) : []).map((c) => ({
          ...c,
          id: snowflake(),
          application_id: this.appId,
          version: snowflake(),
          ...(scope !== 'global' ? { guild_id: scope } : {}),
        }));
        this.commands.set(scope, list);
        return [200, list];
      }
      if (method === 'GET') return [200, this.commands.get(scope) ?? []];
    }

    // Interaction callback: /interactions/{id}/{token}/callback
    if (is('POST', /^\/interactions\/\d+\/[^/]+\/callback$/))
      return this.onCallback(seg[1] ?? '', seg[2] ?? '', rec);

    // Webhook (interaction token): follow-ups and @original
    if (/^\/webhooks\/\d+\/[^/]+/.test(path)) return this.onWebhook(seg, rec);

    // Guild members: GET /guilds/{guild}/members/{user}
    if (is('GET', /^\/guilds\/\d+\/members\/\d+$/)) {
      const guild = this.guilds.find((g) => g.id === seg[1]);
      const u = this.members.get(seg[3] ?? '');
      if (!guild) return [404, { message: 'Unknown Guild', code: 10004 }];
      return u ? [200, memberJson(u, guild.id)] : [404, { message: 'Unknown Member', code: 10007 }];
    }

    // Channels
    if (is('GET', /^\/channels\/\d+$/)) {
      const found = this.channel(seg[1] ?? '');
      return found ? [200, channelJson(found.channel, found.guild.id)] : unknownChannel();
    }
    if (is('GET', /^\/channels\/\d+\/messages$/)) {
      const found = this.channel(seg[1] ?? '');
      return found ? [200, this.history(found.channel.id, rec.query)] : unknownChannel();
    }
    if (is('POST', /^\/channels\/\d+\/messages$/)) {
      const found = this.channel(seg[1] ?? '');
      if (!found) return unknownChannel();
      const problems = messageProblems(body, { create: true });
      const bad = nonceProblem(body.nonce);
      if (bad) problems.push(bad);
      if (problems.length) return this.reject(rec, problems);
      return [200, messageJson(this.create(found.channel.id, body, rec.files))];
    }
    if (/^\/channels\/\d+\/messages\/\d+$/.test(path)) {
      const m = this.messages.get(seg[3] ?? '');
      if (!m || m.channel_id !== seg[1] || m.deleted) return unknownMessage();
      if (method === 'GET') return [200, messageJson(m)];
      if (method === 'PATCH') {
        const problems = messageProblems(body, { create: false });
        if (problems.length) return this.reject(rec, problems);
        this.edit(m, body, rec.files);
        return [200, messageJson(m)];
      }
    }
    return [404, { message: '404: Not Found', code: 0 }];
  }

  private onCallback(id: string, token: string, rec: RecordedRequest): [number, unknown] {
    const ix = this.interactions.get(id);
    if (!ix || ix.token !== token) return [404, { message: 'Unknown interaction', code: 10062 }];
    if (Date.now() - ix.dispatchedAt > this.interactionTimeoutMs)
      return [404, { message: 'Unknown interaction', code: 10062 }];
    if (ix.callbacks.length > 0)
      return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
    return this.applyCallback(ix, rec);
  }

  /** The interaction's first answer: checked as a message when it is one, then applied. */
  private applyCallback(ix: InteractionRecord, rec: RecordedRequest): [number, unknown] {
    const body = (rec.body ?? {}) as { type: number; data?: Json };
    const data = body.data;
    if ((body.type === 4 || body.type === 7) && data) {
      const problems = messageProblems(data, { create: body.type === 4 });
      if (problems.length) return this.reject(rec, problems);
    }
    ix.callbacks.push({ type: body.type, data, at: Date.now() });
    const channelId = String(ix.payload.channel_id);
    switch (body.type) {
      case 4:
        ix.originalId = this.store(
          channelId,
          data ?? {},
          Number(data?.flags ?? 0),
          this.appId,
          undefined,
          rec.files,
        ).id;
        break;
      case 5:
        ix.originalId = this.store(
          channelId,
          { content: '' },
          Number(data?.flags ?? 0) | LOADING,
          this.appId,
        ).id;
        break;
      case 6:
        if (ix.componentMessageId) ix.originalId = ix.componentMessageId;
        break;
      case 7:
        if (ix.componentMessageId) {
          ix.originalId = ix.componentMessageId;
          this.edit(this.message(ix.componentMessageId), data ?? {}, rec.files);
        }
        break;
      case 8:
        ix.choices = (data?.choices as InteractionRecord['choices']) ?? [];
        break;
    }
    if (rec.query.with_response === 'true') {
      const m = ix.originalId ? this.messages.get(ix.originalId) : undefined;
      return [
        200,
        {
          interaction: { id: ix.id, type: ix.payload.type },
          resource: { type: body.type, ...(m ? { message: messageJson(m) } : {}) },
        },
      ];
    }
    return [204, undefined];
  }

  private onWebhook(seg: string[], rec: RecordedRequest): [number, unknown] {
    const [, appId, token, messages, target] = seg;
    const ix = [...this.interactions.values()].find((i) => i.token === token);
    if (appId !== this.appId || !ix) return [404, { message: 'Unknown Webhook', code: 10015 }];
    if (ix.callbacks.length === 0) return [404, { message: 'Unknown Webhook', code: 10015 }];
    const body = (rec.body ?? {}) as Json;
    if (rec.method === 'POST' && messages === undefined) {
      const problems = messageProblems(body, { create: true });
      if (problems.length) return this.reject(rec, problems);
      const m = this.store(
        String(ix.payload.channel_id),
        body,
        Number(body.flags ?? 0),
        this.appId,
        undefined,
        rec.files,
      );
      ix.followups.push(m.id);
      return [200, messageJson(m)];
    }
    if (messages !== 'messages' || !target) return [404, { message: '404: Not Found', code: 0 }];
    const id = target === '@original' ? ix.originalId : target;
    const m = id ? this.messages.get(id) : undefined;
    if (!m || m.deleted) return unknownMessage();
    if (rec.method === 'GET') return [200, messageJson(m)];
    if (rec.method === 'DELETE') {
      m.deleted = true;
      return [204, undefined];
    }
    if (rec.method === 'PATCH') {
      const problems = messageProblems(body, { create: false });
      if (problems.length) return this.reject(rec, problems);
      this.edit(m, body, rec.files);
      m.flags &= ~LOADING;
      return [200, messageJson(m)];
    }
    return [404, { message: '404: Not Found', code: 0 }];
  }

  private reject(rec: RecordedRequest, problems: string[]): [number, unknown] {
    this.rejected.push({ request: rec, problems });
    return [
      400,
      {
        message: 'Invalid Form Body',
        code: 50035,
        errors: { _errors: problems.map((p) => ({ code: 'BASE_TYPE_INVALID', message: p })) },
      },
    ];
  }

  /**
   * Get Channel Messages: newest first, at most `limit` (1-100, default 50), only those after the
   * snowflake `after` when given (before and around are not needed by quizbot).
   */
  private history(channelId: string, query: Record<string, string>): Json[] {
    const after = query.after ? BigInt(query.after) : -1n;
    const limit = Math.min(100, Math.max(1, Number(query.limit ?? 50) || 50));
    return this.channelMessages(channelId)
      .filter((m) => BigInt(m.id) > after)
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
      .slice(0, limit)
      .map(messageJson);
  }

  /**
   * Create Message by the bot: with a nonce and `enforce_nonce: true`, a second create with the
   * same nonce within the window returns the first message instead of creating another.
   */
  private create(channelId: string, body: Json, files?: UploadedFile[]): FakeMessage {
    const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : undefined;
    const now = this.now();
    const authorId = this.bot.id;
    if (nonce !== undefined && body.enforce_nonce === true) {
      const existing = this.nonces.find(authorId, nonce, now);
      const m = existing ? this.messages.get(existing) : undefined;
      if (m) return m;
    }
    const m = this.store(channelId, body, 0, undefined, now, files);
    if (nonce !== undefined) {
      m.nonce = nonce;
      this.nonces.remember(authorId, nonce, m.id, now);
    }
    return m;
  }

  private store(
    channelId: string,
    body: Json,
    flags: number,
    webhookId?: string,
    at?: number,
    files?: UploadedFile[],
  ): FakeMessage {
    const m: FakeMessage = {
      id: snowflake(at),
      channel_id: channelId,
      author: userJson(this.bot),
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? (body.embeds as Json[]) : [],
      components: Array.isArray(body.components) ? (body.components as Json[]) : [],
      flags,
      edits: 0,
      deleted: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      attachments: attachmentsOf(body, [], files),
      ...(webhookId ? { webhook_id: webhookId } : {}),
    };
    this.messages.set(m.id, m);
    return m;
  }

  private edit(m: FakeMessage, body: Json, files?: UploadedFile[]): void {
    if (typeof body.content === 'string') m.content = body.content;
    if (files?.length || Array.isArray(body.attachments))
      m.attachments = attachmentsOf(body, m.attachments, files);
    if (Array.isArray(body.embeds)) m.embeds = body.embeds as Json[];
    if (Array.isArray(body.components)) m.components = body.components as Json[];
    m.edits++;
    m.edited_timestamp = new Date().toISOString();
  }
}

/**
 * The attachments a message has after a create or edit, as Discord keeps them: each `attachments`
 * entry names either a kept attachment (its snowflake) or a new upload (the index n of `files[n]`,
 * as discord.js sends them); without an `attachments` list every upload is added and, on an edit,
 * the old ones stay.
 */
function attachmentsOf(body: Json, old: FakeAttachment[], files: UploadedFile[] = []): FakeAttachment[] {
  const upload = (f: UploadedFile, description?: unknown): FakeAttachment => ({
    id: snowflake(),
    filename: f.filename,
    content_type: f.contentType,
    size: f.bytes.length,
    ...(typeof description === 'string' ? { description } : {}),
    bytes: f.bytes,
  });
  if (!Array.isArray(body.attachments)) return [...old, ...files.map((f) => upload(f))];
  const out: FakeAttachment[] = [];
  for (const a of body.attachments as Json[]) {
    const id = String(a.id);
    const kept = old.find((o) => o.id === id);
    const file = files.find((f) => f.field === `files[${id}]`);
    if (kept) out.push(kept);
    else if (file) out.push(upload(file, a.description));
  }
  return out;
}

/** The shard of a guild out of `count`: `(guild_id >> 22) % count`, Discord's formula. */
function guildShard(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

function unknownChannel(): [number, unknown] {
  return [404, { message: 'Unknown Channel', code: 10003 }];
}

function unknownMessage(): [number, unknown] {
  return [404, { message: 'Unknown Message', code: 10008 }];
}

/** Parses a JSON body, or a multipart one (`payload_json` plus `files[n]` parts) as Discord does. */
async function parseBody(
  raw: Buffer,
  contentType: string,
): Promise<{ body: unknown; files: UploadedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const files: UploadedFile[] = [];
    let body: unknown;
    for (const [field, value] of form) {
      if (field === 'payload_json') body = JSON.parse(String(value));
      else if (typeof value !== 'string') {
        const bytes = Buffer.from(await value.arrayBuffer());
        files.push({ field, filename: value.name, contentType: value.type, bytes });
      }
    }
    return { body, files };
  }
  const textBody = raw.toString('utf8');
  try {
    return { body: JSON.parse(textBody), files: [] };
  } catch {
    return { body: textBody, files: [] };
  }
}
