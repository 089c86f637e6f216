// Seeded randomness for the demo records. Every learner (and collection, batch) draws from its own
// stream, keyed by (seed, what, index): any file can be written — or any learner rebuilt — without
// replaying the others, and the same seed always gives the same bytes. Math.random is never used.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `digits` lower-case hex digits. */
  hex(digits: number): string;
}

/** What a stream is for; keeps e.g. learner 7's user stream apart from its attempts stream. */
export const Stream = { collection: 1, batch: 2, user: 3, enrolment: 4, attempts: 5, consent: 6 } as const;
export type Stream = (typeof Stream)[keyof typeof Stream];

export function randomFor(seed: number, stream: Stream, index: number): Random {
  return mulberry32(mix(mix(mix(seed) ^ stream) ^ index));
}

// murmur3's 32-bit finaliser: neighbouring keys land on unrelated states.
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mulberry32(state: number): Random {
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    hex: (digits) => {
      let out = '';
      while (out.length < digits) out += Math.floor(next() * 4294967296).toString(16).padStart(8, '0');
      return out.slice(0, digits);
    },
  };
  return random;
}
