/** mulberry32: a tiny seeded PRNG, so a failing fuzz case or kill trial can be replayed from its seed. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    bytes: (length) => Buffer.from(Array.from({ length }, () => Math.floor(next() * 256))),
    text: (length, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 {}[]":,;()-_*/\'\n') =>
      Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''),
  };
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
  text(length: number, alphabet?: string): string;
}

/** RELIABILITY_SEED replays a run; otherwise a fresh seed, printed by the suite. */
export function suiteSeed(): number {
  const fromEnv = process.env.RELIABILITY_SEED;
  return fromEnv ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 2 ** 32);
}
