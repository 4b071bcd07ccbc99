import type { View } from '../views.js';
import type { MessageRef, TeamRef } from './refs.js';

/** What every outbound platform call gets. */
export interface CallOptions {
  /** Fires when the engine stops waiting (timeout, lost claim): the adapter must give the call up and send nothing more for it. */
  signal: AbortSignal;
}

/** What makes a post exactly-once on the platform itself. */
export interface PostOptions extends CallOptions {
  /**
   * Idempotency key (the round id): posting the same key again, from any process, never makes a
   * second message (Discord: a nonce with `enforce_nonce`; Slack: message metadata looked up).
   */
  key: string;
  /** When the round was first claimed, ms: no earlier attempt's message is older. */
  since: number;
  /** An earlier attempt may have landed: find its message before posting again. */
  retry: boolean;
}

/** Outbound side an adapter implements for the scheduler. */
export interface ChatPort {
  /** Posts a public view to a channel once per key and returns where it landed. */
  post(channelId: string, view: View, opts: PostOptions): Promise<MessageRef>;
  /** Replaces a posted message with a new view. */
  update(ref: MessageRef, view: View, opts: CallOptions): Promise<void>;
  /**
   * The port of one team, where each team has its own credentials (Slack OAuth distribution:
   * a bot token per workspace); absent when this port serves every team.
   */
  forTeam?(team: TeamRef): ChatPort;
}
