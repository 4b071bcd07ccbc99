import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './fixtures.js';

/**
 * NODE_OPTIONS of the deployment (deploy/k8s/config.env): the bot's V8 heap limits (old-generation
 * cap, young-generation semi-space size). The sections that measure the deployed process's memory
 * run their child with it: V8 lets the old generation grow further before a full collection the
 * larger its cap (several times the live size with the default cap of a large machine), and keeps
 * a young generation as large as its semi-spaces allow, so a child run without them keeps memory
 * resident that the deployed bot does not.
 */
export function deployedNodeOptions(): string {
  const file = join(ROOT, 'deploy/k8s/config.env');
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('NODE_OPTIONS='));
  if (!line) throw new Error(`${file} sets no NODE_OPTIONS`);
  return line.slice('NODE_OPTIONS='.length).trim();
}
