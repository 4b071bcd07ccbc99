import { expect } from 'vitest';
import { DAILY_POINTS } from '../../src/engine/daily.js';
import { must } from '../fakes/discord/harness.js';
import type { FakeUser } from '../fakes/discord/payloads.js';
import { type Answered, answeredCount, type DiscordFaultRig } from './discord-rig.js';

/** The status of a bot's `/readyz`, or null when it does not answer. */
export async function readyz(port: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}

/** Resolves once `cond` holds (checked every 25 ms): waits on the state itself, never a fixed time. */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Two members answer every channel's post: one picks choice A, the other choice B, so at most
 * one of them is right and the points are known without knowing the order of the clicks.
 */
export async function answerEverywhere(
  rig: DiscordFaultRig,
  channelIds: string[],
  users: [FakeUser, FakeUser],
): Promise<Answered[]> {
  const out: Answered[] = [];
  for (const channelId of channelIds) {
    const post = rig.posts(channelId)[0];
    if (!post) throw new Error(`no post in ${channelId}`);
    out.push(await rig.answer(users[0], post, 0), await rig.answer(users[1], post, 1));
  }
  return out;
}

/** Points an acknowledged answer earns when it is the only right one of its round: 10 + 5. */
const ONLY_RIGHT = DAILY_POINTS.correct + (DAILY_POINTS.speedBonus[0] ?? 0);

/**
 * Closes every channel's round and checks what every fault scenario must end with: exactly one
 * post per channel (for the date), every acknowledged answer counted in the results, and
 * points awarded once (a second close of every round changes nothing).
 */
export async function closeAndCheck(
  rig: DiscordFaultRig,
  channelIds: string[],
  answered: Answered[],
): Promise<void> {
  for (const c of channelIds) expect(rig.posts(c), `posts in ${c}`).toHaveLength(1);
  const rounds = channelIds.map((c) => rig.roundOf(must(rig.posts(c)[0], `post in ${c}`)));
  await rig.closeNow(rounds);
  await rig.waitRevealed(channelIds);

  for (const c of channelIds) {
    const post = must(rig.posts(c)[0], `post in ${c}`);
    expect(rig.posts(c), `posts in ${c} after close`).toHaveLength(1);
    const roundId = rig.roundOf(post);
    const acks = answered.filter((a) => a.roundId === roundId && a.acknowledged).length;
    expect(answeredCount(post), `answers counted in ${roundId}`).toBe(acks);
  }
  const expected = new Map<string, number>();
  for (const a of answered) {
    const right = a.acknowledged && a.reply.text.includes('Right:');
    expected.set(a.user.id, (expected.get(a.user.id) ?? 0) + (right ? ONLY_RIGHT : 0));
  }
  const points = async () =>
    new Map(await Promise.all([...expected.keys()].map(async (u) => [u, await rig.points(u)] as const)));
  expect(await points()).toEqual(expected);

  // Closing every round again (another replica, a retry) awards nothing.
  await rig.closeNow(rounds);
  await until('the second closes to be handled', async () => {
    const due = await rig.store.dueEntries(Number.MAX_SAFE_INTEGER, 10_000);
    return !due.some((d) => d.item.kind === 'close');
  });
  expect(await points()).toEqual(expected);
}
