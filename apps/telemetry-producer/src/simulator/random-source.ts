/**
 * Randomness for the simulator, injected so that tests (and `--sim-seed` runs) are reproducible.
 * `createSeededRandom` is mulberry32 (Tommy Ettinger's 32-bit generator, public domain): small, fast and good
 * enough for plausible sensor noise; it is not for anything secret.
 */

/** A uniform source in [0, 1), the shape of `Math.random`. */
export type RandomSource = () => number;

export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller), from two uniform draws of `random`. */
export function gaussian(random: RandomSource): number {
  // 1 - u keeps the argument of log in (0, 1]: log(0) would be -Infinity.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A uniform draw in [min, max). */
export function uniform(random: RandomSource, min: number, max: number): number {
  return min + (max - min) * random();
}
