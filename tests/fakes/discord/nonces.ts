/**
 * Discord's message nonces, as Create Message documents them: `nonce` is an integer or a string
 * of at most 25 characters; with `enforce_nonce: true` "it will be checked for uniqueness in the
 * past few minutes. If another message was created by the same author with the same nonce, that
 * message will be returned and no new message will be created." Discord does not publish the
 * window; the fake takes it as an option.
 */

/** Why a nonce is refused (400, code 50035), or null when it is acceptable. */
export function nonceProblem(nonce: unknown): string | null {
  if (nonce === undefined || nonce === null) return null;
  if (typeof nonce === 'number') return Number.isSafeInteger(nonce) ? null : 'nonce: not an integer';
  if (typeof nonce !== 'string') return 'nonce: not a string or an integer';
  return nonce.length > 25 ? `nonce: ${nonce.length} > 25 characters` : null;
}

/** Messages created with a nonce, by author and nonce, within the uniqueness window. */
export class NonceIndex {
  private readonly seen = new Map<string, { messageId: string; at: number }>();

  constructor(private readonly windowMs: number) {}

  private key(authorId: string, nonce: string | number): string {
    return `${authorId}\n${String(nonce)}`;
  }

  /** The message this author created with this nonce within the window, or undefined. */
  find(authorId: string, nonce: string | number, now: number): string | undefined {
    const hit = this.seen.get(this.key(authorId, nonce));
    return hit && now - hit.at < this.windowMs ? hit.messageId : undefined;
  }

  /** Remembers a message created with a nonce. */
  remember(authorId: string, nonce: string | number, messageId: string, now: number): void {
    this.seen.set(this.key(authorId, nonce), { messageId, at: now });
  }
}
