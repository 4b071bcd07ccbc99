import { Options } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { attachPicture } from '../../src/adapters/discord/picture.js';
import { asApiPayload, renderView } from '../../src/adapters/discord/render.js';
import type { ChartImage } from '../../src/charts/render.js';
import type { View } from '../../src/engine/views.js';

const picture: ChartImage = {
  fileName: 'chart.png',
  png: Buffer.from('png'),
  width: 2,
  height: 1,
  alt: 'A chart',
};

const views: View[] = [
  { text: 'plain', private: true },
  {
    title: 'Card 3 of 12',
    text: '**What does a Service do?**\n\nGives pods a stable address.',
    fields: [
      { name: 'Due now', value: '3', inline: true },
      { name: 'Known', value: '41' },
    ],
    buttons: [
      [
        { label: 'Again · 1m', actionId: 'g:k8s:c1:1:0:abcdef12', style: 'danger' },
        { label: 'Good · 3d', actionId: 'g:k8s:c1:3:0:abcdef12', style: 'success' },
      ],
      [
        { label: 'Show answer', actionId: 'r:k8s:c1:abcdef12', style: 'primary' },
        { label: 'x', actionId: 'n:k8s' },
      ],
    ],
    footer: 'Points are awarded when the question closes.',
    tone: 'success',
    private: false,
  },
];

describe('Discord payloads (adapters/discord/render.ts) sent as they are', () => {
  it("are already what discord.js's default jsonTransformer would send, so asApiPayload changes nothing", () => {
    const snake = Options.createDefault().jsonTransformer as (v: unknown) => unknown;
    for (const view of views) {
      const msg = renderView(view);
      const withPicture = attachPicture(msg, picture);
      for (const embed of [...msg.embeds, ...withPicture.embeds]) {
        expect(snake(embed)).toEqual(embed);
        expect(asApiPayload(embed)).toBe(embed);
      }
      for (const row of msg.components) expect(snake(row)).toEqual(row);
    }
  });
});
