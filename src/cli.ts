import { userInfo } from 'node:os';
import { Command } from 'commander';
import { deckImport, deckLint } from './cli/deck.js';
import { exitWith, guarded } from './cli/fail.js';
import { type Config, clusterSeeds, formatConfigProblems, loadConfig } from './config.js';
import { buildCore } from './core.js';
import { deckJsonSchemaText } from './engine/deck/schema.js';
import { createLogger } from './log.js';
import { EXIT_STATUS } from './startup-error.js';
import { openStores, type Stores } from './store/open.js';

/** Validated config, or exit 2 (`config`) with every problem listed (never a stack trace). */
function configOrExit(): Config {
  const r = loadConfig(process.env);
  if (!r.ok) {
    process.stderr.write(formatConfigProblems(r.error));
    process.exit(EXIT_STATUS.config);
  }
  return r.value;
}

/** Opens the configured store (a failure, e.g. an unreachable Redis, is reported by the command's {@link guarded}). */
async function openConfigured(config: Config): Promise<Stores> {
  return openStores({ redisUrl: config.REDIS_URL, cluster: clusterSeeds(config), dataDir: config.DATA_DIR });
}

function hasPlatform(c: Config): boolean {
  return Boolean(c.DISCORD_TOKEN || c.SLACK_BOT_TOKEN);
}

/** Terminal review: logs go to stderr and only warnings, so the screen stays the review's. */
async function terminalReview(deck: string | undefined): Promise<number> {
  const config = configOrExit();
  const log = createLogger(
    { ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL },
    process.stderr,
  );
  const core = await buildCore(config, log);
  const { runTerminalReview } = await import('./adapters/terminal/review.js');
  try {
    return await runTerminalReview({
      engine: core.engine,
      actor: {
        user: { platform: 'terminal', userId: userInfo().username || 'local' },
        team: null,
        isAdmin: true,
      },
      input: process.stdin,
      output: process.stdout,
      ...(deck ? { deckId: deck } : {}),
    });
  } finally {
    await core.stores.close();
  }
}

const program = new Command()
  .name('quizbot')
  .description(
    'Team learning bot for Discord and Slack: daily quizzes, spaced-repetition review, leaderboards',
  )
  .showHelpAfterError();

program
  .command('start', { isDefault: true })
  .description('run the bot (Discord/Slack when a token is set; the terminal review otherwise)')
  .option('-d, --deck <id>', 'deck for the terminal review')
  .action(
    guarded('start', async (opts: { deck?: string }) => {
      const config = configOrExit();
      if (!hasPlatform(config)) {
        process.stdout.write('No DISCORD_TOKEN or SLACK_BOT_TOKEN set: starting the terminal review.\n');
        process.exitCode = await terminalReview(opts.deck);
        return;
      }
      const { runBot } = await import('./bot.js');
      const { startBot } = await import('./sharding.js');
      // A StartupError picks the exit status (3 Redis, 4 platform token, 5 port); anything else 1.
      await startBot(config, runBot).catch((err: unknown) => exitWith('quizbot could not start', err));
    }),
  );

program
  .command('review')
  .description('interactive review in this terminal (Enter shows the answer, 1-4 grades, q quits)')
  .option('-d, --deck <id>', 'deck to review', undefined)
  .action(
    guarded('review', async (opts: { deck?: string }) => {
      process.exitCode = await terminalReview(opts.deck);
    }),
  );

program
  .command('decks')
  .description('list the loaded decks with their card counts (what /decks shows in chat)')
  .action(
    guarded('decks', async () => {
      const config = configOrExit();
      const log = createLogger({ ...config, LOG_LEVEL: 'error' }, process.stderr);
      const core = await buildCore(config, log);
      const { renderView, ansiInk, plainInk } = await import('./adapters/terminal/render.js');
      try {
        process.stdout.write(renderView(core.engine.decks(), process.stdout.isTTY ? ansiInk : plainInk));
      } finally {
        await core.stores.close();
      }
    }),
  );

const deck = program.command('deck').description('work with deck files');
deck
  .command('lint')
  .description('check every deck file and list each problem with file, card and line')
  .argument('[dir]', 'deck folder', process.env.DECKS_DIR || 'decks')
  .action(async (dir: string) => {
    const r = await deckLint(dir);
    (r.code === 0 ? process.stdout : process.stderr).write(
      r.output.endsWith('\n') ? r.output : `${r.output}\n`,
    );
    process.exitCode = r.code;
  });
deck
  .command('import')
  .description('turn an Anki "Notes in Plain Text" export, a Quizlet export or a CSV/TSV file into a deck')
  .argument('<file>', 'file to import')
  .requiredOption('--id <deck-id>', 'id of the new deck (its file name)')
  .option('--title <title>', 'deck title')
  .option('--format <format>', 'auto | anki | quizlet | csv | tsv', 'auto')
  .option('-o, --out <path>', 'output file (default decks/<id>.yaml)')
  .option('-f, --force', 'overwrite an existing deck file')
  .action(
    async (
      file: string,
      o: {
        id: string;
        title?: string;
        format: 'auto' | 'anki' | 'quizlet' | 'csv' | 'tsv';
        out?: string;
        force?: boolean;
      },
    ) => {
      const r = await deckImport(file, {
        id: o.id,
        format: o.format,
        decksDir: process.env.DECKS_DIR || 'decks',
        ...(o.title ? { title: o.title } : {}),
        ...(o.out ? { out: o.out } : {}),
        ...(o.force ? { force: true } : {}),
      });
      (r.code === 0 ? process.stdout : process.stderr).write(
        r.output.endsWith('\n') ? r.output : `${r.output}\n`,
      );
      process.exitCode = r.code;
    },
  );
deck
  .command('schema')
  .description('print the JSON Schema of deck files (for editors)')
  .action(() => {
    process.stdout.write(deckJsonSchemaText());
  });

const discord = program.command('discord').description('Discord application helpers (need DISCORD_TOKEN)');
function discordToken(config: Config): string {
  if (!config.DISCORD_TOKEN) {
    process.stderr.write('DISCORD_TOKEN is not set: copy the bot token from the Discord developer portal.\n');
    process.exit(EXIT_STATUS.config);
  }
  return config.DISCORD_TOKEN;
}
discord
  .command('register')
  .description('register the slash commands (to DISCORD_GUILD_ID when set, else globally) and exit')
  .action(async () => {
    const config = configOrExit();
    const { registerWithToken } = await import('./adapters/discord/register.js');
    try {
      const r = await registerWithToken({
        token: discordToken(config),
        apiUrl: config.DISCORD_API_URL,
        guildId: config.DISCORD_GUILD_ID,
      });
      const where =
        r.scope === 'guild'
          ? `server ${config.DISCORD_GUILD_ID}`
          : 'all servers (global; may take up to an hour)';
      process.stdout.write(`registered ${r.count} commands of application ${r.applicationId} for ${where}\n`);
    } catch (err) {
      process.stderr.write(`registering commands failed: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });
discord
  .command('invite')
  .description('print the URL that adds the bot to a server, with the scopes and permissions it needs')
  .action(async () => {
    const config = configOrExit();
    const { inviteUrlForToken } = await import('./adapters/discord/register.js');
    try {
      process.stdout.write(
        `${await inviteUrlForToken({ token: discordToken(config), apiUrl: config.DISCORD_API_URL })}\n`,
      );
    } catch (err) {
      process.stderr.write(`cannot read the application: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });

const fsrsCmd = program.command('fsrs').description("FSRS parameters fitted to each team's reviews");
fsrsCmd
  .command('fit')
  .description('fit now (all teams with a review log, or one) and print the before/after held-out metrics')
  .option('--team <platform:id>', 'only this team, e.g. discord:123456789012345678')
  .option('--dry-run', 'measure and print, store nothing')
  .action(
    guarded('fsrs fit', async (opts: { team?: string; dryRun?: boolean }) => {
      const { fsrsFit, parseTeamArg } = await import('./cli/fsrs.js');
      const team = opts.team === undefined ? undefined : parseTeamArg(opts.team);
      const config = configOrExit();
      const stores = await openConfigured(config);
      try {
        process.exitCode = await fsrsFit(stores.fsrs, {
          ...(team ? { team } : {}),
          dryRun: opts.dryRun ?? false,
          minReviews: config.FSRS_FIT_MIN_REVIEWS,
          log: createLogger(config, process.stderr),
          out: (s) => process.stdout.write(s),
        });
      } finally {
        await stores.close().catch(() => {});
      }
    }),
  );
fsrsCmd
  .command('reset')
  .description("drop a team's fitted parameters: its reviews use FSRS's defaults again")
  .requiredOption('--team <platform:id>', 'the team, e.g. discord:123456789012345678')
  .action(
    guarded('fsrs reset', async (opts: { team: string }) => {
      const { fsrsReset, parseTeamArg } = await import('./cli/fsrs.js');
      const team = parseTeamArg(opts.team);
      const config = configOrExit();
      const stores = await openConfigured(config);
      try {
        await fsrsReset(stores.fsrs, team, (s) => process.stdout.write(s));
      } finally {
        await stores.close().catch(() => {});
      }
    }),
  );

program
  .command('export')
  .description("write every user's progress, schedules, rounds and leaderboards as JSON Lines to stdout")
  .action(
    guarded('export', async () => {
      const config = configOrExit();
      const stores = await openConfigured(config);
      const { exportAll } = await import('./store/backup.js');
      try {
        const n = await exportAll(stores, (line) => process.stdout.write(line), new Date());
        process.stderr.write(`exported ${n} records from the ${stores.kind} store (${stores.where})\n`);
      } finally {
        await stores.close().catch(() => {});
      }
    }),
  );

program
  .command('import')
  .description(
    'load an export into the configured store (embedded or Redis); a damaged file is refused whole',
  )
  .argument('<file>', 'file written by quizbot export')
  .action(
    guarded('import', async (file: string) => {
      const { access, constants } = await import('node:fs/promises');
      try {
        await access(file, constants.R_OK);
      } catch (err) {
        process.stderr.write(`cannot read ${file}: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const config = configOrExit();
      const stores = await openConfigured(config);
      const { BackupError, backupFileLines, importAll } = await import('./store/backup.js');
      try {
        const r = await importAll(stores, backupFileLines(file), { now: Date.now() });
        process.stdout.write(
          `imported ${r.users} users, ${r.teams} teams and ${r.fsrs} teams' FSRS data into the ${stores.kind} store (${stores.where})\n`,
        );
      } catch (err) {
        if (!(err instanceof BackupError)) throw err;
        process.stderr.write(`${file}: ${err.message}; nothing was imported\n`);
        process.exitCode = 1;
      } finally {
        await stores.close().catch(() => {});
      }
    }),
  );

program
  .command('forget')
  .description("delete one user's data (study data, daily answers, leaderboard entries) and print what went")
  .requiredOption('--user <platform:id>', 'the user, e.g. discord:123456789012345678 or slack:U0123ABCD')
  .action(
    guarded('forget', async (opts: { user: string }) => {
      const { parseUserArg } = await import('./cli/fsrs.js');
      const { describeForget, forgetUser } = await import('./engine/forget.js');
      const user = parseUserArg(opts.user);
      const stores = await openConfigured(configOrExit());
      try {
        const r = await forgetUser(stores.userData, user);
        process.stdout.write(`${opts.user}: ${describeForget(r)} (${stores.kind} store)\n`);
      } finally {
        await stores.close().catch(() => {});
      }
    }),
  );

const dashboard = program.command('dashboard').description('the web dashboard for team admins');
dashboard
  .command('link')
  .description(
    "print a one-time sign-in link (10 minutes, single use) to a team's dashboard, as its operator",
  )
  .requiredOption('--team <platform:id>', 'the team, e.g. discord:123456789012345678 or slack:T0123ABCD')
  .action(
    guarded('dashboard link', async (o: { team: string }) => {
      const config = configOrExit();
      const m = /^(discord|slack):([^:\s]+)$/.exec(o.team);
      if (!m) {
        process.stderr.write(
          '--team must be platform:id, e.g. discord:123456789012345678 or slack:T0123ABCD\n',
        );
        process.exitCode = 2;
        return;
      }
      if (!config.PUBLIC_URL) {
        process.stderr.write(
          'PUBLIC_URL is not set: the dashboard is off, so there is nothing to sign in to\n',
        );
        process.exitCode = 2;
        return;
      }
      const { issueToken, linkUrl } = await import('./web/links.js');
      const { fileSecret, RedisWebStore } = await import('./web/web-store.js');
      let secret: string;
      if (config.REDIS_URL) {
        const stores = await openConfigured(config);
        try {
          secret = await new RedisWebStore(stores.redis as NonNullable<Stores['redis']>).secret();
        } finally {
          await stores.close().catch(() => {});
        }
      } else secret = fileSecret(config.DATA_DIR);
      const team = { platform: m[1] as 'discord' | 'slack', teamId: m[2] as string };
      const token = issueToken(secret, { team, userId: 'operator', operator: true }, Date.now());
      process.stdout.write(`${linkUrl(config.PUBLIC_URL, token)}\n`);
    }),
  );

await program.parseAsync(process.argv);
