import type { Client } from 'discord.js';
import type { ChartRenderer } from '../../charts/render.js';
import type { Logger } from '../../engine/api.js';
import type { ChatPort } from '../../engine/ports.js';
import type { TeamForgetting } from '../../engine/team-forget.js';
import type { DiscordEngine } from './inbound.js';

/** Options of {@link startDiscord}; defaults in {@link DISCORD_DEFAULTS}. */
export interface DiscordOptions {
  /** Bot token (`DISCORD_TOKEN`). */
  token: string;
  /** REST base without `/v10` (`DISCORD_API_URL`); the gateway URL then comes from its `/gateway/bot`. */
  apiUrl?: string | undefined;
  /** Register commands to this server only (`DISCORD_GUILD_ID`); else globally. */
  guildId?: string | undefined;
  /** The engine. */
  engine: DiscordEngine;
  /** Logger (pino fits). */
  log: Logger;
  /** Bulk-overwrite the slash commands once connected; default true. */
  registerCommands?: boolean;
  /** Defer an interaction when the engine has not answered after this long; default 2,000 ms. */
  deferAfterMs?: number;
  /** Give up starting when the gateway is not ready after this long; default 30 s. */
  readyTimeoutMs?: number;
  /** Renders views' charts as pictures (see src/charts); without it answers are text only. */
  charts?: ChartRenderer | undefined;
  /** Told when a server removes the bot or adds it (again): its team data's grace period. */
  membership?: Pick<TeamForgetting, 'left' | 'returned'> | undefined;
  /**
   * Gateway shards of this process out of the bot's total (src/sharding.ts); default discord.js
   * internal sharding: every shard Discord recommends, in this process.
   */
  shards?: { ids: number[]; count: number } | undefined;
  /** The token's global REST limit, requests a second (`DISCORD_GLOBAL_RATE_LIMIT`); default 50. */
  globalPerSecond?: number | undefined;
}

/** Defaults in one place. */
export const DISCORD_DEFAULTS = { registerCommands: true, readyTimeoutMs: 30_000 } as const;

/** A running Discord adapter. */
export interface DiscordAdapter {
  /** The discord.js client (logged in and ready). */
  client: Client<true>;
  /** Outbound side for the scheduler: post a daily question, edit it at close. */
  chat: ChatPort;
  /** The bot's application id. */
  applicationId: string;
  /** True while the gateway session is up (for /readyz). */
  ready(): boolean;
  /** Graceful shutdown: destroys the client (idempotent). */
  stop(): Promise<void>;
}
