import type { ChatPort, MessageRef } from '../../src/engine/ports.js';
import type { View } from '../../src/engine/views.js';

/** What the engine may pass with a post (the port's options; absent in older engines). */
interface PostOpts {
  key?: string;
  signal?: AbortSignal;
}

/** A message as the platform keeps it. */
export interface PlatformMessage {
  channelId: string;
  messageId: string;
  view: View;
  key: string | undefined;
}

/** A post waiting at the gate, with what it carried. */
export interface PendingPost {
  channelId: string;
  key: string | undefined;
  signal: AbortSignal | undefined;
}

/**
 * A ChatPort that behaves like a chat platform for the engine tests, shared by every engine
 * instance of a test (as one Discord or Slack is shared by replicas): it keeps messages per
 * channel, never creates a second message for an idempotency key it has seen (Discord's nonce
 * with enforce_nonce, or Slack's metadata lookup), and can lose a response after creating the
 * message, or hold posts at a gate until released (a slow platform), honouring abort signals.
 */
export class PlatformChat implements ChatPort {
  readonly messages: PlatformMessage[] = [];
  readonly updates: { ref: MessageRef; view: View }[] = [];
  /** Posts whose message is created but whose response is then lost (counts down). */
  loseResponses = 0;
  /** Posts to hold at the gate before creating anything (counts down; `Infinity` for all). */
  holdPosts = 0;
  /** Whether held posts create the message before waiting (true: the response is late, not the post). */
  createBeforeHold = false;
  /** Errors the next posts throw before creating anything (a definite refusal, e.g. a 429), in order. */
  readonly refuse: Error[] = [];
  /** Post calls made (refused ones included). */
  calls = 0;
  private readonly held: { resolve: () => void; pending: PendingPost }[] = [];
  private readonly waiters: (() => void)[] = [];
  private n = 0;

  /** Messages of one channel. */
  inChannel(channelId: string): PlatformMessage[] {
    return this.messages.filter((m) => m.channelId === channelId);
  }

  /** Posts held at the gate now. */
  get pending(): PendingPost[] {
    return this.held.map((h) => h.pending);
  }

  /** Resolves once `check` holds (re-checked after every post event). */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => {
      const poll = () => {
        if (check()) resolve();
        else this.waiters.push(poll);
      };
      this.waiters.push(poll);
    });
  }

  /** Lets every held post go on. */
  release(): void {
    for (const h of this.held.splice(0)) h.resolve();
    this.changed();
  }

  private changed(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private create(channelId: string, view: View, key: string | undefined): PlatformMessage {
    const existing = key === undefined ? undefined : this.messages.find((m) => m.key === key);
    if (existing) return existing;
    const m = { channelId, messageId: `m${++this.n}`, view, key };
    this.messages.push(m);
    this.changed();
    return m;
  }

  async post(channelId: string, view: View, opts?: PostOpts): Promise<MessageRef> {
    const key = opts?.key;
    const signal = opts?.signal;
    this.calls++;
    const refusal = this.refuse.shift();
    if (refusal) throw refusal;
    let created: PlatformMessage | undefined;
    if (this.holdPosts > 0) {
      this.holdPosts--;
      if (this.createBeforeHold) created = this.create(channelId, view, key);
      await new Promise<void>((resolve, reject) => {
        const entry = { resolve, pending: { channelId, key, signal } };
        this.held.push(entry);
        signal?.addEventListener('abort', () => {
          const i = this.held.indexOf(entry);
          if (i >= 0) this.held.splice(i, 1);
          reject(signal.reason ?? new Error('aborted'));
        });
        this.changed();
      });
    }
    const m = created ?? this.create(channelId, view, key);
    if (this.loseResponses > 0) {
      this.loseResponses--;
      throw new Error('socket hang up (the message was created)');
    }
    return { channelId: m.channelId, messageId: m.messageId };
  }

  async update(ref: MessageRef, view: View): Promise<void> {
    this.updates.push({ ref, view });
  }
}
