import type { FakeDiscord } from '../tests/fakes/discord/fake-discord.js';
import { type Child, compileChild, startChild } from './child.js';
import type { BenchContext } from './context.js';
import { sleep } from './stats.js';

/** The bare baseline (bench/bare-child.ts) in its own process, with its own fake Discord. */
export interface BareRig {
  /** The bare process. */
  bare: Child;
  /**
   * Its fake Discord: another instance of the bot's fake with the same server and channels (one
   * instance dispatches every interaction to every gateway session, so the bot and the baseline
   * cannot share one). Undefined when Discord is not measured.
   */
  fakeDiscord: FakeDiscord | undefined;
  /** Port of the bare Bolt app, when Slack is measured. */
  slackPort: number | null;
  /** Stops the bare process, then its fake. */
  close(): Promise<void>;
}

/**
 * Starts the bare baseline against a fresh fake Discord (when `guild` is given) and the bot's own
 * fake Slack (when `slackApiUrl` is given: the Slack side only serves auth.test and the
 * response_urls, which any number of apps can share).
 */
export async function startBareRig(
  ctx: BenchContext,
  opts: {
    guild?: { id: string; name: string; channels: { id: string; name: string }[] } | undefined;
    slackApiUrl?: string | undefined;
    slackSecret: string;
    timeoutMs: number;
  },
): Promise<BareRig> {
  let fakeDiscord: FakeDiscord | undefined;
  if (opts.guild) {
    const fd = await import('../tests/fakes/discord/fake-discord.js');
    fakeDiscord = await fd.FakeDiscord.start({ guilds: [opts.guild] });
  }
  const bare = startChild(
    await compileChild('bare-child'),
    {
      slackSecret: opts.slackSecret,
      ...(fakeDiscord ? { discordApiUrl: fakeDiscord.apiUrl } : {}),
      ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    },
    { timeoutMs: opts.timeoutMs, progress: (s) => ctx.progress.step(s) },
  );
  const close = async () => {
    if (bare.proc.exitCode === null) {
      await Promise.race([bare.request({ op: 'stop' }).catch(() => {}), sleep(5_000)]);
      await Promise.race([bare.result.catch(() => {}), sleep(5_000)]);
    }
    bare.kill();
    await fakeDiscord?.close().catch(() => {});
  };
  try {
    const ready = (await bare.ready) as { slackPort: number | null };
    return { bare, fakeDiscord, slackPort: ready.slackPort, close };
  } catch (err) {
    await close();
    throw err;
  }
}
