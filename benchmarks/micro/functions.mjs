// The five functions `squall bench` and mitata both measure (the micro scenario of run.mjs),
// from the trivial to 50 µs. Each returns its result so that both tools can keep it alive;
// neither side wraps them differently beyond what each tool needs to do that.

const state = { n: 0 };
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const doc = JSON.stringify({
  id: 42,
  name: 'squall',
  tags: ['load', 'bench', 'http'],
  limits: { rps: 1000, p99: 250, burst: true },
  owners: [
    { name: 'ada', since: 2019 },
    { name: 'grace', since: 2021 },
  ],
});
// A fixed pseudo-random input (LCG), so that both tools sort the same numbers.
let seed = 12345;
const unsorted = Array.from({ length: 1000 }, () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
});

/**
 * A Map lookup with a key that changes on every call (a few ns). Not a sub-nanosecond function:
 * below a CPU cycle or two no tool resolves a difference (docs/PERFORMANCE.md).
 */
const table = new Map(Array.from({ length: 1024 }, (_, i) => [`k${i}`, i]));
const keys = [...table.keys()];
export const mapGet = () => table.get(keys[state.n++ & 1023]);

/** A small string op: join eight words (tens of ns). */
export const joinWords = () => words.join('-');

/** JSON.parse of a ~170-byte document (about a microsecond). */
export const parseJson = () => JSON.parse(doc);

/** Sorting a copy of 1,000 numbers (tens of µs). */
export const sort1000 = () => [...unsorted].sort((a, b) => a - b);

const SPIN_NS = 50_000n;
/** Busy-waits 50 µs on process.hrtime.bigint: a function whose true cost is known. */
export const spin50us = () => {
  const end = process.hrtime.bigint() + SPIN_NS;
  let turns = 0;
  while (process.hrtime.bigint() < end) turns++;
  return turns;
};

/** In the order both tools run them; the names are the bench names on both sides. */
export const FUNCTIONS = {
  'Map.get': mapGet,
  'join 8 words': joinWords,
  'JSON.parse small': parseJson,
  'sort 1,000 numbers': sort1000,
  'busy-wait 50 µs': spin50us,
};
