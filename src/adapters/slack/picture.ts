import type { webApi } from '@slack/bolt';
import { pictureOf } from '../../charts/picture.js';
import type { ChartImage, ChartRenderer } from '../../charts/render.js';
import type { Logger } from '../../engine/api.js';
import type { MessageRef } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';

/** What sending a picture needs. */
export interface PictureDeps {
  /** Bot client (files:write and im:write). */
  client: webApi.WebClient;
  /** Where failures are logged. */
  log: Logger;
  /** The renderer; without it nothing is sent. */
  charts?: ChartRenderer | undefined;
}

/**
 * Sends the picture of a private view's chart to the user, after the text answer: uploaded with
 * `files.uploadV2` into the user's direct messages with the bot. An ephemeral answer cannot carry
 * an uploaded file, and a channel upload would show private stats to everyone, so the DM is the
 * one private place a file can go. Never throws: the text answer already stands on its own.
 */
export async function sendPicture(deps: PictureDeps, view: View, userId: string): Promise<void> {
  const where = { user: userId };
  const image = await pictureOf(view, deps.charts, deps.log, where);
  if (!image) return;
  try {
    const dm = await deps.client.conversations.open({ users: userId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await upload(deps.client, image, view, channel);
  } catch (err) {
    deps.log.warn(
      { ...where, err, chart: image.fileName },
      'slack chart upload failed; the text answer stands',
    );
  }
}

/** Uploads a picture into a channel (or a thread of it) with `files.uploadV2`. */
async function upload(
  client: webApi.WebClient,
  image: ChartImage,
  view: View,
  channel: string,
  threadTs?: string,
): Promise<void> {
  const file = {
    file: image.png,
    filename: image.fileName,
    title: view.title ?? image.fileName,
    alt_text: image.alt,
  };
  await client.files.uploadV2(
    threadTs ? { ...file, channel_id: channel, thread_ts: threadTs } : { ...file, channel_id: channel },
  );
}

/**
 * Shares the picture of a public message's chart (a closed round's picks) in that message's
 * thread: `chat.update` cannot attach a file. Never throws: the edited text stands on its own.
 */
export async function sharePicture(deps: PictureDeps, view: View, ref: MessageRef): Promise<void> {
  const where = { channelId: ref.channelId, ts: ref.messageId };
  const image = await pictureOf(view, deps.charts, deps.log, where);
  if (!image) return;
  try {
    await upload(deps.client, image, view, ref.channelId, ref.messageId);
  } catch (err) {
    deps.log.warn({ ...where, err, chart: image.fileName }, 'slack chart upload failed; the edit stands');
  }
}
