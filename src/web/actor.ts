import type { FastifyRequest } from 'fastify';
import type { Actor } from '../engine/api.js';
import type { WebDeps } from './deps.js';
import type { WebSession } from './web-store.js';

/** The session as an engine actor for reads (no admin claim). */
export function readActor(s: WebSession): Actor {
  return { user: { platform: s.team.platform, userId: s.userId }, team: s.team, isAdmin: false };
}

/**
 * The session as an engine actor for a write: admin rights asked of the platform again now.
 * Operator sessions (CLI links: shell access to the host) are admins; a platform this process
 * cannot ask counts as not admin, so the engine answers with its usual refusal.
 */
export async function writeActor(deps: WebDeps, req: FastifyRequest): Promise<Actor> {
  const s = req.session as WebSession;
  let admin = s.operator;
  if (!admin) {
    try {
      admin = (await deps.isAdmin(s.team, s.userId)) === true;
    } catch (err) {
      deps.log.warn({ err, team: s.team }, 'dashboard admin check failed: write refused');
      admin = false;
    }
  }
  return { ...readActor(s), isAdmin: admin, requestId: `web-${req.id}` };
}
