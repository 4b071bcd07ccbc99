import {
  type DiscordHttpAdapter,
  type DiscordHttpOptions,
  startDiscordHttp,
} from '../../../src/adapters/discord/http/start.js';
import {
  type DiscordAdapter,
  type DiscordOptions,
  startDiscord,
} from '../../../src/adapters/discord/start.js';
import type { Logger } from '../../../src/engine/api.js';
import { FakeDiscord, type FakeDiscordOptions } from './fake-discord.js';
import { InteractionSigner } from './interactions-http.js';

/** One log call, as a test logger keeps it. */
export interface LogEntry {
  /** Level. */
  level: 'error' | 'warn' | 'info' | 'debug';
  /** Bound fields. */
  obj: object;
  /** Message. */
  msg: string;
}

/** A logger that keeps every entry (and prints errors when QB_TEST_LOG is set). */
export function memoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg: string): void => {
      entries.push({ level, obj, msg });
      if (process.env.QB_TEST_LOG) console.log(level, msg, obj);
    };
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** A running bot (real discord.js client) against a fresh fake Discord. */
export interface DiscordRig {
  /** The fake. */
  fake: FakeDiscord;
  /** The adapter under test. */
  bot: DiscordAdapter;
  /** Everything the bot logged. */
  log: ReturnType<typeof memoryLogger>;
  /** Destroys the client first, then closes the fake (the other order reconnects forever). */
  close(): Promise<void>;
}

/** Starts a fake Discord and the Discord adapter against it. */
export async function startRig(
  opts: Omit<DiscordOptions, 'token' | 'apiUrl' | 'log'> & {
    /** Options of the fake. */
    fake?: FakeDiscordOptions;
    /** Runs on the fake before the bot starts (inject failures). */
    prepare?: (fake: FakeDiscord) => void;
  },
): Promise<DiscordRig> {
  const { fake: fakeOpts, prepare, ...botOpts } = opts;
  const fake = await FakeDiscord.start(fakeOpts);
  prepare?.(fake);
  const log = memoryLogger();
  let bot: DiscordAdapter;
  try {
    bot = await startDiscord({ token: 'test-token', apiUrl: fake.apiUrl, log, ...botOpts });
  } catch (err) {
    await fake.close();
    throw err;
  }
  return {
    fake,
    bot,
    log,
    close: async () => {
      await bot.stop();
      await fake.close();
    },
  };
}

/** A bot in HTTP-interactions mode against a fresh fake Discord whose Interactions Endpoint URL points at it. */
export interface DiscordHttpRig {
  /** The fake. */
  fake: FakeDiscord;
  /** The adapter under test. */
  bot: DiscordHttpAdapter;
  /** The application's key pair, made for this rig; the bot knows the public half. */
  signer: InteractionSigner;
  /** The endpoint URL Discord is given. */
  url: string;
  /** Everything the bot logged. */
  log: ReturnType<typeof memoryLogger>;
  /** Stops the bot, then closes the fake. */
  close(): Promise<void>;
}

/**
 * Starts a fake Discord and the adapter in HTTP mode (a key pair generated here, the endpoint on a
 * free port of 127.0.0.1), then saves the endpoint URL in the fake, which checks it as Discord does.
 */
export async function startHttpRig(
  opts: Omit<DiscordHttpOptions, 'token' | 'apiUrl' | 'log' | 'publicKey' | 'port'> & {
    /** Options of the fake. */
    fake?: FakeDiscordOptions;
  },
): Promise<DiscordHttpRig> {
  const { fake: fakeOpts, ...botOpts } = opts;
  const fake = await FakeDiscord.start(fakeOpts);
  const signer = new InteractionSigner();
  const log = memoryLogger();
  let bot: DiscordHttpAdapter | undefined;
  try {
    bot = await startDiscordHttp({
      token: 'test-token',
      apiUrl: fake.apiUrl,
      log,
      publicKey: signer.publicKeyHex,
      port: 0,
      host: '127.0.0.1',
      ...botOpts,
    });
    const url = `http://127.0.0.1:${bot.port}/discord/interactions`;
    await fake.setInteractionsEndpoint(url, signer);
    const started = bot;
    return {
      fake,
      bot: started,
      signer,
      url,
      log,
      close: async () => {
        await started.stop();
        await fake.close();
      },
    };
  } catch (err) {
    await bot?.stop();
    await fake.close();
    throw err;
  }
}

/** The value, or a failed test naming what was missing (instead of a non-null assertion). */
export function must<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`);
  return value;
}
