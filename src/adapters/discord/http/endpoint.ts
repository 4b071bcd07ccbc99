import type { KeyObject } from 'node:crypto';
import type { APIInteraction } from 'discord.js';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../../../engine/api.js';
import { parseInteraction } from './payload.js';
import type { HttpAnswer } from './responder.js';
import { verifyRequest } from './verify.js';

/** The path Discord is given as the Interactions Endpoint URL (after the public host). */
export const INTERACTIONS_PATH = '/discord/interactions';

/** Runs one verified interaction; `respond` sends its first answer as the HTTP response. */
export type InteractionRunner = (
  payload: APIInteraction,
  respond: (answer: HttpAnswer) => Promise<void>,
) => Promise<void>;

/** Options of {@link buildEndpoint}; defaults in {@link ENDPOINT_DEFAULTS}. */
export interface EndpointOptions {
  /** The application's public key. */
  key: KeyObject;
  /** Runs a verified interaction. */
  run: InteractionRunner;
  /** Logger. */
  log: Logger;
  /** Largest body accepted, bytes. */
  bodyLimit?: number;
  /** A signature timestamp further than this from now (either way) is refused. */
  maxSkewMs?: number;
  /** No answer from the handler after this long: 500 (Discord gives up at 3,000 ms). */
  answerTimeoutMs?: number;
  /** Clock, ms since the epoch (tests). */
  now?: () => number;
}

/**
 * Defaults in one place. 64 KiB is ten times the largest interaction quizbot gets (a button on a
 * daily post carries that message); 5 minutes of skew is what Slack's signatures allow too.
 */
export const ENDPOINT_DEFAULTS = {
  bodyLimit: 64 * 1024,
  maxSkewMs: 300_000,
  answerTimeoutMs: 2_900,
} as const;

const NONE = Symbol('none');

/**
 * The Interactions Endpoint: `POST /discord/interactions`. Checks come before any work, in this
 * order: body size (413), Ed25519 signature and timestamp (401), JSON and interaction shape (400);
 * a PING gets its PONG here, anything else runs through `run` and its first answer is the response.
 */
export async function buildEndpoint(o: EndpointOptions): Promise<FastifyInstance> {
  const opts = { ...ENDPOINT_DEFAULTS, ...o };
  const now = o.now ?? Date.now;
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit });
  // The signature covers the exact bytes: keep the body raw, whatever content type is claimed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(INTERACTIONS_PATH, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const signed = verifyRequest(
      opts.key,
      { signature: header('x-signature-ed25519'), timestamp: header('x-signature-timestamp'), body },
      now(),
      opts.maxSkewMs,
    );
    if (!signed.ok) {
      // Anyone can post here (Discord itself probes with bad signatures): debug, not warn.
      opts.log.debug({ why: signed.error, ip: req.ip }, 'discord interaction refused: not signed by Discord');
      return reply.code(401).send({ error: 'invalid request signature' });
    }
    const parsed = parseInteraction(body);
    if (!parsed.ok) {
      opts.log.warn({ why: parsed.error }, 'discord interaction refused: bad body');
      return reply.code(400).send({ error: parsed.error });
    }
    if (parsed.value.kind === 'ping') return reply.send({ type: 1 });
    return answer(opts, parsed.value.payload, reply);
  });
  return app;
}

/** Runs the interaction and sends its first answer, or a 500 when none comes in time. */
async function answer(
  opts: Required<Omit<EndpointOptions, 'now'>>,
  payload: APIInteraction,
  reply: FastifyReply,
): Promise<FastifyReply> {
  let settle!: (a: HttpAnswer | typeof NONE) => void;
  const first = new Promise<HttpAnswer | typeof NONE>((resolve) => {
    settle = resolve;
  });
  let open = true;
  const sent = new Promise<void>((resolve) => {
    reply.raw.once('finish', resolve);
    reply.raw.once('close', resolve);
  });
  const respond = async (a: HttpAnswer): Promise<void> => {
    if (!open)
      throw new Error(`interaction ${payload.id}: the HTTP response is gone (answered or timed out)`);
    open = false;
    settle(a);
    await sent;
  };
  const timer = setTimeout(() => settle(NONE), opts.answerTimeoutMs);
  opts.run(payload, respond).then(
    () => settle(NONE),
    (err: unknown) => {
      opts.log.error({ err, interaction: payload.id }, 'discord http interaction failed');
      settle(NONE);
    },
  );
  const a = await first;
  clearTimeout(timer);
  if (a !== NONE) return reply.send(a);
  open = false;
  opts.log.error(
    { interaction: payload.id, type: payload.type, ms: opts.answerTimeoutMs },
    'discord http interaction: no answer from the handler',
  );
  return reply.code(500).send({ error: 'no answer' });
}
