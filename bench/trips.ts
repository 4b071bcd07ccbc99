import type { Redis } from 'ioredis';

/** One command as the client wrote it. */
export interface SentCommand {
  /** Command name, lower case (`hget`, `evalsha`). */
  name: string;
  /** Arguments as sent. */
  args: string[];
  /** Index of the round trip it went out in (commands of one pipeline share it). */
  trip: number;
}

/** Round trips and commands one ioredis client sent while counting was on. */
export interface TripCounter {
  /** Starts counting (and recording commands) from zero. */
  start(): void;
  /** Stops counting and returns what was sent. */
  stop(): { trips: number; commands: Record<string, number>; sent: SentCommand[] };
}

type SendCommand = (command: { name: string; args: unknown[] }, stream?: object) => unknown;

/**
 * Counts what a client sends, on the client side: the commands sent in one tick of the event loop
 * (one pipeline's, or several sent at once with nothing awaited between them) are one round trip
 * between them, since none waits for another's reply; a command that needed a reply first goes out
 * in a later tick. Server-side INFO commandstats would also count the commands
 * run inside Lua scripts, which are not round trips. Keeps the first `keep` commands with their
 * arguments, so a baseline can replay exactly what the engine sent.
 */
export function countTrips(redis: Redis, keep = 64): TripCounter {
  let on = false;
  let trips = 0;
  let commands: Record<string, number> = {};
  let sent: SentCommand[] = [];
  let inTick = false;
  const target = redis as unknown as { sendCommand: SendCommand };
  const original = target.sendCommand.bind(redis) as SendCommand;
  target.sendCommand = (command, stream) => {
    if (on) {
      commands[command.name] = (commands[command.name] ?? 0) + 1;
      if (!inTick) {
        inTick = true;
        trips++;
        process.nextTick(() => {
          inTick = false;
        });
      }
      if (sent.length < keep)
        sent.push({ name: command.name, args: command.args.map((a) => String(a)), trip: trips });
    }
    return original(command, stream);
  };
  return {
    start() {
      on = true;
      trips = 0;
      commands = {};
      sent = [];
    },
    stop() {
      on = false;
      return { trips, commands, sent };
    },
  };
}
