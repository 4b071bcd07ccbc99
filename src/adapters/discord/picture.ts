import type { APIEmbed, AttachmentPayload } from 'discord.js';
import type { ChartImage } from '../../charts/render.js';

/** A rendered message with the picture of its chart attached, if any. */
export interface WithFiles {
  /** Embeds (the first shows the picture). */
  embeds: APIEmbed[];
  /** The picture as a message attachment (multipart upload); empty for none. */
  files: AttachmentPayload[];
}

/**
 * Attaches a chart picture to a rendered message: the PNG goes up as a message attachment and the
 * first embed shows it (`attachment://<name>`); the alt text becomes the attachment's description.
 */
export function attachPicture<T extends { embeds: APIEmbed[] }>(
  msg: T,
  image: ChartImage | null,
): T & WithFiles {
  if (!image) return { ...msg, files: [] };
  const [first, ...rest] = msg.embeds;
  const embeds = [{ ...first, image: { url: `attachment://${image.fileName}` } }, ...rest];
  return {
    ...msg,
    embeds,
    files: [{ attachment: image.png, name: image.fileName, description: image.alt.slice(0, 1024) }],
  };
}
