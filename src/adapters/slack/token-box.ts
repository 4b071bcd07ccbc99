import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM: a 32-byte key, a fresh 12-byte nonce per record, a 16-byte tag. */
const ALG = 'aes-256-gcm';
const VERSION = 'v1';

/**
 * Parses `SLACK_TOKEN_KEY`: 32 bytes as 64 hex digits or as base64 (44 characters). Returns a
 * message naming what is wrong, so configuration can refuse a short or malformed key.
 */
export function parseTokenKey(
  text: string | undefined,
): { ok: true; key: Buffer } | { ok: false; problem: string } {
  const s = text?.trim() ?? '';
  if (!s) return { ok: false, problem: 'is missing' };
  const key =
    /^[0-9a-fA-F]+$/.test(s) && s.length % 2 === 0 ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64');
  if (key.length !== 32)
    return {
      ok: false,
      problem: `must be 32 bytes (64 hex digits or 44 base64 characters), got ${key.length}`,
    };
  return { ok: true, key };
}

/**
 * Seals and opens installation records with AES-256-GCM (node:crypto). The record's store key is
 * bound in as associated data, so a record copied under another workspace's key does not open.
 * Format: `v1.<nonce>.<tag>.<ciphertext>`, each part base64url.
 */
export class TokenBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('TokenBox needs a 32-byte key');
  }

  seal(plain: string, aad: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv(ALG, this.key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [VERSION, iv, c.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plain text; throws when the record was changed, sealed with another key or for another store key. */
  open(sealed: string, aad: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || body === undefined)
      throw new Error('not a sealed installation record');
    const d = createDecipheriv(ALG, this.key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
  }
}
