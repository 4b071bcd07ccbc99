import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainableCommander, Redis } from 'ioredis';

const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'lua');
const SCRIPT_FILE = /^([a-zA-Z][a-zA-Z0-9]*)-(\d+)\.lua$/;
/** A line `-- @include <name>` in a script: replaced by `lua/fragments/<name>.lua` at load. */
const INCLUDE = /^-- @include ([a-z][a-z0-9-]*)[ \t]*$/gm;

/**
 * Every script's arguments, in the order and with the names of its header (`lua/<name>-<N>.lua`):
 * KEYS[1..N], then ARGV[1..]. An ARGV name ending in `?` may be left out (its header line says
 * "absent"); a last name starting with `...` takes the rest (`ARGV[n..]` in the header).
 * tests/unit/lua-headers.test.ts holds each entry against its script's header.
 */
export const SCRIPTS = {
  cardKeys: { keys: ['ids', 'counter'], argv: ['...cardIds'] },
  dailyAnswer: {
    keys: ['round', 'answers', 'names'],
    argv: ['user', 'choice', 'now', 'name', 'requestId?', 'messageId?', 'namesKeepMs?'],
  },
  dailyClaim: {
    keys: ['claim', 'round', 'answers'],
    argv: ['owner', 'now', 'leaseMs', 'maxAttempts', 'keepMs', 'closes', '...roundFields'],
  },
  dailyClose: {
    keys: ['round', 'answers', 'streaks', 'names', 'open', 'week', 'month', 'all', 'gc', 'seen'],
    argv: [
      'now',
      'keepMs',
      'roundId',
      'total',
      'start',
      'result',
      'weekKeepMs',
      'monthKeepMs',
      'gcMembers',
      'memberKeepMs',
      '...chunk',
    ],
  },
  dailyFailed: { keys: ['claim', 'round'], argv: ['generation', 'final', 'keepMs', 'rateLimited?'] },
  dailyPostNow: { keys: ['mark'], argv: ['now', 'windowMs', 'release?'] },
  dailyPosted: {
    keys: ['claim', 'round', 'asked', 'open'],
    argv: ['generation', 'roundId', 'channelId', 'messageId', 'resetAsked', 'keepMs'],
  },
  dailyRenew: { keys: ['claim'], argv: ['generation', 'now', 'until'] },
  dailyReveal: { keys: ['round'], argv: ['ok'] },
  dueLease: { keys: ['due'], argv: ['member', 'seen', 'until'] },
  forgetMember: { keys: ['names', 'streaks', 'seen', 'gc', 'open', 'all'], argv: ['userId', 'keyBase'] },
  forgetReviewLines: { keys: ['log'], argv: ['userId'] },
  fsrsLease: { keys: ['lease'], argv: ['owner', 'op', 'ttlMs'] },
  grade: {
    keys: ['cards', 'due', 'deckDays', 'days', 'log', 'decks'],
    argv: [
      'cardKey',
      'expected',
      'next',
      'dueMs',
      'day',
      'isNew',
      'recalled',
      'line',
      'cap',
      'deckId',
      'oldestDay',
      'snapNow?',
      'snapEndOfDay?',
      'snapDueIds?',
      'snapDay?',
    ],
  },
  gradeRead: { keys: ['cards', 'due', 'timezone'], argv: ['cardKey'] },
  lbRead: { keys: ['board', 'names'], argv: ['userId', 'n'] },
  migrateStates: { keys: ['legacyCards', 'legacyDue', 'cards', 'due'], argv: ['count', '...states'] },
  queue: { keys: ['cards', 'due', 'deckDays'], argv: ['now', 'endOfDay', 'day', 'dueIds'] },
  rateSlot: { keys: ['slot'], argv: ['intervalMs', 'maxWaitMs'] },
  teamLog: { keys: ['log'], argv: ['line', 'cap', 'idleMs'] },
} as const satisfies Record<string, ScriptShape>;

/** KEYS and ARGV names of one script, as in {@link SCRIPTS}. */
export interface ScriptShape {
  readonly keys: readonly string[];
  readonly argv: readonly string[];
}

export type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;
type Flat = (string | number | null)[];

/** Reply of `lua/queue-3.lua` (the queue-snapshot fragment). */
type QueueReply = [string | null, number, number, string | null, number, number, string | null, string[]];
/** The lean snapshot `lua/grade-6.lua` reads: "due today" and "cards known" left out (null) when a card is due. */
export type LeanQueueReply = [
  string | null,
  number,
  number | null,
  string | null,
  number,
  number | null,
  string | null,
  string[],
];

/** What each script returns (its header's `-- Returns`), as ioredis hands it over. */
export interface ScriptReplies {
  cardKeys: string[];
  dailyAnswer: Flat;
  dailyClaim: Flat;
  dailyClose: Flat;
  dailyFailed: 'ok' | 'lost';
  dailyPostNow: number;
  dailyPosted: 'ok' | 'late' | 'lost';
  dailyRenew: 'ok' | 'lost';
  dailyReveal: number;
  dueLease: number;
  forgetMember: [number, number, string];
  forgetReviewLines: number;
  fsrsLease: number;
  /** The outcome (1 applied, 0 conflict), or with a snapshot asked for, the outcome then a `queue` reply. */
  grade: number | [number, ...LeanQueueReply];
  gradeRead: [string | null, string | null, string | null];
  lbRead: Flat;
  migrateStates: number;
  queue: QueueReply;
  rateSlot: number;
  teamLog: number;
}

/** One argument per name: required, optional (`name?`) or the rest (`...name`). */
/** What script `N` returns. */
export type ScriptReply<N extends ScriptName> = ScriptReplies[N];

type ArgsOf<Names extends readonly string[]> = Names extends readonly [
  infer H extends string,
  ...infer T extends readonly string[],
]
  ? H extends `...${string}`
    ? Arg[]
    : H extends `${string}?`
      ? [arg?: Arg, ...ArgsOf<T>]
      : [Arg, ...ArgsOf<T>]
  : [];

/** A string for each name. */
type Strings<T extends readonly string[]> = { -readonly [I in keyof T]: string };
/** The KEYS of a script, in order. */
export type ScriptKeys<N extends ScriptName> = Strings<(typeof SCRIPTS)[N]['keys']>;
/** The arguments of a script's command: its KEYS, then its ARGV. */
export type ScriptArgs<N extends ScriptName> = [...ScriptKeys<N>, ...ArgsOf<(typeof SCRIPTS)[N]['argv']>];

/** A client with the scripts defined by {@link defineScripts}, typed from {@link SCRIPTS}. */
export type ScriptedRedis = Redis & {
  [N in ScriptName]: (...args: ScriptArgs<N>) => Promise<ScriptReplies[N]>;
};
/** A pipeline of a {@link ScriptedRedis}. */
export type ScriptedPipeline = ChainableCommander & {
  [N in ScriptName]: (...args: ScriptArgs<N>) => ScriptedPipeline;
};

/** The field-value pairs of a flat script reply from index `from` on (e.g. a round's hash after a status). */
export function pairs(flat: Flat, from: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = from; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** The scripts of a client made by `connectRedis` (which calls {@link defineScripts}). */
export function scripted(redis: Redis): ScriptedRedis {
  return redis as ScriptedRedis;
}

/** A pipeline on a client made by `connectRedis`, with the scripts as commands. */
export function scriptedPipeline(redis: Redis): ScriptedPipeline {
  return redis.pipeline() as ScriptedPipeline;
}

/**
 * The text of one script as Redis runs it: each `-- @include <name>` line replaced by
 * `fragments/<name>.lua` from the same folder (a fragment includes nothing itself).
 */
export function scriptSource(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_line, name: string) => {
    const fragment = readFileSync(join(dir, 'fragments', `${name}.lua`), 'utf8').trimEnd();
    if (/^-- @include /m.test(fragment))
      throw new Error(`lua/fragments/${name}.lua: a fragment cannot include`);
    return fragment;
  });
}

/**
 * Loads every `lua/<name>-<numKeys>.lua` file as an ioredis custom command `<name>`
 * (EVALSHA with a fallback to EVAL, so a restarted Redis reloads scripts by itself). A file
 * without an entry in {@link SCRIPTS}, or whose key count differs from it, is a bug: it throws.
 */
export function defineScripts(redis: Redis, dir = LUA_DIR): string[] {
  const names: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = SCRIPT_FILE.exec(file);
    if (!m) continue;
    const [, name, keys] = m as unknown as [string, string, string];
    const shape = (SCRIPTS as Record<string, ScriptShape>)[name];
    if (shape?.keys.length !== Number(keys)) throw new Error(`lua/${file}: not in SCRIPTS with ${keys} keys`);
    redis.defineCommand(name, { numberOfKeys: Number(keys), lua: scriptSource(dir, file) });
    names.push(name);
  }
  return names;
}
