import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyToken } from '../../src/web/links.js';
import { fileSecret, RedisWebStore } from '../../src/web/web-store.js';
import { startTestRedis } from '../helpers/redis.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'qb-cli-link-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `bin/quizbot.mjs ...args` with only PATH and `env`. */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'quizbot.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const tokenOf = (link: string) => new URL(link.trim()).searchParams.get('t') as string;

describe('quizbot dashboard link', () => {
  it('prints an operator link signed with the embedded store secret', async () => {
    const r = await cli(['dashboard', 'link', '--team', 'discord:123456789012345678'], {
      PUBLIC_URL: 'https://quiz.example.com',
      DATA_DIR: dir,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^https:\/\/quiz\.example\.com\/login\?t=/);
    const v = verifyToken(fileSecret(dir), tokenOf(r.stdout), Date.now());
    expect(v).toMatchObject({
      ok: true,
      claims: { team: { platform: 'discord', teamId: '123456789012345678' }, operator: true },
    });
  });

  it('signs with the secret the bot keeps in Redis', async () => {
    const server = await startTestRedis();
    try {
      const r = await cli(['dashboard', 'link', '--team', 'slack:T0123'], {
        PUBLIC_URL: 'https://quiz.example.com',
        REDIS_URL: server.url,
        DATA_DIR: dir,
      });
      expect(r.code).toBe(0);
      const redis = new Redis(server.url);
      const secret = await new RedisWebStore(redis).secret();
      redis.disconnect();
      expect(verifyToken(secret, tokenOf(r.stdout), Date.now()).ok).toBe(true);
    } finally {
      await server.dispose();
    }
  });

  it('refuses a bad team and a missing PUBLIC_URL with exit 2', async () => {
    const bad = await cli(['dashboard', 'link', '--team', 'discord'], {
      PUBLIC_URL: 'https://q.example.com',
      DATA_DIR: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--team must be platform:id');
    const off = await cli(['dashboard', 'link', '--team', 'discord:1'], { DATA_DIR: dir });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('PUBLIC_URL is not set');
  });
});
