import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { TeamRef } from '../engine/ports.js';

/** A signed-in dashboard session. */
export interface WebSession {
  /** The team this session may see and change; every page checks it. */
  team: TeamRef;
  /** The admin who opened the link (platform user id), or `operator` for a CLI link. */
  userId: string;
  /** True for links printed by `quizbot dashboard link` (shell access to the host). */
  operator: boolean;
  /** Synchronizer CSRF token, sent back in every form. */
  csrf: string;
  /** When the session ends, ms. */
  expiresAt: number;
}

/**
 * What the dashboard keeps: used link nonces (single use, atomically) and sessions. Redis when the
 * bot runs on Redis, so every replica accepts a session and no two replicas accept the same link.
 */
export interface WebStore {
  /** Marks a link nonce used; true only for the first caller, across every replica. */
  consumeNonce(nonce: string, ttlMs: number): Promise<boolean>;
  /** Stores a session for `ttlMs`. */
  putSession(id: string, s: WebSession, ttlMs: number): Promise<void>;
  /** The session, or null when unknown or expired at `now`. */
  getSession(id: string, now: number): Promise<WebSession | null>;
  /** Ends a session. */
  deleteSession(id: string): Promise<void>;
  /** The link-signing secret shared by every replica (created on first use). */
  secret(): Promise<string>;
}

/** Redis keys under `<prefix>:web:`; values expire by themselves (PX). */
export class RedisWebStore implements WebStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'qb',
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'web', ...parts].join(':');
  }

  async consumeNonce(nonce: string, ttlMs: number): Promise<boolean> {
    // SET NX is atomic: of two replicas opening the same link, exactly one gets OK.
    const r = await this.redis.set(this.key('nonce', nonce), '1', 'PX', Math.max(1, ttlMs), 'NX');
    return r === 'OK';
  }

  async putSession(id: string, s: WebSession, ttlMs: number): Promise<void> {
    await this.redis.set(this.key('sess', id), JSON.stringify(s), 'PX', Math.max(1, ttlMs));
  }

  async getSession(id: string, now: number): Promise<WebSession | null> {
    const raw = await this.redis.get(this.key('sess', id));
    if (!raw) return null;
    const s = JSON.parse(raw) as WebSession;
    return s.expiresAt > now ? s : null;
  }

  async deleteSession(id: string): Promise<void> {
    await this.redis.del(this.key('sess', id));
  }

  async secret(): Promise<string> {
    const k = this.key('secret');
    await this.redis.set(k, randomBytes(32).toString('base64url'), 'NX');
    return (await this.redis.get(k)) as string;
  }
}

/**
 * One process (the embedded store): nonces and sessions in memory (a restart signs everyone out,
 * and a link opened before a restart could be used again within its 10 minutes); the secret in
 * `<dataDir>/dashboard.secret` so `quizbot dashboard link` signs with the bot's secret.
 */
export class MemoryWebStore implements WebStore {
  private readonly nonces = new Map<string, number>();
  private readonly sessions = new Map<string, WebSession>();

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  async consumeNonce(nonce: string, ttlMs: number): Promise<boolean> {
    const t = this.now();
    for (const [n, until] of this.nonces) if (until <= t) this.nonces.delete(n);
    if (this.nonces.has(nonce)) return false;
    this.nonces.set(nonce, t + ttlMs);
    return true;
  }

  async putSession(id: string, s: WebSession): Promise<void> {
    this.sessions.set(id, s);
  }

  async getSession(id: string, now: number): Promise<WebSession | null> {
    const s = this.sessions.get(id);
    if (s && s.expiresAt <= now) this.sessions.delete(id);
    return s && s.expiresAt > now ? s : null;
  }

  async deleteSession(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  async secret(): Promise<string> {
    return fileSecret(this.dataDir);
  }
}

/** Reads `<dir>/dashboard.secret`, creating it (mode 0600) when missing. */
export function fileSecret(dir: string): string {
  const file = join(dir, 'dashboard.secret');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readFileSync(file, 'utf8').trim();
}
