/**
 * Builders of the Discord API objects the fake sends and stores, shaped as discord.js 14 expects
 * them (see ../../../../shared/PLATFORM-NOTES.md): users, guilds, channels, messages, interactions.
 */
import { PermissionFlagsBits } from 'discord.js';

/** A loose JSON object (the fake speaks raw API JSON). */
export type Json = Record<string, unknown>;

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/**
 * A fresh snowflake id at `at` (default now). The low 22 bits (Discord's worker, process and
 * increment fields) are one counter here: with a 12-bit increment alone, a bench that made 30,000
 * channels within a few milliseconds got the same id twice (the counter wrapped), so one channel
 * stood in two runs. The timestamp bits stay `at`, so a guild's shard `(id >> 22) % n` is kept.
 */
export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) & 0x3fffffn;
  return String(((BigInt(at) - DISCORD_EPOCH) << 22n) | increment);
}

/**
 * A snowflake whose guild would live on `shard` of `count` (Discord: `(id >> 22) % count`, the
 * id's millisecond timestamp), taken a few ms in the past.
 */
export function snowflakeOnShard(shard: number, count: number): string {
  const since = BigInt(Date.now()) - DISCORD_EPOCH;
  const n = BigInt(count);
  const at = since - ((((since - BigInt(shard)) % n) + n) % n);
  return snowflake(Number(at + DISCORD_EPOCH));
}

/** A user (or the bot) as tests describe it. */
export interface FakeUser {
  /** Snowflake. */
  id: string;
  /** Username. */
  username: string;
  /** Display name (global_name). */
  globalName?: string;
  /** Permission bits this user has in guild channels (what Discord computes into member.permissions). */
  permissions: bigint;
  /** A bot account. */
  bot?: boolean;
}

/** What a plain member may do: see, write, use commands. */
export const MEMBER_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands;

/** A member with Manage Server. */
export const ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | PermissionFlagsBits.ManageGuild;

/** A text channel of a guild. */
export interface FakeChannel {
  /** Snowflake. */
  id: string;
  /** Channel name. */
  name: string;
  /** Channel type (0 text, 5 announcement); default 0. */
  type?: number;
}

/** A guild with its channels. */
export interface FakeGuild {
  /** Snowflake. */
  id: string;
  /** Server name. */
  name: string;
  /** Text channels. */
  channels: FakeChannel[];
}

export function userJson(u: FakeUser): Json {
  return {
    id: u.id,
    username: u.username,
    discriminator: '0',
    global_name: u.globalName ?? null,
    avatar: null,
    ...(u.bot ? { bot: true } : {}),
    public_flags: 0,
  };
}

export function channelJson(c: FakeChannel, guildId: string, position = 0): Json {
  return {
    id: c.id,
    type: c.type ?? 0,
    guild_id: guildId,
    name: c.name,
    position,
    permission_overwrites: [],
    nsfw: false,
    topic: null,
    last_message_id: null,
    parent_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

export function dmChannelJson(id: string, user: FakeUser): Json {
  return { id, type: 1, last_message_id: null, recipients: [userJson(user)], flags: 0 };
}

/** Id of the guild's "Admins" role (Manage Server), which admin users hold in REST member answers. */
export const adminRoleId = (guildId: string): string => String(BigInt(guildId) + 1n);

/** A guild member; `guildId` set: REST shape, where an admin holds the guild's Admins role. */
export function memberJson(u: FakeUser, guildId?: string): Json {
  const admin = (u.permissions & PermissionFlagsBits.ManageGuild) !== 0n;
  return {
    user: userJson(u),
    nick: null,
    avatar: null,
    roles: guildId && admin ? [adminRoleId(guildId)] : [],
    joined_at: new Date(0).toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
    permissions: String(u.permissions),
  };
}

/** The full guild sent with GUILD_CREATE (the client's `clientReady` waits for it). */
export function guildJson(g: FakeGuild, bot: FakeUser, ownerId: string): Json {
  return {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      {
        id: g.id,
        name: '@everyone',
        permissions: String(MEMBER_PERMISSIONS),
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      },
      {
        id: adminRoleId(g.id),
        name: 'Admins',
        permissions: String(ADMIN_PERMISSIONS),
        position: 1,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: 1,
    voice_states: [],
    members: [{ ...memberJson(bot), permissions: undefined }],
    channels: g.channels.map((c, i) => {
      const { guild_id: _omit, ...rest } = channelJson(c, g.id, i);
      return rest;
    }),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    max_members: 500_000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
  };
}

/** A stored message: what a channel (or an ephemeral reply) shows right now. */
export interface FakeMessage {
  /** Snowflake. */
  id: string;
  /** Where it is. */
  channel_id: string;
  /** Author (the bot). */
  author: Json;
  /** Text content. */
  content: string;
  /** Embeds. */
  embeds: Json[];
  /** Component rows. */
  components: Json[];
  /** Message flags (64 ephemeral, 128 loading). */
  flags: number;
  /** Times edited. */
  edits: number;
  /** Deleted with DELETE. */
  deleted: boolean;
  /** Set on interaction responses: the app that answered. */
  webhook_id?: string;
  /** ISO creation time. */
  timestamp: string;
  /** ISO time of the last edit. */
  edited_timestamp: string | null;
  /** The nonce it was created with, if any (Discord echoes it in the create response). */
  nonce?: string | number;
  /** Files attached to it (uploaded as multipart `files[n]` parts). */
  attachments: FakeAttachment[];
}

/** A file part of a multipart request. */
export interface UploadedFile {
  /** Form field name, `files[n]`. */
  field: string;
  /** File name the client gave. */
  filename: string;
  /** Its content type. */
  contentType: string;
  /** The bytes. */
  bytes: Buffer;
}

/** A file attached to a message. */
export interface FakeAttachment {
  /** Snowflake. */
  id: string;
  /** File name. */
  filename: string;
  /** MIME type. */
  content_type: string;
  /** Bytes. */
  size: number;
  /** Alt text. */
  description?: string;
  /** The uploaded bytes (for tests; not part of the API answer). */
  bytes: Buffer;
}

/** A stored message as the REST API returns it. */
export function messageJson(m: FakeMessage): Json {
  return {
    id: m.id,
    type: m.webhook_id ? 20 : 0,
    channel_id: m.channel_id,
    author: m.author,
    content: m.content,
    timestamp: m.timestamp,
    edited_timestamp: m.edited_timestamp,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: m.attachments.map(({ bytes: _bytes, ...a }) => ({
      ...a,
      url: `https://cdn.discordapp.invalid/attachments/${m.channel_id}/${a.id}/${a.filename}`,
      proxy_url: `https://media.discordapp.invalid/attachments/${m.channel_id}/${a.id}/${a.filename}`,
    })),
    embeds: m.embeds,
    components: m.components,
    pinned: false,
    flags: m.flags,
    ...(m.webhook_id ? { webhook_id: m.webhook_id, application_id: m.webhook_id } : {}),
    ...(m.nonce !== undefined ? { nonce: m.nonce } : {}),
  };
}
