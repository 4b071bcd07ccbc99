import type { RespondFn, webApi } from '@slack/bolt';
import { pictureOf } from '../../charts/picture.js';
import type { ChartImage, ChartRenderer } from '../../charts/render.js';
import type { Logger } from '../../engine/api.js';
import type { MessageRef } from '../../engine/ports.js';
import type { View } from '../../engine/views.js';
import { CHART_TTL_MS, type ChartStore, chartUrl } from '../../web/chart-store.js';

/**
 * Image blocks instead of uploads (PUBLIC_URL set): the PNG is kept in `store` for `ttlMs` and the
 * block points at `${publicUrl}/charts/<id>.png`, which the dashboard's server serves.
 */
export interface ChartLinks {
  /** PUBLIC_URL. */
  publicUrl: string;
  /** Where the PNGs wait for Slack to fetch them. */
  store: ChartStore;
  /** How long a chart is served (default 1 hour). */
  ttlMs?: number | undefined;
}

/** What sending a picture needs. */
export interface PictureDeps {
  /** Bot client (files:write and im:write). */
  client: webApi.WebClient;
  /** Where failures are logged. */
  log: Logger;
  /** The renderer; without it nothing is sent. */
  charts?: ChartRenderer | undefined;
  /** When set, pictures go out as image blocks rather than uploaded files. */
  links?: ChartLinks | undefined;
}

/** An image block showing `image`, served from the chart store. */
async function imageBlock(links: ChartLinks, image: ChartImage, view: View) {
  const id = await links.store.put(image.png, links.ttlMs ?? CHART_TTL_MS);
  return {
    type: 'image' as const,
    image_url: chartUrl(links.publicUrl, id),
    alt_text: image.alt.slice(0, 2000),
    title: { type: 'plain_text' as const, text: (view.title ?? image.fileName).slice(0, 2000) },
  };
}

/**
 * Sends the picture of a private view's chart to the user, after the text answer. With chart links
 * (PUBLIC_URL) and a response_url: a second ephemeral answer holding an image block. Otherwise
 * uploaded with `files.uploadV2` into the user's direct messages with the bot: an ephemeral answer
 * cannot carry an uploaded file, and a channel upload would show private stats to everyone, so the
 * DM is the one private place a file can go. Never throws: the text answer already stands on its own.
 */
export async function sendPicture(
  deps: PictureDeps,
  view: View,
  userId: string,
  respond?: RespondFn,
): Promise<void> {
  const where = { user: userId };
  const image = await pictureOf(view, deps.charts, deps.log, where);
  if (!image) return;
  try {
    if (deps.links && respond) {
      const block = await imageBlock(deps.links, image, view);
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: image.alt,
        blocks: [block],
      });
      return;
    }
    const dm = await deps.client.conversations.open({ users: userId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await upload(deps.client, image, view, channel);
  } catch (err) {
    deps.log.warn(
      { ...where, err, chart: image.fileName },
      'slack chart delivery failed; the text answer stands',
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
 * thread (`chat.update` cannot attach a file): an image block with chart links, else an uploaded
 * file. Never throws: the edited text stands on its own.
 */
export async function sharePicture(deps: PictureDeps, view: View, ref: MessageRef): Promise<void> {
  const where = { channelId: ref.channelId, ts: ref.messageId };
  const image = await pictureOf(view, deps.charts, deps.log, where);
  if (!image) return;
  try {
    if (deps.links) {
      const block = await imageBlock(deps.links, image, view);
      await deps.client.chat.postMessage({
        channel: ref.channelId,
        thread_ts: ref.messageId,
        text: image.alt,
        blocks: [block],
      });
      return;
    }
    await upload(deps.client, image, view, ref.channelId, ref.messageId);
  } catch (err) {
    deps.log.warn({ ...where, err, chart: image.fileName }, 'slack chart delivery failed; the edit stands');
  }
}
