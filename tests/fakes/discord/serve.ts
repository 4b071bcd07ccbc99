/**
 * The fake Discord as a standalone process, to run the real bot against it by hand:
 *
 *   node bin/run-ts.mjs tests/fakes/discord/serve.ts [port]
 *   DISCORD_TOKEN=x DISCORD_API_URL=http://127.0.0.1:<port>/api npm start
 *
 * Every request is logged. Type commands on stdin to play a user:
 *   slash <command> [subcommand] [name=value ...]   e.g. `slash review deck=kubernetes`
 *   click <messageId> <custom_id>                   press a button of a stored message
 *   messages                                        list stored messages
 *   as <name> [admin]                               act as another user
 */
import { createInterface } from 'node:readline';
import { FakeDiscord } from './fake-discord.js';

const port = Number(process.argv[2] ?? process.env.FAKE_DISCORD_PORT ?? 0);
const fake = await FakeDiscord.start({
  port,
  interactionTimeoutMs: 3_000,
  onRequest: (r) => console.log(`${r.method} ${r.path} -> ${r.status}`),
});
const [guild] = fake.guilds;
console.log(`fake discord: DISCORD_API_URL=${fake.apiUrl}`);
console.log(`guild ${guild?.id} channel ${guild?.channels[0]?.id} (use DISCORD_GUILD_ID=${guild?.id})`);

let user = fake.user('tester', { admin: true });
const show = (label: string, r: Awaited<ReturnType<FakeDiscord['slash']>>) => {
  console.log(`${label}: callback ${r.callbackType} in ${r.ackMs} ms${r.ephemeral ? ' (ephemeral)' : ''}`);
  console.log(r.text);
  for (const b of r.buttons) console.log(`  [${b.label}] ${r.message?.id} ${b.custom_id}`);
};

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const run = async () => {
    if (cmd === 'slash' && args[0]) {
      const [command, maybeSub, ...rest] = args;
      const sub = maybeSub && !maybeSub.includes('=') ? maybeSub : undefined;
      const pairs = [...(sub ? [] : maybeSub ? [maybeSub] : []), ...rest].map(
        (p) => p.split('=') as [string, string],
      );
      show(
        `/${command}`,
        await fake.slash({
          command,
          user,
          ...(sub ? { subcommand: sub } : {}),
          options: Object.fromEntries(pairs),
        }),
      );
    } else if (cmd === 'click' && args[0] && args[1]) {
      show('click', await fake.click({ message: args[0], customId: args[1], user, unchecked: true }));
    } else if (cmd === 'messages') {
      for (const m of fake.messages.values())
        console.log(
          m.id,
          m.channel_id,
          m.flags & 64 ? 'ephemeral' : 'public',
          String(m.embeds[0]?.title ?? ''),
        );
    } else if (cmd === 'as' && args[0]) {
      user = fake.user(args[0], { admin: args[1] === 'admin' });
    } else if (cmd) {
      console.log(
        'commands: slash <command> [sub] [k=v ...] | click <messageId> <custom_id> | messages | as <name> [admin]',
      );
    }
  };
  run().catch((err: unknown) => console.log(String(err)));
});
const stop = () => {
  rl.close();
  void fake.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
