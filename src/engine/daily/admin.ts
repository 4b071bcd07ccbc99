import type { Actor, AdminCommand } from '../api.js';
import type { ChannelSchedule, DueItem, TeamRef } from '../ports.js';
import {
  localDate,
  nextOccurrence,
  parseClose,
  parseTime,
  parseTimezone,
  parseWeekdays,
} from '../schedule.js';
import { noticeView, refusalView, truncate, type View } from '../views.js';
import { bad, describe, done, hhmm, mention, whenLocal } from './format.js';
import { openRound } from './rounds.js';
import type { DailyDeps } from './settings.js';

/** Schedule commands. Only `list` is open to everyone; changes need `actor.isAdmin`. */
export async function adminCommand(deps: DailyDeps, actor: Actor, cmd: AdminCommand): Promise<View> {
  const team = actor.team;
  if (!team) return bad('Daily quizzes belong to a team: use this command in a server or workspace channel.');
  if (cmd.kind !== 'list' && !actor.isAdmin)
    return refusalView('not_admin', 'Only team admins can change daily quiz schedules.');
  if (
    cmd.kind === 'dashboard' ||
    cmd.kind === 'forget-team' ||
    cmd.kind === 'insights' ||
    cmd.kind === 'fsrs-reset'
  )
    return bad(`The ${cmd.kind} command is handled by the engine, not the daily service.`);
  const now = deps.clock.now();
  switch (cmd.kind) {
    case 'schedule':
      return schedule(deps, actor, team, cmd, now);
    case 'list':
      return list(deps, team, now);
    case 'unschedule':
      return unschedule(deps, team, cmd.channelId);
    case 'pause':
    case 'resume':
      return pauseOrResume(deps, actor, team, cmd.channelId, cmd.kind === 'pause', now);
    case 'post-now':
      return postNow(deps, team, cmd.channelId, now);
  }
}

async function unschedule(deps: DailyDeps, team: TeamRef, channelId: string): Promise<View> {
  const removed = await deps.store.deleteSchedule(team, channelId);
  await deps.store.removeDue({ kind: 'open', team, channelId });
  if (!removed) return bad(`No daily quiz is scheduled in ${mention(team.platform, channelId)}.`);
  return done(
    'Daily quiz removed',
    `No more daily questions in ${mention(team.platform, channelId)}. A question that is open now still closes as planned.`,
  );
}

async function pauseOrResume(
  deps: DailyDeps,
  actor: Actor,
  team: TeamRef,
  channelId: string,
  paused: boolean,
  now: number,
): Promise<View> {
  const s = await deps.store.getSchedule(team, channelId);
  if (!s) return bad(`No daily quiz is scheduled in ${mention(team.platform, channelId)}.`);
  const next: ChannelSchedule = { ...s, paused, updatedBy: actor.user.userId, updatedAt: now };
  await deps.store.putSchedule(team, next);
  const item: DueItem = { kind: 'open', team, channelId: s.channelId };
  if (paused) {
    await deps.store.removeDue(item);
    return done(
      'Daily quiz paused',
      `${describe(next, team.platform)}.\nPaused: no questions until resumed.`,
    );
  }
  const occ = nextOccurrence(next, now);
  await deps.store.setDue(item, occ.start);
  return done(
    'Daily quiz resumed',
    `${describe(next, team.platform)}.\nNext question: ${whenLocal(occ.start, next.timezone)}.`,
  );
}

async function schedule(
  deps: DailyDeps,
  actor: Actor,
  team: TeamRef,
  cmd: Extract<AdminCommand, { kind: 'schedule' }>,
  now: number,
): Promise<View> {
  if (!cmd.channelId.trim()) return bad('Name the channel to post the daily question to.');
  const deck = deps.decks.get(cmd.deckId);
  if (!deck) return noticeView('unknown_deck', `\`${cmd.deckId}\` is not a loaded deck.`);
  if (!deck.cards.some((c) => c.quiz.length > 0)) {
    return noticeView('deck_invalid', `Deck \`${deck.id}\` has no multiple-choice questions.`);
  }
  const time = parseTime(cmd.time);
  if (!time.ok) return bad(time.error);
  const tz = parseTimezone(cmd.timezone);
  if (!tz.ok) return bad(tz.error);
  const weekdays = parseWeekdays(cmd.weekdays);
  if (!weekdays.ok) return bad(weekdays.error);
  const close = parseClose(cmd.close, time.value);
  if (!close.ok) return bad(close.error);
  const s: ChannelSchedule = {
    channelId: cmd.channelId,
    deckId: deck.id,
    time: time.value,
    timezone: tz.value,
    weekdays: weekdays.value,
    close: close.value,
    paused: false,
    updatedBy: actor.user.userId,
    updatedAt: now,
  };
  await deps.store.putSchedule(team, s);
  const occ = nextOccurrence(s, now);
  await deps.store.setDue({ kind: 'open', team, channelId: s.channelId }, occ.start);
  return done(
    'Daily quiz scheduled',
    `${describe(s, team.platform)}.\nNext question: ${whenLocal(occ.start, s.timezone)}.`,
  );
}

async function list(deps: DailyDeps, team: TeamRef, now: number): Promise<View> {
  const all = await deps.store.listSchedules(team);
  if (all.length === 0) {
    return {
      title: 'Daily quizzes',
      text: 'No daily quiz is scheduled in this team. An admin can add one with the schedule command.',
      private: true,
      tone: 'info',
    };
  }
  const lines = all.map((s) => {
    const state = s.paused ? 'paused' : `next ${whenLocal(nextOccurrence(s, now).start, s.timezone)}`;
    return `• ${describe(s, team.platform)} · ${state}`;
  });
  return { title: 'Daily quizzes', text: truncate(lines.join('\n'), 3000), private: true, tone: 'info' };
}

/**
 * Posts a question now: today's round when it is not out yet, else an extra round named by the
 * minute. One command per channel per window is accepted (an atomic mark in the store), so a
 * double click, or one command delivered to each of two replicas, posts once.
 */
async function postNow(deps: DailyDeps, team: TeamRef, channelId: string, now: number): Promise<View> {
  const s = await deps.store.getSchedule(team, channelId);
  const where = mention(team.platform, channelId);
  if (!s) return bad(`No daily quiz is scheduled in ${where}: schedule one first.`);
  const justPosted: View = { text: `A question was just posted in ${where}.`, private: true, tone: 'info' };
  if (!(await deps.store.markPostNow(team, channelId, now, deps.settings.postNowWindowMs))) return justPosted;
  const date = localDate(now, s.timezone);
  let out = await openRound(deps, team, channelId, date, { now, postNow: true });
  if (out.status === 'taken' || out.status === 'failed') {
    // Today's round is out (or failed for good): an extra one, named by the minute (the window
    // is at least a minute, so two accepted commands never share a name).
    out = await openRound(deps, team, channelId, date, {
      now,
      postNow: true,
      suffix: `p${hhmm(now, s.timezone).replace(':', '')}`,
    });
  }
  if (out.status === 'skipped' || out.status === 'retry' || out.status === 'failed')
    // Nothing is in the channel: a second try must not be told a question was just posted.
    await deps.store.releasePostNow(team, channelId, now, deps.settings.postNowWindowMs);
  switch (out.status) {
    case 'posted':
      return done(
        'Question posted',
        `Posted a question in ${where}; it closes at ${hhmm(out.closesAt, s.timezone)} (${s.timezone}).`,
      );
    case 'taken':
      return justPosted;
    case 'busy':
      return { text: `A question is being posted in ${where} right now.`, private: true, tone: 'info' };
    case 'skipped':
      return bad(out.reason);
    default:
      return noticeView(
        'internal',
        `Posting to ${where} failed. Check that I may post there, then try again.`,
      );
  }
}
