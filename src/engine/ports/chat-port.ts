import type { View } from '../views.js';
import type { MessageRef } from './refs.js';

/** Outbound side an adapter implements for the scheduler. */
export interface ChatPort {
  /** Posts a public view to a channel and returns where it landed. */
  post(channelId: string, view: View): Promise<MessageRef>;
  /** Replaces a posted message with a new view. */
  update(ref: MessageRef, view: View): Promise<void>;
}
