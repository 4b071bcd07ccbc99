import { PNG } from 'pngjs';

/** A decoded PNG: its size and how its pixels spread over colours. */
export interface DecodedPng {
  width: number;
  height: number;
  /** Distinct RGB colours among the pixels. */
  colours: number;
  /** Share of pixels that are not the background (white). */
  inked: number;
  /** Pixels of exactly this RGB colour (`#rrggbb`). */
  count(hex: string): number;
}

/** Decodes PNG bytes with pngjs (throws on anything that is not a valid PNG). */
export function decodePng(bytes: Uint8Array): DecodedPng {
  // A structuredClone (as the fakes hand out) turns a Buffer into a plain Uint8Array.
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const counts = new Map<number, number>();
  let inked = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const rgb = ((png.data[i] ?? 0) << 16) | ((png.data[i + 1] ?? 0) << 8) | (png.data[i + 2] ?? 0);
    counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    if (rgb !== 0xffffff) inked++;
  }
  return {
    width: png.width,
    height: png.height,
    colours: counts.size,
    inked: inked / (png.width * png.height),
    count: (hex) => counts.get(Number.parseInt(hex.slice(1), 16)) ?? 0,
  };
}
