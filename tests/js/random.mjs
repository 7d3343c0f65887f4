// One seeded generator (xorshift32) for the randomized JS tests, so a failure is reproducible
// from the seed they print: HOOKPROOF_SEED, or one taken from the clock.
export const seed = Number(process.env.HOOKPROOF_SEED ?? Date.now() % 1e9);
let state = seed >>> 0 || 1;
/** A number in [0, 1). */
export function rand() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
}
export const int = (n) => Math.floor(rand() * n);
export const pick = (list) => list[int(list.length)];
export const chance = (p) => rand() < p;
