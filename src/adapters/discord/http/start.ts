import type { AddressInfo } from 'node:net';
import { type APIInteraction, Client, Events, type Interaction } from 'discord.js';
import { listenError, StartupError } from '../../../startup-error.js';
import { DiscordChatPort } from '../chat-port.js';
import { createInteractionHandler } from '../inbound.js';
import { DISCORD_DEFAULTS, type DiscordOptions } from '../options.js';
import { restOptions } from '../rate-limit.js';
import { fetchApplicationId } from '../register.js';
import { asApiPayload } from '../render.js';
import { register, tokenRejected } from '../start.js';
import {
  buildEndpoint,
  type EndpointOptions,
  INTERACTIONS_PATH,
  type InteractionRunner,
} from './endpoint.js';
import { InteractionRest, type InteractionRestOptions } from './responder.js';
import { parsePublicKey } from './verify.js';

/** Options of {@link startDiscordHttp}: the adapter's, plus the endpoint's. */
export interface DiscordHttpOptions extends DiscordOptions {
  /** The application's public key, 64 hex characters (`DISCORD_PUBLIC_KEY`). */
  publicKey: string;
  /** Port of the interactions endpoint (`DISCORD_PORT`); 0 picks a free one. */
  port: number;
  /** Interface to listen on; default all. */
  host?: string;
  /** Limits and clock of the endpoint (tests shorten them). */
  endpoint?: Partial<Pick<EndpointOptions, 'bodyLimit' | 'maxSkewMs' | 'answerTimeoutMs' | 'now'>>;
  /** Webhook retry of the REST client. */
  responder?: InteractionRestOptions;
}

/** A running Discord adapter in HTTP-interactions mode. */
export interface DiscordHttpAdapter {
  /** The discord.js client: REST only, never logged in to the gateway. */
  client: Client;
  /** Outbound side for the scheduler, through REST as in gateway mode. */
  chat: DiscordChatPort;
  /** The bot's application id. */
  applicationId: string;
  /** Port the endpoint listens on. */
  port: number;
  /** True while the endpoint listens (for /readyz). */
  ready(): boolean;
  /** Stops listening, then lets in-flight follow-ups go and destroys the client (idempotent). */
  stop(): Promise<void>;
}

/** discord.js's own INTERACTION_CREATE action, private in its typings. */
interface Actions {
  actions: { InteractionCreate: { handle(data: APIInteraction): void } };
}

/**
 * Starts the Discord adapter without a gateway connection: Discord POSTs every interaction to
 * `POST /discord/interactions` on `port`, signed with the application's key. Each verified
 * interaction is built by discord.js exactly as a gateway INTERACTION_CREATE would be, and answered
 * by the same handler and renderers as in gateway mode; its first answer becomes the HTTP response
 * (see {@link InteractionRest}). Commands are registered over REST as in gateway mode.
 */
export async function startDiscordHttp(opts: DiscordHttpOptions): Promise<DiscordHttpAdapter> {
  const { log } = opts;
  const key = parsePublicKey(opts.publicKey);
  if (!key.ok) throw new Error(key.error);
  const rest = new InteractionRest(restOptions(opts.apiUrl), opts.responder);
  rest.setToken(opts.token);
  // No login and no intents: the client is only the factory and home of interactions and its REST.
  const client = new Client({ intents: [], allowedMentions: { parse: [] }, jsonTransformer: asApiPayload });
  client.rest = rest;
  const applicationId = await fetchApplicationId(rest).catch((err: unknown) => {
    client.destroy().catch(() => {});
    const message = `discord: GET /applications/@me failed: ${(err as Error).message}`;
    if (tokenRejected(err))
      throw new StartupError('platform_auth', `${message}: check DISCORD_TOKEN`, { cause: err });
    throw new Error(message, { cause: err });
  });
  if (opts.registerCommands ?? DISCORD_DEFAULTS.registerCommands) await register(client, applicationId, opts);

  const app = await buildEndpoint({
    key: key.value,
    run: runner(client, rest, opts),
    log,
    ...opts.endpoint,
  });
  await app.listen({ port: opts.port, host: opts.host ?? '0.0.0.0' }).catch(async (err: unknown) => {
    await client.destroy();
    throw listenError('the Discord interactions endpoint', 'DISCORD_PORT', opts.port, err);
  });
  const port = (app.server.address() as AddressInfo).port;
  log.info({ applicationId, port, path: INTERACTIONS_PATH }, 'discord interactions endpoint listening');
  let listening = true;
  let stopped: Promise<void> | undefined;
  return {
    client,
    // A bot's user id is its application's id: the author of the posts a retry looks for.
    chat: new DiscordChatPort(rest, log, applicationId),
    applicationId,
    port,
    ready: () => listening,
    stop: () => {
      listening = false;
      stopped ??= app.close().then(() => client.destroy());
      return stopped;
    },
  };
}

/** Hands each verified interaction to discord.js and waits for the adapter's handler to finish it. */
function runner(client: Client, rest: InteractionRest, opts: DiscordHttpOptions): InteractionRunner {
  const handle = createInteractionHandler({
    engine: opts.engine,
    log: opts.log,
    ...(opts.deferAfterMs !== undefined ? { deferAfterMs: opts.deferAfterMs } : {}),
    charts: opts.charts,
  });
  const running = new Map<string, Promise<void>>();
  client.on(Events.InteractionCreate, (i: Interaction) => {
    running.set(i.id, handle(i));
  });
  const { actions } = client as unknown as Actions;
  return async (payload, respond) => {
    const undo = rest.expect(payload.id, { respond, applicationId: payload.application_id });
    try {
      // quizbot sells nothing, so there are no entitlements to build (discord.js would need a logged-in
      // client's application for them).
      actions.InteractionCreate.handle({ ...payload, entitlements: [] });
      const work = running.get(payload.id);
      running.delete(payload.id);
      if (!work) throw new Error(`discord.js built no interaction of type ${payload.type}`);
      await work;
    } finally {
      undo();
    }
  };
}
