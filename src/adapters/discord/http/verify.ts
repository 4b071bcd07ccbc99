import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { err, ok, type Result } from '../../../engine/result.js';

/*
 * Discord's request signature (Interactions Endpoint URL): Ed25519 over the X-Signature-Timestamp
 * string followed by the raw body, checked against the application's public key. node:crypto does
 * it synchronously with no dependency; see README "Discord interactions endpoint".
 */

/** The application's public key (64 hex characters) as a key object; an error message otherwise. */
export function parsePublicKey(hex: string): Result<KeyObject> {
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    return err('DISCORD_PUBLIC_KEY must be 64 hex characters (a 32-byte Ed25519 public key)');
  try {
    const x = Buffer.from(hex, 'hex').toString('base64url');
    return ok(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }));
  } catch (e) {
    return err(`DISCORD_PUBLIC_KEY is not a usable Ed25519 public key: ${(e as Error).message}`);
  }
}

/** What a request must carry, as received. */
export interface SignedRequest {
  /** `X-Signature-Ed25519`: 128 hex characters. */
  signature: string | undefined;
  /** `X-Signature-Timestamp`: unix seconds, as a string (it is signed as sent). */
  timestamp: string | undefined;
  /** The raw body, as received. */
  body: Buffer;
}

/**
 * Whether Discord signed this request recently: a valid signature by `key`, and a timestamp within
 * `maxSkewMs` of `now` either way (a captured request cannot be replayed later). The error says
 * which check failed, for the log; the caller answers every failure with the same 401.
 */
export function verifyRequest(
  key: KeyObject,
  req: SignedRequest,
  now: number,
  maxSkewMs: number,
): Result<true> {
  const { signature, timestamp } = req;
  if (!signature || !timestamp) return err('missing X-Signature-Ed25519 or X-Signature-Timestamp');
  if (!/^[0-9a-fA-F]{128}$/.test(signature)) return err('signature is not 64 bytes of hex');
  if (!/^\d{1,12}$/.test(timestamp)) return err('timestamp is not unix seconds');
  const message = Buffer.concat([Buffer.from(timestamp, 'utf8'), req.body]);
  if (!verify(null, message, key, Buffer.from(signature, 'hex'))) return err('bad signature');
  const skew = Math.abs(now - Number(timestamp) * 1000);
  if (skew > maxSkewMs) return err(`timestamp ${Math.round(skew / 1000)} s away from now`);
  return ok(true);
}
