import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TeamRef } from '../../engine/ports.js';
import { teamPath } from '../auth.js';
import type { PageCtx } from '../layout.js';
import type { WebSession } from '../web-store.js';

/** The page context of a guarded team request. */
export function ctxOf(req: FastifyRequest, base: string): PageCtx & { team: TeamRef } {
  const s = req.session as WebSession;
  return {
    base,
    team: s.team,
    teamPath: teamPath(base, s.team.platform, s.team.teamId),
    teamLabel: `${s.team.platform} team ${s.team.teamId}`,
    csrf: s.csrf,
  };
}

/** Sends a rendered page. */
export function sendPage(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
