import { encodeAction, ownerTag } from './actions.js';
import type { Actor } from './api.js';
import { describeForget, type ForgetReport } from './forget.js';
import type { View } from './views.js';

/** `/forget-me`: what will be deleted, with a confirmation and a cancel button (private). */
export function forgetConfirmView(actor: Actor): View {
  const owner = ownerTag(actor.user);
  return {
    title: 'Delete your data?',
    text:
      'This deletes everything this bot keeps about you, for good: your flashcard progress (card ' +
      'states, due cards, study counters and review log), your daily quiz answers, your leaderboard ' +
      'entries and points, your streak and your display name, in every server or workspace of this ' +
      'platform. Team leaderboards are recounted without you. It cannot be undone.',
    private: true,
    tone: 'warning',
    buttons: [
      [
        {
          actionId: encodeAction({ kind: 'forget', confirm: true, owner }),
          label: 'Delete my data',
          style: 'danger',
        },
        {
          actionId: encodeAction({ kind: 'forget', confirm: false, owner }),
          label: 'Cancel',
          style: 'secondary',
        },
      ],
    ],
  };
}

/** After the confirmation: what was deleted. */
export function forgetDoneView(r: ForgetReport): View {
  return { title: 'Your data is deleted', text: `I ${describeForget(r)}.`, private: true, tone: 'success' };
}

/** After cancel. */
export function forgetCancelledView(): View {
  return { text: 'Nothing was deleted.', private: true, tone: 'info' };
}
