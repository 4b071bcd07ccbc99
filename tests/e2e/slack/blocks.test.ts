import { describe, expect, it } from 'vitest';
import { parseChannel, parseQuizCommand } from '../../../src/adapters/slack/command-args.js';
import {
  BLOCK_LIMITS,
  CUT_MARKER,
  escapeMrkdwn,
  renderView,
  toMrkdwn,
} from '../../../src/adapters/slack/render.js';
import type { View } from '../../../src/engine/views.js';
import { blockActionsPayload } from '../../fakes/slack/signer.js';
import { testDeck } from '../../helpers/engine.js';
import { type AnyBlock, blockText, buttons, startRig, TEAM, waitFor } from './rig.js';

/** Every Block Kit limit quizbot promises, checked on rendered blocks. */
function expectWithinLimits(blocks: unknown, max: number = BLOCK_LIMITS.messageBlocks): void {
  const list = blocks as AnyBlock[];
  expect(list.length).toBeLessThanOrEqual(max);
  for (const b of list) {
    if (b.type === 'section' && b.text)
      expect(b.text.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.sectionText);
    if (b.type === 'header' && b.text)
      expect(b.text.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.headerText);
    for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.fieldText);
    expect((b.fields ?? []).length).toBeLessThanOrEqual(BLOCK_LIMITS.sectionFields);
    if (b.type === 'actions') {
      expect((b.elements ?? []).length).toBeLessThanOrEqual(BLOCK_LIMITS.actionsElements);
      const ids = (b.elements ?? []).map((e) => e.action_id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  }
  for (const btn of buttons(blocks)) {
    expect(btn.label.length).toBeLessThanOrEqual(BLOCK_LIMITS.buttonText);
    expect(btn.actionId.length).toBeLessThanOrEqual(BLOCK_LIMITS.actionId);
    expect(btn.value.length).toBeLessThanOrEqual(BLOCK_LIMITS.buttonValue);
  }
}

describe('View -> Block Kit', () => {
  it('keeps every limit on huge views, cutting text with a marker and keeping the buttons', () => {
    const view: View = {
      title: 'T'.repeat(400),
      text: Array.from({ length: 1_000 }, (_, i) => `line ${i} ${'x'.repeat(200)}`).join('\n'),
      fields: Array.from({ length: 23 }, (_, i) => ({ name: `f${i}`, value: 'v'.repeat(3_000) })),
      buttons: [
        [
          { actionId: 'q1:r:test:c1:abcdef01', label: 'L'.repeat(200), style: 'primary' },
          { actionId: 'q1:r:test:c1:abcdef01', label: 'same id', style: 'success' },
        ],
      ],
      footer: 'f'.repeat(5_000),
      private: true,
    };
    const msg = renderView(view);
    expectWithinLimits(msg.blocks);
    expect(msg.blocks).toHaveLength(BLOCK_LIMITS.messageBlocks);
    const text = blockText(msg.blocks);
    expect(text).toContain(CUT_MARKER);
    // The buttons survive the cut, with distinct action ids but the engine's id as value.
    const b = buttons(msg.blocks);
    expect(b.map((x) => x.value)).toEqual(['q1:r:test:c1:abcdef01', 'q1:r:test:c1:abcdef01']);
    expect(msg.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.fallbackText);
    // Home tab budget.
    expectWithinLimits(renderView(view, { maxBlocks: 100 }).blocks, 100);
  });

  it('splits long text into sections at line breaks and maps styles and markdown', () => {
    const msg = renderView({
      text: `**Bold** and _italic_ <script> & <@U0ALICE> in <#C0QUIZ|quiz>\n${'y'.repeat(5_000)}`,
      buttons: [
        [
          { actionId: 'a1', label: 'Again', style: 'danger' },
          { actionId: 'a2', label: 'Hard', style: 'secondary' },
          { actionId: 'a3', label: 'Good', style: 'success' },
        ],
      ],
      private: true,
      tone: 'warning',
    });
    expectWithinLimits(msg.blocks);
    const first = (msg.blocks[0] as AnyBlock).text?.text ?? '';
    expect(
      first.startsWith(':warning: *Bold* and _italic_ &lt;script&gt; &amp; <@U0ALICE> in <#C0QUIZ|quiz>\n'),
    ).toBe(true);
    expect(msg.blocks.filter((b) => b.type === 'section')).toHaveLength(2);
    const actions = msg.blocks.find((b) => b.type === 'actions') as { elements: Array<{ style?: string }> };
    expect(actions.elements.map((e) => e.style)).toEqual(['danger', undefined, 'primary']);
    expect(toMrkdwn('a **b** c')).toBe('a *b* c');
    expect(escapeMrkdwn('<#C1|x> <!channel>')).toBe('<#C1|x> &lt;!channel&gt;');
  });

  it('a review card with very long text arrives within the limits, cut with a marker', async () => {
    const deck = testDeck(1);
    const card = deck.cards[0];
    if (!card) throw new Error('no card');
    card.front = `Front ${'<long> '.repeat(2_000)}`;
    card.back = `Back ${'b'.repeat(20_000)}`;
    const rig = await startRig({ decks: [deck] });
    try {
      const r = rig.fake.responseUrl();
      await rig.sender.command({ text: 'review', user_id: 'U0LONG', team_id: TEAM, response_url: r.url });
      const first = await waitFor(() => rig.fake.responsesTo(r.id)[0], 'long card');
      expectWithinLimits(first.body.blocks);
      expect(blockText(first.body.blocks)).toContain('(cut)');
      expect(blockText(first.body.blocks)).toContain('&lt;long&gt;');
      const s = rig.fake.responseUrl();
      await rig.sender.interactive(
        blockActionsPayload({
          user_id: 'U0LONG',
          team_id: TEAM,
          action_id: buttons(first.body.blocks)[0]?.value ?? '',
          response_url: s.url,
          ephemeral: true,
        }),
      );
      const back = await waitFor(() => rig.fake.responsesTo(s.id)[0], 'long back');
      expectWithinLimits(back.body.blocks);
      expect(blockText(back.body.blocks)).toContain('(cut)');
      expect(buttons(back.body.blocks)).toHaveLength(4);
    } finally {
      await rig.close();
    }
  });
});

describe('/quiz parsing', () => {
  it('parses every subcommand', () => {
    expect(parseQuizCommand('')).toEqual({ kind: 'help' });
    expect(parseQuizCommand('  HELP ')).toEqual({ kind: 'help' });
    expect(parseQuizCommand('review')).toEqual({ kind: 'review', deck: null });
    expect(parseQuizCommand('review Kubernetes')).toEqual({ kind: 'review', deck: 'kubernetes' });
    expect(parseQuizCommand('stats k8s')).toEqual({ kind: 'stats', deck: 'k8s' });
    expect(parseQuizCommand('decks')).toEqual({ kind: 'decks' });
    expect(parseQuizCommand('leaderboard')).toEqual({ kind: 'leaderboard', period: 'week' });
    expect(parseQuizCommand('leaderboard month')).toEqual({ kind: 'leaderboard', period: 'month' });
    expect(parseQuizCommand('leaderboard all-time')).toEqual({ kind: 'leaderboard', period: 'all' });
    expect(parseQuizCommand('list')).toEqual({ kind: 'admin', cmd: { kind: 'list' } });
    for (const k of ['unschedule', 'pause', 'resume', 'post-now'] as const) {
      expect(parseQuizCommand(`${k} <#C0QUIZ|quiz>`)).toEqual({
        kind: 'admin',
        cmd: { kind: k, channelId: 'C0QUIZ' },
      });
    }
    expect(parseQuizCommand('schedule <#C0QUIZ|quiz> kubernetes 9:00 europe/berlin mon-fri 17:00')).toEqual({
      kind: 'admin',
      cmd: {
        kind: 'schedule',
        channelId: 'C0QUIZ',
        deckId: 'kubernetes',
        time: '09:00',
        timezone: 'Europe/Berlin',
        weekdays: 'mon-fri',
        close: '17:00',
      },
    });
    expect(parseQuizCommand('schedule <#C0QUIZ> k8s 09:00 UTC 90m')).toMatchObject({
      cmd: { close: '90m', timezone: 'UTC' },
    });
    expect(parseQuizCommand('schedule <#C0QUIZ> k8s 09:00 UTC')).not.toHaveProperty('cmd.weekdays');
  });

  it('turns unknown subcommands and bad arguments into usage', () => {
    const cases: Array<[string, RegExp]> = [
      ['dance', /don’t know `dance`/],
      ['leaderboard yearly', /not a period/],
      ['pause', /Name the channel/],
      ['pause #general', /not a channel I can use/],
      ['schedule <#C0QUIZ> k8s', /channel, the deck, the time and the timezone/],
      ['schedule <#C0QUIZ> k8s 9am UTC', /not a time/],
      ['schedule <#C0QUIZ> k8s 09:00 CEST', /abbreviation|not a timezone/],
      ['schedule <#C0QUIZ> k8s 09:00 UTC someday', /not weekdays/],
      ['schedule <#C0QUIZ> k8s 09:00 UTC mon-fri 99h', /not a close rule/],
      ['decks please', /Too many arguments/],
    ];
    for (const [text, why] of cases) {
      const out = parseQuizCommand(text);
      expect(out.kind, text).toBe('usage');
      if (out.kind === 'usage') expect(out.problem, text).toMatch(why);
    }
    expect(parseChannel('<#G0PRIV|secret>')).toBe('G0PRIV');
    expect(parseChannel('C0123ABCD')).toBe('C0123ABCD');
    expect(parseChannel('#general')).toBeNull();
  });
});
