#!/usr/bin/env node
// Copies the non-TypeScript files the compiled code loads at run time (src/**/*.lua, with the
// fragments in lua/fragments/ that scripts include, and src/**/*.css) into dist/, keeping their
// paths: tsc emits only .js, and dist/store/redis/scripts.js reads ./lua/*.lua and ./lua/fragments/*.lua.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ASSET = /\.(lua|css)$/;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

/** Every file under `dir` whose name matches {@link ASSET}. */
function* assets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* assets(path);
    else if (entry.isFile() && ASSET.test(entry.name)) yield path;
  }
}

let copied = 0;
for (const from of assets(src)) {
  const to = join(dist, relative(src, from));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  copied++;
}
process.stdout.write(`copy-assets: ${copied} file${copied === 1 ? '' : 's'} copied from src/ to dist/\n`);
