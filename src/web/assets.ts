import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** htmx from node_modules (never a CDN), read once. */
export function htmxScript(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8');
}

/** The dashboard's one stylesheet (src/web/app.css, copied next to the build). */
export function appCss(): string {
  return readFileSync(join(here, 'app.css'), 'utf8');
}
