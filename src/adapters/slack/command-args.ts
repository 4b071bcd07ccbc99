import type { AdminCommand, Period } from '../../engine/api.js';
import { deckArg, PERIOD_CHOICES, parsePeriod, splitArgs } from '../../engine/args.js';
import { parseClose, parseTime, parseTimezone, parseWeekdays } from '../../engine/schedule.js';
import { type Sub, USAGE } from './command-definitions.js';

/** A parsed `/quiz` invocation: exactly one engine call, or a help/usage view. */
export type QuizCommand =
  | { kind: 'help' }
  | { kind: 'review'; deck: string | null }
  | { kind: 'stats'; deck: string | null }
  | { kind: 'leaderboard'; period: Period }
  | { kind: 'decks' }
  | { kind: 'forget' }
  | { kind: 'timezone'; zone: string | null }
  | { kind: 'admin'; cmd: AdminCommand }
  | { kind: 'usage'; problem: string; usage: string };

/**
 * A channel argument: Slack sends a picked channel as `<#C123|name>` (or `<#C123>`); a bare
 * channel id is accepted too. Plain `#name` cannot be resolved without an extra API call.
 */
export function parseChannel(token: string | undefined): string | null {
  if (!token) return null;
  const m = /^<#([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(token) ?? /^([CG][A-Z0-9]{6,})$/.exec(token);
  return m?.[1] ?? null;
}

function usage(sub: Sub, problem: string, command: string): QuizCommand {
  return { kind: 'usage', problem, usage: `${command} ${USAGE[sub]}` };
}

function channelArg(sub: Sub, token: string | undefined, command: string): string | QuizCommand {
  const id = parseChannel(token);
  if (id) return id;
  const problem = token
    ? `\`${token}\` is not a channel I can use: type \`#\` and pick the channel from the list.`
    : 'Name the channel: type `#` and pick it from the list.';
  return usage(sub, problem, command);
}

/** Parses the text after `/quiz`. Unknown subcommands and bad arguments come back as `usage`. */
export function parseQuizCommand(text: string, command = '/quiz'): QuizCommand {
  const tokens = splitArgs(text);
  const [head, ...args] = tokens;
  const sub = (head ?? 'help').toLowerCase();
  const extra = (n: number, s: Sub): QuizCommand | null =>
    args.length > n ? usage(s, `Too many arguments: \`${args.slice(n).join(' ')}\`.`, command) : null;
  switch (sub) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'review':
      return extra(1, 'review') ?? { kind: 'review', deck: deckArg(args[0]) };
    case 'stats':
      return extra(1, 'stats') ?? { kind: 'stats', deck: deckArg(args[0]) };
    case 'decks':
      return extra(0, 'decks') ?? { kind: 'decks' };
    case 'forget-me':
      return extra(0, 'forget-me') ?? { kind: 'forget' };
    case 'settings':
      if (args[0]?.toLowerCase() !== 'timezone')
        return usage('settings', 'Which setting? `timezone` is the one there is.', command);
      return extra(2, 'settings') ?? { kind: 'timezone', zone: args[1] ?? null };
    case 'leaderboard':
    case 'top': {
      // Two words at most: `last week`.
      const bad = extra(2, 'leaderboard');
      if (bad) return bad;
      const period = parsePeriod(args.join(' '));
      if (!period)
        return usage(
          'leaderboard',
          `\`${args.join(' ')}\` is not a period: use ${PERIOD_CHOICES.map((c) => c.value).join(', ')}.`,
          command,
        );
      return { kind: 'leaderboard', period };
    }
    case 'list':
      return extra(0, 'list') ?? { kind: 'admin', cmd: { kind: 'list' } };
    case 'dashboard':
      return extra(0, 'dashboard') ?? { kind: 'admin', cmd: { kind: 'dashboard' } };
    case 'forget-team':
      return extra(0, 'forget-team') ?? { kind: 'admin', cmd: { kind: 'forget-team' } };
    case 'insights':
    case 'fsrs-reset':
      return extra(0, sub) ?? { kind: 'admin', cmd: { kind: sub } };
    case 'unschedule':
    case 'pause':
    case 'resume':
    case 'post-now': {
      const bad = extra(1, sub);
      if (bad) return bad;
      const channel = channelArg(sub, args[0], command);
      if (typeof channel !== 'string') return channel;
      return { kind: 'admin', cmd: { kind: sub, channelId: channel } };
    }
    case 'schedule':
      return parseSchedule(args, command);
    default:
      return {
        kind: 'usage',
        problem: `I don’t know \`${head}\`.`,
        usage: (Object.keys(USAGE) as Sub[]).map((s) => `${command} ${USAGE[s]}`).join('\n'),
      };
  }
}

function parseSchedule(args: string[], command: string): QuizCommand {
  const [chan, deck, time, tz, ...rest] = args;
  const channel = channelArg('schedule', chan, command);
  if (typeof channel !== 'string') return channel;
  if (!deck || !time || !tz)
    return usage('schedule', 'Give the channel, the deck, the time and the timezone.', command);
  const t = parseTime(time);
  if (!t.ok) return usage('schedule', t.error, command);
  const zone = parseTimezone(tz);
  if (!zone.ok) return usage('schedule', zone.error, command);
  let weekdays: string | undefined;
  let close: string | undefined;
  // Both tail arguments are optional, so each is recognised by its shape.
  for (const tok of rest) {
    if (weekdays === undefined && close === undefined && /^[a-z]/i.test(tok) && parseWeekdays(tok).ok) {
      weekdays = tok.toLowerCase();
    } else if (close === undefined && parseClose(tok, t.value).ok) {
      close = tok.toLowerCase();
    } else {
      const why = /^[a-z]/i.test(tok) ? parseWeekdays(tok) : parseClose(tok, t.value);
      return usage('schedule', why.ok ? `Unexpected argument \`${tok}\`.` : why.error, command);
    }
  }
  const cmd: AdminCommand = {
    kind: 'schedule',
    channelId: channel,
    deckId: deckArg(deck) ?? deck,
    time: t.value,
    timezone: zone.value,
    ...(weekdays === undefined ? {} : { weekdays }),
    ...(close === undefined ? {} : { close }),
  };
  return { kind: 'admin', cmd };
}
