import type { webApi } from '@slack/bolt';
import { pictureOf } from '../../charts/picture.js';
import type { ChartRenderer } from '../../charts/render.js';
import type { Logger } from '../../engine/api.js';
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
    await deps.client.files.uploadV2({
      channel_id: channel,
      file: image.png,
      filename: image.fileName,
      title: view.title ?? image.fileName,
      alt_text: image.alt,
    });
  } catch (err) {
    deps.log.warn(
      { ...where, err, chart: image.fileName },
      'slack chart upload failed; the text answer stands',
    );
  }
}
