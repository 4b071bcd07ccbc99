import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Platform, TeamRef } from '../engine/ports.js';

/** How long a sign-in link is valid. */
export const LINK_TTL_MS = 10 * 60_000;

/** What a sign-in link carries. */
export interface LinkClaims {
  /** Team the session will be bound to. */
  team: TeamRef;
  /** The admin's user id, or `operator` for a CLI link. */
  userId: string;
  /** Whether it was printed by `quizbot dashboard link`. */
  operator: boolean;
  /** Expiry, ms. */
  exp: number;
  /** Random id; the store marks it used (single use). */
  nonce: string;
}

const PLATFORMS: readonly Platform[] = ['discord', 'slack', 'terminal'];

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

/** A signed token `<payload>.<hmac>` (base64url), valid {@link LINK_TTL_MS} from `now`. */
export function issueToken(
  secret: string,
  c: Omit<LinkClaims, 'exp' | 'nonce'>,
  now: number,
  ttlMs = LINK_TTL_MS,
): string {
  const claims: LinkClaims = { ...c, exp: now + ttlMs, nonce: randomBytes(16).toString('base64url') };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** Why a token is refused. */
export type TokenProblem = 'malformed' | 'bad_signature' | 'expired';

/** Checks signature and expiry (not single use: the caller consumes the nonce in the store). */
export function verifyToken(
  secret: string,
  token: string,
  now: number,
): { ok: true; claims: LinkClaims } | { ok: false; problem: TokenProblem } {
  const [body, mac, ...rest] = token.split('.');
  if (!body || !mac || rest.length > 0 || token.length > 2000) return { ok: false, problem: 'malformed' };
  const want = Buffer.from(sign(secret, body));
  const got = Buffer.from(mac);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return { ok: false, problem: 'bad_signature' };
  let c: LinkClaims;
  try {
    c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkClaims;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const valid =
    c &&
    typeof c.exp === 'number' &&
    typeof c.nonce === 'string' &&
    typeof c.userId === 'string' &&
    PLATFORMS.includes(c.team?.platform) &&
    typeof c.team?.teamId === 'string';
  if (!valid) return { ok: false, problem: 'malformed' };
  if (c.exp <= now) return { ok: false, problem: 'expired' };
  return { ok: true, claims: c };
}

/** The sign-in URL under `publicUrl` (which may have a path prefix). */
export function linkUrl(publicUrl: string, token: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return new URL(`login?t=${encodeURIComponent(token)}`, base).toString();
}
