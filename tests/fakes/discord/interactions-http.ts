import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/**
 * Discord's side of an Interactions Endpoint URL: the application's Ed25519 key pair (made here, as
 * Discord makes one per application and shows the public half in the Developer Portal) and signed
 * POSTs, as Discord sends them: `X-Signature-Ed25519` = hex Ed25519 signature of the
 * `X-Signature-Timestamp` string (unix seconds) followed by the raw body.
 */
export class InteractionSigner {
  /** The public key as the Developer Portal shows it: 64 hex characters (DISCORD_PUBLIC_KEY). */
  readonly publicKeyHex: string;
  private readonly privateKey: KeyObject;

  constructor(keys = generateKeyPairSync('ed25519')) {
    this.privateKey = keys.privateKey;
    const jwk = keys.publicKey.export({ format: 'jwk' });
    this.publicKeyHex = Buffer.from(String(jwk.x), 'base64url').toString('hex');
  }

  /** The hex signature of `timestamp` + `body`. */
  sign(timestamp: string, body: string | Buffer): string {
    return sign(null, Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), this.privateKey).toString(
      'hex',
    );
  }

  /**
   * POSTs `body` to `url` signed as Discord signs it. `tamper` changes what is sent after signing
   * (another timestamp, another signature, headers left out) for tests of what the endpoint refuses.
   */
  async post(
    url: string,
    body: string | Buffer,
    o: {
      /** Unix seconds signed and sent; default now. */
      timestamp?: number;
      /** Sent instead of the right signature; null sends none. */
      signature?: string | null;
      /** Content type; default application/json. */
      contentType?: string;
      /** Abort after this long. */
      timeoutMs?: number;
    } = {},
  ): Promise<{ status: number; contentType: string; text: string; ms: number }> {
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = o.signature === undefined ? this.sign(timestamp, body) : o.signature;
    const started = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': o.contentType ?? 'application/json',
        'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)',
        'x-signature-timestamp': timestamp,
        ...(signature === null ? {} : { 'x-signature-ed25519': signature }),
      },
      body,
      ...(o.timeoutMs ? { signal: AbortSignal.timeout(o.timeoutMs) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      text,
      ms: performance.now() - started,
    };
  }
}
