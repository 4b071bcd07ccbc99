import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The bundled font files: DejaVu Sans from the `dejavu-fonts-ttf` npm package (TTF, free license).
 * Loaded by path with system fonts off, so a picture renders the same on a laptop, in CI and in the
 * slim container image (which has no fonts at all). Throws when the package is missing.
 */
export function fontFiles(): string[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  const files = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`chart font missing: ${missing.join(', ')}`);
  return files;
}
