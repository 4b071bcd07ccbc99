import type { FakeDiscord } from '../tests/fakes/discord/fake-discord.js';
import type { InteractionSigner } from '../tests/fakes/discord/interactions-http.js';
import type { FakeSlack } from '../tests/fakes/slack/fake-slack.js';
import { type Child, cleanChildren, compileChild, startChild } from './child.js';
import type { BenchContext } from './context.js';
import { ROOT } from './fixtures.js';
import { sleep } from './stats.js';

/** The Slack signing secret and workspace the bench's fake Slack and the bot share. */
export const SLACK_SECRET = 'bench-signing-secret';
export const SLACK_TEAM = 'T0BENCH';

/** The fake platforms in the bench process and the bot (bench/bot-child.ts) in its own. */
export interface BotRig {
  /** The bot process. */
  bot: Child;
  /** How the bot process runs (for the notes). */
  how: string;
  /** The fake Discord, unless it could not start. */
  fakeDiscord: FakeDiscord | undefined;
  /**
   * A second fake Discord (another application) whose Interactions Endpoint URL is the bot's HTTP
   * endpoint (DISCORD_MODE=http), unless it could not start; the same server and channels.
   */
  fakeDiscordHttp: FakeDiscord | undefined;
  /** Why the HTTP-interactions path is not usable, if it is not. */
  discordHttpSkip: string | undefined;
  /** Its one server and channels. */
  guild: { id: string; name: string; channels: { id: string; name: string }[] };
  /** The fake Slack, unless it could not start. */
  fakeSlack: FakeSlack | undefined;
  /** Port of the bot's Bolt HTTP receiver, when Slack started. */
  slackPort: number | null;
  /** Why Discord is not usable, if it is not. */
  discordSkip: string | undefined;
  /** Why Slack is not usable, if it is not. */
  slackSkip: string | undefined;
  /** Stops the bot (its clients first), then the fakes. */
  close(): Promise<void>;
}

/** What {@link startBotRig} starts beside the gateway adapter and Slack. */
export interface BotRigOptions {
  /**
   * Also the HTTP interactions adapter of a second Discord application in the same process
   * (default true). A deployment runs one Discord mode, so a section that measures the process
   * as deployed (the storm's RSS) leaves it out.
   */
  discordHttp?: boolean;
  /** NODE_OPTIONS for the bot process (default: the bench's own environment). */
  nodeOptions?: string;
  /** The chart renderer off in the bot (default on, as deployed). */
  charts?: boolean;
}

/**
 * Starts the fake Discord (one server with `channels` channels) and the fake Slack here, then the
 * bot process with both real adapters pointed at them. A platform whose fake or adapter fails to
 * start is reported in `discordSkip` / `slackSkip`; the other one still runs.
 */
export async function startBotRig(
  ctx: BenchContext,
  channels: number,
  timeoutMs: number,
  opts: BotRigOptions = {},
): Promise<BotRig> {
  let fakeDiscord: FakeDiscord | undefined;
  let discordSkip: string | undefined;
  const guild = { id: '', name: 'Bench server', channels: [] as { id: string; name: string }[] };
  try {
    // Loaded here: when the fake is missing, only Discord is skipped.
    const fd = await import('../tests/fakes/discord/fake-discord.js');
    const { snowflake } = await import('../tests/fakes/discord/payloads.js');
    guild.id = snowflake();
    guild.channels = Array.from({ length: channels }, (_, i) => ({ id: snowflake(), name: `quiz-${i}` }));
    fakeDiscord = await fd.FakeDiscord.start({ guilds: [guild] });
  } catch (err) {
    discordSkip = `the fake Discord could not start: ${(err as Error).message.split('\n')[0]}`;
  }
  let fakeDiscordHttp: FakeDiscord | undefined;
  const withHttp = opts.discordHttp !== false;
  let discordHttpSkip = withHttp ? undefined : 'not started in this section';
  let signer: InteractionSigner | undefined;
  if (withHttp) {
    try {
      const fd = await import('../tests/fakes/discord/fake-discord.js');
      const { InteractionSigner } = await import('../tests/fakes/discord/interactions-http.js');
      signer = new InteractionSigner();
      fakeDiscordHttp = await fd.FakeDiscord.start({ guilds: [guild] });
    } catch (err) {
      discordHttpSkip = `the second fake Discord could not start: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  let fakeSlack: FakeSlack | undefined;
  let slackSkip: string | undefined;
  try {
    const { startFakeSlack } = await import('../tests/fakes/slack/fake-slack.js');
    fakeSlack = await startFakeSlack({ teamId: SLACK_TEAM });
  } catch (err) {
    slackSkip = `the fake Slack could not start: ${(err as Error).message.split('\n')[0]}`;
  }
  const closeFakes = async () => {
    await fakeDiscord?.close().catch(() => {});
    await fakeDiscordHttp?.close().catch(() => {});
    await fakeSlack?.close().catch(() => {});
  };

  let bot: Child;
  let how: string;
  try {
    const command = await compileChild('bot-child');
    how = command.how;
    bot = startChild(
      command,
      {
        url: ctx.url,
        root: ROOT,
        slackSecret: SLACK_SECRET,
        ...(opts.charts === false ? { charts: false } : {}),
        ...(fakeDiscord ? { discordApiUrl: fakeDiscord.apiUrl } : {}),
        ...(fakeDiscordHttp && signer
          ? { discordHttp: { apiUrl: fakeDiscordHttp.apiUrl, publicKey: signer.publicKeyHex } }
          : {}),
        ...(fakeSlack ? { slackApiUrl: fakeSlack.apiUrl } : {}),
      },
      {
        timeoutMs,
        progress: (s) => ctx.progress.step(s),
        ...(opts.nodeOptions === undefined ? {} : { nodeOptions: opts.nodeOptions }),
      },
    );
  } catch (err) {
    cleanChildren();
    await closeFakes();
    throw err;
  }
  const ready = (await bot.ready.catch((err: Error) => {
    const why = `the bot process did not start: ${err.message.split('\n')[0]}`;
    return {
      slackPort: null,
      discordHttpPort: null,
      discordError: why,
      slackError: why,
      discordHttpError: why,
    };
  })) as {
    slackPort: number | null;
    discordHttpPort: number | null;
    discordError: string | null;
    slackError: string | null;
    discordHttpError: string | null;
  };
  if (ready.discordError) discordSkip ??= `startDiscord failed against the fake: ${ready.discordError}`;
  if (ready.discordHttpError)
    discordHttpSkip ??= `startDiscordHttp failed against the fake: ${ready.discordHttpError}`;
  if (fakeDiscordHttp && signer && ready.discordHttpPort && !discordHttpSkip) {
    const url = `http://127.0.0.1:${ready.discordHttpPort}/discord/interactions`;
    await fakeDiscordHttp.setInteractionsEndpoint(url, signer).catch((err: Error) => {
      discordHttpSkip = `the endpoint URL was refused: ${err.message.split('\n')[0]}`;
    });
  }
  if (ready.slackError) slackSkip ??= `startSlack failed against the fake: ${ready.slackError}`;

  let closed: Promise<void> | undefined;
  return {
    bot,
    how,
    fakeDiscord,
    fakeDiscordHttp,
    discordHttpSkip,
    guild,
    fakeSlack,
    slackPort: ready.slackPort,
    discordSkip,
    slackSkip,
    close() {
      closed ??= (async () => {
        // The bot's clients go first: a fake closed under a live discord.js client makes it reconnect.
        if (bot.proc.exitCode === null) {
          await Promise.race([bot.request({ op: 'stop' }).catch(() => {}), sleep(5_000)]);
          await Promise.race([bot.result.catch(() => {}), sleep(5_000)]);
        }
        bot.kill();
        cleanChildren();
        await closeFakes();
      })();
      return closed;
    },
  };
}
