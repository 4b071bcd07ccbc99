import { webApi } from '@slack/bolt';
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack/fake-slack.js';

/**
 * The fakes do what the platforms do for idempotent posts, driven by the real clients:
 * Discord's nonce with `enforce_nonce` (Create Message) through @discordjs/rest, Slack's message
 * metadata and `conversations.history` through @slack/web-api; and the transport faults the
 * fault tests play (a post created but its response lost or late, a hang, a 429 per channel).
 */

describe('fake Discord: nonce uniqueness with enforce_nonce', () => {
  let fake: FakeDiscord | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function start(nonceWindowMs?: number) {
    fake = await FakeDiscord.start(nonceWindowMs === undefined ? {} : { nonceWindowMs });
    const channel = fake.guilds[0]?.channels[0]?.id ?? '';
    const rest = new REST({ api: fake.apiUrl, retries: 1, timeout: 2_000 }).setToken('t');
    const post = (body: object) =>
      rest.post(Routes.channelMessages(channel), { body }) as Promise<{ id: string; nonce?: string }>;
    return { fake, channel, rest, post };
  }

  it('returns the first message for a repeated nonce from the same author; a new nonce or no enforce creates another', async () => {
    const { fake, channel, post } = await start();
    const a = await post({ content: 'q', nonce: 'r-C1-20240328', enforce_nonce: true });
    const b = await post({ content: 'q again', nonce: 'r-C1-20240328', enforce_nonce: true });
    expect(b.id).toBe(a.id);
    expect(a.nonce).toBe('r-C1-20240328');
    const c = await post({ content: 'other', nonce: 'r-C1-20240329', enforce_nonce: true });
    const d = await post({ content: 'not enforced', nonce: 'r-C1-20240328' });
    expect(new Set([a.id, c.id, d.id]).size).toBe(3);
    expect(fake.channelMessages(channel).map((m) => m.content)).toEqual(['q', 'other', 'not enforced']);
  });

  it('forgets a nonce after its window', async () => {
    const { fake, channel, post } = await start(0);
    await post({ content: 'q', nonce: 'n1', enforce_nonce: true });
    await post({ content: 'q', nonce: 'n1', enforce_nonce: true });
    expect(fake.channelMessages(channel)).toHaveLength(2);
  });

  it('refuses a nonce over 25 characters like Discord (400, 50035)', async () => {
    const { fake, channel, post } = await start();
    const err = await post({ content: 'q', nonce: 'x'.repeat(26), enforce_nonce: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect((err as DiscordAPIError).code).toBe(50035);
    expect(fake.channelMessages(channel)).toHaveLength(0);
  });

  it('a post whose response is lost: the client sees an error, yet the message exists; posting again with the nonce returns it', async () => {
    const { fake, channel, post } = await start();
    fake.fault({ method: 'POST', path: new RegExp(`^/channels/${channel}/messages$`), kind: 'drop' });
    const err = await post({ content: 'q', nonce: 'n-drop', enforce_nonce: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const lost = fake.channelMessages(channel);
    expect(lost).toHaveLength(1);
    const again = await post({ content: 'q', nonce: 'n-drop', enforce_nonce: true });
    expect(again.id).toBe(lost[0]?.id);
    expect(fake.find('POST', /\/messages$/).map((r) => r.fault ?? r.status)).toEqual(['drop', 200]);
    expect(fake.channelMessages(channel)).toHaveLength(1);
  });

  it('without enforce_nonce the same retry makes a second message (what the nonce prevents)', async () => {
    const { fake, channel, post } = await start();
    fake.fault({ method: 'POST', path: new RegExp(`^/channels/${channel}/messages$`), kind: 'drop' });
    await post({ content: 'q', nonce: 'n-drop' }).catch(() => undefined);
    await post({ content: 'q', nonce: 'n-drop' });
    expect(fake.channelMessages(channel)).toHaveLength(2);
  });

  it('a late response: the message exists while the client, giving up, sees no answer', async () => {
    fake = await FakeDiscord.start();
    const channel = fake.guilds[0]?.channels[0]?.id ?? '';
    const rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken('t');
    fake.fault({ method: 'POST', path: /\/messages$/, kind: 'late', ms: 60_000 });
    const ac = new AbortController();
    const body = { content: 'q', nonce: 'n-late', enforce_nonce: true };
    const sent = rest
      .post(Routes.channelMessages(channel), { body, signal: ac.signal })
      .catch((e: unknown) => e);
    const f = fake;
    await f.waitFor('the late post', () => f.channelMessages(channel).length === 1);
    ac.abort();
    expect(((await sent) as Error).name).toBe('AbortError');
    expect(f.find('POST', /\/messages$/).map((r) => [r.fault, r.status])).toEqual([['late', 0]]);
  });

  it('a hung request is never answered and creates nothing', async () => {
    fake = await FakeDiscord.start();
    const channel = fake.guilds[0]?.channels[0]?.id ?? '';
    const rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken('t');
    fake.fault({ method: 'POST', path: /\/messages$/, kind: 'hang' });
    const ac = new AbortController();
    const sent = rest
      .post(Routes.channelMessages(channel), { body: { content: 'q' }, signal: ac.signal })
      .catch((e: unknown) => e);
    const f = fake;
    await f.waitFor('the hung post', () => f.find('POST', /\/messages$/).length === 1);
    ac.abort();
    expect(((await sent) as Error).name).toBe('AbortError');
    expect(f.channelMessages(channel)).toHaveLength(0);
    expect(f.find('POST', /\/messages$/).map((r) => r.fault)).toEqual(['hang']);
  });
});

describe('fake Slack: message metadata, conversations.history, faults', () => {
  let fake: FakeSlack | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  function client(f: FakeSlack, timeout = 2_000) {
    return new webApi.WebClient('xoxb-test', {
      slackApiUrl: f.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout,
      logLevel: webApi.LogLevel.ERROR,
    });
  }

  const meta = (roundId: string) => ({ event_type: 'quizbot_round', event_payload: { round_id: roundId } });

  it('keeps metadata and returns it from conversations.history only with include_all_metadata', async () => {
    let now = Date.UTC(2035, 2, 5, 8, 0, 0);
    fake = await startFakeSlack({ now: () => now });
    const web = client(fake);
    await web.chat.postMessage({ channel: 'C1', text: 'before' });
    now += 60_000;
    const since = now / 1000;
    now += 1;
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'q', metadata: meta('C1-20350305') });
    await web.chat.postMessage({ channel: 'C2', text: 'elsewhere', metadata: meta('C2-20350305') });
    const withMeta = await web.conversations.history({
      channel: 'C1',
      oldest: String(since),
      include_all_metadata: true,
    });
    expect(withMeta.messages?.map((m) => [m.ts, m.metadata])).toEqual([[posted.ts, meta('C1-20350305')]]);
    const without = await web.conversations.history({ channel: 'C1' });
    expect(without.messages?.map((m) => m.text)).toEqual(['q', 'before']);
    expect(without.messages?.some((m) => m.metadata)).toBe(false);
  });

  it('pages newest first with has_more and a cursor', async () => {
    fake = await startFakeSlack();
    const web = client(fake);
    for (let i = 0; i < 5; i++) await web.chat.postMessage({ channel: 'C1', text: `m${i}` });
    const p1 = await web.conversations.history({ channel: 'C1', limit: 3 });
    expect(p1.messages?.map((m) => m.text)).toEqual(['m4', 'm3', 'm2']);
    expect(p1.has_more).toBe(true);
    const p2 = await web.conversations.history({
      channel: 'C1',
      limit: 3,
      cursor: p1.response_metadata?.next_cursor ?? '',
    });
    expect(p2.messages?.map((m) => m.text)).toEqual(['m1', 'm0']);
    expect(p2.has_more).toBe(false);
  });

  it('refuses malformed metadata', async () => {
    fake = await startFakeSlack();
    const err = await client(fake)
      .chat.postMessage({ channel: 'C1', text: 'q', metadata: { event_type: '', event_payload: {} } })
      .catch((e: unknown) => e);
    expect((err as { data?: { error?: string } }).data?.error).toBe('invalid_metadata_format');
    expect(fake.channelMessages('C1')).toHaveLength(0);
  });

  it('a dropped or late post is created although the client sees no answer; a hang creates nothing', async () => {
    fake = await startFakeSlack();
    const f = fake;
    const web = client(f, 60_000);
    f.fault({ method: 'chat.postMessage', channel: 'C1', kind: 'drop' });
    f.fault({ method: 'chat.postMessage', channel: 'C2', kind: 'late', ms: 60_000 });
    f.fault({ method: 'chat.postMessage', channel: 'C3', kind: 'hang' });
    const sent = ['C1', 'C2', 'C3'].map((channel) =>
      web.chat.postMessage({ channel, text: 'q', metadata: meta(`${channel}-r`) }).then(
        () => 'answered',
        () => 'failed',
      ),
    );
    // The late and hung calls end when the fake closes after the test.
    expect(await sent[0]).toBe('failed');
    await vi.waitFor(() => expect(f.callsOf('chat.postMessage')).toHaveLength(3));
    expect(['C1', 'C2', 'C3'].map((c) => f.channelMessages(c).length)).toEqual([1, 1, 0]);
    expect(f.callsOf('chat.postMessage').map((c) => [c.args.channel, c.fault, c.status])).toEqual([
      ['C1', 'drop', 0],
      ['C2', 'late', 0],
      ['C3', 'hang', 0],
    ]);
  });

  it('rate-limits one channel while others post', async () => {
    fake = await startFakeSlack();
    const web = client(fake);
    fake.rateLimit('chat.postMessage', 600, Number.POSITIVE_INFINITY, 'C1');
    const out = await Promise.allSettled(
      ['C1', 'C2', 'C1'].map((channel) => web.chat.postMessage({ channel, text: 'q' })),
    );
    expect(out.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect((out[0] as PromiseRejectedResult).reason.code).toBe('slack_webapi_rate_limited_error');
    expect((out[0] as PromiseRejectedResult).reason.retryAfter).toBe(600);
  });
});
