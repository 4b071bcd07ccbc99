/**
 * Seeded randomness: a round's card and choice order come from one seed drawn from an injected
 * source, so tests pass a seeded source instead of depending on `Math.random`. The round stores
 * the resulting order, not the seed.
 */

/** A random source: floats in [0, 1). */
export type Random = () => number;

/** mulberry32: a small, fast 32-bit PRNG; plenty for picking cards and shuffling choices. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed drawn from a random source. */
export function drawSeed(random: Random): number {
  return Math.floor(random() * 4294967296) >>> 0;
}

/** An integer in [0, n). */
export function pick(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** A shuffled copy (Fisher–Yates). */
export function shuffle<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = pick(random, i + 1);
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
