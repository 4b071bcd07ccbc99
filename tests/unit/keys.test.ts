import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Keys, seg } from '../../src/store/redis/keys.js';

describe('Redis key strings (store/redis/keys.ts)', () => {
  it('encodes an id segment exactly as encodeURIComponent does, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[\w.!~*'()-]*$/)), (id) => {
        expect(seg(id)).toBe(encodeURIComponent(id));
      }),
      { numRuns: 2_000 },
    );
    expect(seg('1100000000000000042')).toBe('1100000000000000042');
    expect(seg('k8s:pods{x}')).toBe('k8s%3Apods%7Bx%7D');
  });

  it('builds user and team keys under their hash tag, with or without parts', () => {
    const k = new Keys('qb');
    const user = { platform: 'discord' as const, userId: '42' };
    const team = { platform: 'slack' as const, teamId: 'T:1' };
    expect(k.cards(user, 'kubernetes')).toBe('qb:{u:discord:42}:states:kubernetes');
    expect(k.log(user)).toBe('qb:{u:discord:42}:log');
    expect(k.userTag(user)).toBe('{u:discord:42}');
    expect(k.teamBase(team)).toBe('qb:{t:slack:T%3A1}:');
    expect(k.teamPattern(team)).toBe('qb:{t:slack:T%3A1}:*');
    expect(k.teamRound(team, 'r/1')).toBe('qb:{t:slack:T%3A1}:round:r%2F1');
  });
});
