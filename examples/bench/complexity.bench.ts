// Algorithm complexity validation: time a sort at growing sizes, fit the classes by least squares
// (as Google Benchmark's Complexity() does) and fail (exit 99) if the best fit grows faster than
// O(n log n). The input is built by `setup` and is not timed; the function sorts a copy, so
// every call sorts the same unsorted input.
//
//   squall bench examples/bench/complexity.bench.ts
import { complexity } from 'squall';

/** A fixed pseudo-random sequence (an LCG), so that every run sorts the same input. */
function randomArray(n: number): number[] {
  let x = 12345;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out[i] = x;
  }
  return out;
}

complexity('sort', {
  sizes: [1_000, 2_000, 4_000, 8_000, 16_000],
  setup: (n) => randomArray(n),
  fn: (input) => [...input].sort((a, b) => a - b),
  expect: 'O(n log n)',
});
