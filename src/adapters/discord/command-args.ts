import type { ChatInputCommandInteraction } from 'discord.js';
import type { AdminCommand } from '../../engine/api.js';
import { noticeView, type View } from '../../engine/views.js';

/** The AdminCommand of a `/quiz-admin` interaction, or a refusal view when an option is missing. */
export function adminCommandOf(i: ChatInputCommandInteraction): AdminCommand | View {
  const sub = i.options.getSubcommand(false);
  const channelId = i.options.getChannel('channel')?.id ?? i.channelId;
  const str = (name: string) => i.options.getString(name)?.trim() || undefined;
  switch (sub) {
    case 'schedule': {
      const deckId = str('deck');
      const time = str('time');
      const timezone = str('timezone');
      if (!deckId || !time || !timezone)
        return noticeView('bad_argument', 'schedule needs deck, time and timezone.');
      const cmd: AdminCommand = { kind: 'schedule', channelId, deckId, time, timezone };
      const weekdays = str('weekdays');
      const close = str('close');
      if (weekdays) cmd.weekdays = weekdays;
      if (close) cmd.close = close;
      return cmd;
    }
    case 'list':
      return { kind: 'list' };
    case 'dashboard':
    case 'insights':
    case 'fsrs-reset':
    case 'forget-team':
      return { kind: sub };
    case 'unschedule':
    case 'pause':
    case 'resume':
    case 'post-now':
      return { kind: sub, channelId };
    default:
      return noticeView('bad_argument', `Unknown subcommand ${JSON.stringify(sub)}.`);
  }
}
