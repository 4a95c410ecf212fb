import { describe, expect, it } from 'vitest';
import { isSquallError } from '../errors/index.js';
import { Rng } from '../util/rng.js';
import {
  COMPLEXITY_CLASSES,
  type ComplexityClass,
  fitComplexity,
  growsFasterThan,
  parseComplexity,
} from './complexity-fit.js';

const CURVE: Record<ComplexityClass, (n: number) => number> = {
  'O(1)': () => 1,
  'O(log n)': (n) => Math.log2(n),
  'O(n)': (n) => n,
  'O(n log n)': (n) => n * Math.log2(n),
  'O(n^2)': (n) => n * n,
  'O(n^3)': (n) => n ** 3,
};

/** Times of c·f(n), each off by a uniform relative error of up to ±`noise`. */
function timesOf(cls: ComplexityClass, sizes: readonly number[], seed: number, noise: number): number[] {
  const rng = new Rng(seed);
  // A scale that puts the largest size at about 5 ms, so every class is timed in the same range.
  const c = 5 / CURVE[cls](sizes[sizes.length - 1]!);
  return sizes.map((n) => c * CURVE[cls](n) * (1 + noise * (2 * rng.next() - 1)));
}

describe('complexity fit (least squares as Google Benchmark)', () => {
  it('matches a hand-computed fit', () => {
    // O(n) on (1, 1), (2, 3): c = (1·1 + 3·2) / (1 + 4) = 1.4; residuals −0.4 and 0.2,
    // RMS = √0.1, over a mean time of 2.
    const { fits } = fitComplexity([1, 2], [1, 3]);
    const linear = fits.find((f) => f.class === 'O(n)')!;
    expect(linear.coefficient).toBeCloseTo(1.4, 12);
    expect(linear.rms).toBeCloseTo(Math.sqrt(0.1) / 2, 12);
    // O(1) fits the mean: c = 2, residuals ±1, RMS 1 over 2.
    expect(fits[0]).toEqual({ class: 'O(1)', coefficient: 2, rms: 0.5 });
    expect(fits.map((f) => f.class)).toEqual([...COMPLEXITY_CLASSES]);
  });

  it('recovers the coefficient of exact data with no residual', () => {
    const sizes = [10, 20, 40, 80];
    const { best } = fitComplexity(
      sizes,
      sizes.map((n) => 0.003 * n * Math.log2(n)),
    );
    expect(best.class).toBe('O(n log n)');
    expect(best.coefficient).toBeCloseTo(0.003, 12);
    expect(best.rms).toBeLessThan(1e-12);
  });

  const ranges: Record<string, number[]> = {
    "the issue's sizes": [1_000, 2_000, 4_000, 8_000, 16_000],
    'a wide range': [16, 64, 256, 1_024, 4_096, 16_384],
  };
  for (const [label, sizes] of Object.entries(ranges))
    for (const cls of COMPLEXITY_CLASSES)
      it(`names ${cls} from noisy synthetic data over ${label}`, () => {
        for (let seed = 1; seed <= 5; seed++) {
          const { best, fits } = fitComplexity(sizes, timesOf(cls, sizes, seed, 0.03));
          expect(best.class).toBe(cls);
          expect(best.rms).toBeLessThan(0.05);
          for (const f of fits) if (f !== best) expect(f.rms).toBeGreaterThan(best.rms);
        }
      });

  it('gives all-zero times to O(1), the cheaper claim on a tie', () => {
    expect(fitComplexity([1, 2, 4], [0, 0, 0]).best).toMatchObject({ class: 'O(1)', rms: 0 });
  });

  it('a near tie goes to the slower-growing class: an array sum that left L1 halfway (a CI machine)', () => {
    // Measured in CI: O(n log n) fitted 1 % better than O(n), from a cache step at 16,000.
    const sizes = [2000, 4000, 8000, 16000, 32000, 64000];
    const times = [0.0014154659, 0.0028310007, 0.0057992282, 0.0159060938, 0.0328636938, 0.0651563157];
    const { best, fits } = fitComplexity(sizes, times);
    expect(fits.find((f) => f.class === 'O(n log n)')!.rms).toBeLessThan(best.rms);
    expect(best.class).toBe('O(n)');
    // Beyond the tie, the lower RMS wins.
    expect(fitComplexity([1, 2, 4, 8], [1, 2, 4, 8.4]).best.class).toBe('O(n)');
  });

  it('refuses data it cannot fit', () => {
    expect(() => fitComplexity([1, 2], [1])).toThrow(/one time per size/);
    expect(() => fitComplexity([5, 5], [1, 1])).toThrow(/two distinct sizes/);
    expect(() => fitComplexity([0, 2], [1, 1])).toThrow(/size must be a finite number ≥ 1/);
    expect(() => fitComplexity([1, 2], [1, Number.NaN])).toThrow(/time must be/);
  });
});

describe('complexity classes', () => {
  it('orders the classes by growth', () => {
    expect(growsFasterThan('O(n^2)', 'O(n log n)')).toBe(true);
    expect(growsFasterThan('O(n log n)', 'O(n)')).toBe(true);
    expect(growsFasterThan('O(log n)', 'O(1)')).toBe(true);
    expect(growsFasterThan('O(n)', 'O(n log n)')).toBe(false);
    expect(growsFasterThan('O(n)', 'O(n)')).toBe(false);
    expect(growsFasterThan('O(1)', 'O(n^3)')).toBe(false);
  });

  it('parses each expectation, spacing and superscripts aside', () => {
    for (const c of COMPLEXITY_CLASSES) expect(parseComplexity(c)).toBe(c);
    expect(parseComplexity('O(nlogn)')).toBe('O(n log n)');
    expect(parseComplexity(' O( log n ) ')).toBe('O(log n)');
    expect(parseComplexity('O(n²)')).toBe('O(n^2)');
    expect(parseComplexity('O(n**3)')).toBe('O(n^3)');
    expect(parseComplexity('O(n log(n))')).toBe('O(n log n)');
  });

  it('refuses anything else with a message naming what was given and what is accepted (exit 2)', () => {
    let thrown: unknown;
    try {
      parseComplexity('O(n^2', "complexity('sort') in sort.bench.ts", { file: 'sort.bench.ts' });
    } catch (e) {
      thrown = e;
    }
    expect(isSquallError(thrown)).toBe(true);
    const e = thrown as import('../errors/index.js').SquallError;
    expect(e.exitCode).toBe(2);
    expect(e.where).toEqual({ file: 'sort.bench.ts' });
    expect(e.message).toBe(
      "complexity('sort') in sort.bench.ts is 'O(n^2', which is not a complexity class squall fits: " +
        "expected one of 'O(1)', 'O(log n)', 'O(n)', 'O(n log n)', 'O(n^2)', 'O(n^3)'; did you mean 'O(n^2)'?",
    );
    expect(() => parseComplexity('O(n^4)')).toThrow(/is 'O\(n\^4\)', which is not a complexity class/);
    expect(() => parseComplexity('linear')).toThrow(/the expected complexity is 'linear'.*expected one of/);
    expect(() => parseComplexity(42 as unknown as string)).toThrow(/is 42, which is not/);
  });
});
