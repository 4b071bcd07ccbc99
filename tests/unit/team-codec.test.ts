import { describe, expect, it } from 'vitest';
import { pairs } from '../../src/store/redis/scripts.js';
import {
  decodeClaim,
  decodeStreak,
  dueMember,
  encodeAnswer,
  encodeClaim,
  encodeStreak,
  parseAnswer,
  parseDueMember,
  parseRound,
  ROUND_READ_FIELDS,
  roundFields,
  roundOfValues,
  runClaimPrefix,
  type StoredClaim,
} from '../../src/store/team-codec.js';

describe('team codec: the stored team formats', () => {
  const claims: [StoredClaim, string][] = [
    [{ state: 'run', owner: 'daily-1', attempt: 2, until: 1700000000000 }, 'run|daily-1|2|1700000000000'],
    [{ state: 'retry', attempts: 1 }, 'retry|1'],
    [{ state: 'posted' }, 'posted'],
    [{ state: 'failed', attempts: 3 }, 'failed|3'],
  ];
  it.each(claims)('claim %o is %s and reads back', (claim, text) => {
    expect(encodeClaim(claim)).toBe(text);
    expect(decodeClaim(text)).toEqual(claim);
  });

  it('a running claim starts with its owner-and-attempt prefix, another attempt does not', () => {
    const v = encodeClaim({ state: 'run', owner: 'a', attempt: 1, until: 5 });
    expect(v.startsWith(runClaimPrefix('a', 1))).toBe(true);
    expect(v.startsWith(runClaimPrefix('a', 11))).toBe(false);
  });

  it('a Redis claim with its #<expiry> suffix reads as the claim', () => {
    expect(decodeClaim('run|daily-1|2|1700000000000#1700000300000')).toEqual({
      state: 'run',
      owner: 'daily-1',
      attempt: 2,
      until: 1700000000000,
    });
    expect(decodeClaim('posted#5')).toEqual({ state: 'posted' });
    expect(encodeClaim({ state: 'retry', attempts: 2 }, 9)).toBe('retry|2#9');
    expect(encodeClaim({ state: 'retry', attempts: 2 }, null)).toBe('retry|2');
  });

  it('refuses what it did not write', () => {
    expect(decodeClaim('run|x|y|z')).toBeNull();
    expect(decodeClaim('')).toBeNull();
    expect(decodeStreak('3|2024-01-01')).toBeNull();
    expect(parseAnswer('a:1')).toBeNull();
    expect(parseDueMember('not json')).toBeNull();
  });

  it('streaks, answers and due members read back', () => {
    const s = { count: 4, last: '2024-03-04', best: 9 };
    expect(encodeStreak(s)).toBe('4|2024-03-04|9');
    expect(decodeStreak(encodeStreak(s))).toEqual(s);
    expect(parseAnswer(encodeAnswer({ choice: 2, at: 17, requestId: 'r:1' }))).toEqual({
      choice: 2,
      at: 17,
      requestId: 'r:1',
    });
    const team = { platform: 'slack' as const, teamId: 'T:1' };
    for (const item of [
      { kind: 'open' as const, team, channelId: 'C|1' },
      { kind: 'close' as const, team, roundId: 'C1-20240304' },
    ])
      expect(parseDueMember(dueMember(item))).toEqual(item);
  });

  it("reads a round from the values of ROUND_READ_FIELDS as from its whole hash (the answer script's reply)", () => {
    const base = {
      roundId: 'C1-20240304',
      channelId: 'C1',
      date: '2024-03-04',
      deckId: 'k8s-storage',
      cardId: 'pv-1',
      form: 1,
      order: [2, 0, 3, 1],
      correct: 2,
      opensAt: 1_709_541_000_000,
      closesAt: 1_709_569_800_000,
      message: null,
      revealed: false,
    };
    const plain = roundFields({ ...base, prevDate: null, status: 'open' });
    const full = [
      ...roundFields({ ...base, prevDate: '2024-03-01', status: 'closed' }),
      ...['mch', 'T1', 'msg', 'm-1', 'rv', '1', 'exp', '1709999999999', 'res', '{}', 'cur', '0', 'gen', '3'],
    ];
    for (const flat of [plain, full]) {
      const hash = pairs(flat, 0);
      // As Redis answers HMGET: null for a field the hash does not have.
      const values = ROUND_READ_FIELDS.map((f) => hash[f] ?? null);
      const round = parseRound(roundOfValues(['accepted', '1:2', ...values], 2));
      expect(round).not.toBeNull();
      expect(round).toEqual(parseRound(hash));
    }
  });
});
