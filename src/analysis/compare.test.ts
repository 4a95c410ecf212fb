import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import {
  type CompareOptions,
  compareMetric,
  type Verdict,
  verdictOf,
  type Window,
  worstVerdict,
} from './compare.js';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * n per-second windows of a fixed-delay server: each second's mean latency is `level` off by a
 * relative error of sd `noise` that carries half over to the next second (AR(1), as a GC pause or
 * a busy neighbour spans seconds), weighted by its ~100 requests.
 */
function seconds(seed: number, n: number, level: number, noise: number): Window[] {
  const rng = new Rng(seed);
  let e = 0;
  return Array.from({ length: n }, () => {
    e = 0.5 * e + noise * Math.sqrt(0.75) * gaussian(rng);
    return { value: level * (1 + e), weight: Math.round(100 * (1 + 0.1 * gaussian(rng))) };
  });
}

const latency: CompareOptions = { direction: 'lower-is-better', budget: 0.1, noise: 0.02 };
const seeds = Array.from({ length: 30 }, (_, i) => i + 1);

/** How many seeds end in each verdict comparing A at `level` with B at level·(1 + shift). */
function verdicts(shift: number, noise: number, options: Partial<CompareOptions> = {}) {
  const tally: Partial<Record<Verdict, number>> = {};
  const results = seeds.map((s) => {
    const c = compareMetric(seconds(s, 60, 10, noise), seconds(1000 + s, 60, 10 * (1 + shift), noise), {
      ...latency,
      ...options,
      seed: s,
    });
    tally[c.verdict] = (tally[c.verdict] ?? 0) + 1;
    return c;
  });
  return { tally, results };
}

describe('compareMetric', () => {
  it('never calls identical distributions regressed, quiet or noisy, mean or median', () => {
    for (const noise of [0.02, 0.1])
      for (const statistic of ['mean', 'median'] as const) {
        const { tally, results } = verdicts(0, noise, { statistic });
        expect(tally.regressed ?? 0).toBe(0);
        for (const c of results) {
          expect(c.low).toBeLessThanOrEqual(c.change);
          expect(c.high).toBeGreaterThanOrEqual(c.change);
        }
      }
    // With 2 % noise per second, a minute of each is always within the noise floor.
    expect(verdicts(0, 0.02).tally).toEqual({ unchanged: seeds.length });
  });

  it('calls B 15 % slower regressed at a 10 % budget, every seed, mean and median', () => {
    for (const statistic of ['mean', 'median'] as const) {
      const { tally, results } = verdicts(0.15, 0.02, { statistic });
      expect(tally).toEqual({ regressed: seeds.length });
      for (const c of results) {
        expect(c.change).toBeGreaterThan(0.1);
        expect(c.low).toBeGreaterThan(0.1);
        expect(c.b).toBeGreaterThan(c.a);
        expect(c.runsNeeded).toBeNull();
      }
    }
  });

  it('calls a change near the budget with wide noise inconclusive, and says how much more data would settle it', () => {
    const { tally, results } = verdicts(0.1, 0.1);
    expect(tally.inconclusive ?? 0).toBeGreaterThanOrEqual(seeds.length * 0.6);
    for (const c of results.filter((r) => r.verdict === 'inconclusive')) {
      expect(c.low).toBeLessThanOrEqual(0.1);
      expect(c.high).toBeGreaterThan(0.1);
      expect(c.runsNeeded).toBeGreaterThanOrEqual(1);
      expect(c.growth).toBeGreaterThan(1);
    }
  });

  it('settles an inconclusive change with the data runsNeeded asked for', () => {
    // Runs as windows: 5 runs each, B 14 % slower with 6 % noise between runs.
    const runs = (seed: number, n: number, level: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: n }, () => ({ value: level * (1 + 0.06 * gaussian(rng)), weight: 1 }));
    };
    const options: CompareOptions = { ...latency, resampling: 'values', runs: 5 };
    const few = compareMetric(runs(1, 5, 10), runs(2, 5, 11.4), options);
    expect(few.verdict).toBe('inconclusive');
    const n = 5 + few.runsNeeded!;
    const more = compareMetric(runs(1, n, 10), runs(2, n, 11.4), { ...options, runs: n });
    expect(more.high - more.low).toBeLessThan(few.high - few.low);
    expect(more.verdict).not.toBe('inconclusive');
  });

  it('calls B 10 % faster improved', () => {
    expect(verdicts(-0.1, 0.02).tally).toEqual({ improved: seeds.length });
  });

  it('calls a change under the noise floor unchanged, even when its interval excludes 0', () => {
    const { tally, results } = verdicts(0.01, 0.002);
    expect(tally).toEqual({ unchanged: seeds.length });
    expect(results.every((c) => c.low > 0)).toBe(true);
  });

  it('judges throughput higher-is-better: 15 % fewer requests per second regress, 15 % more improve', () => {
    const rps = (seed: number, level: number) =>
      seconds(seed, 60, level, 0.03).map((w) => ({ ...w, weight: 1 }));
    const options: CompareOptions = { ...latency, direction: 'higher-is-better' };
    for (const s of seeds.slice(0, 10)) {
      const slower = compareMetric(rps(s, 1000), rps(100 + s, 850), { ...options, seed: s });
      expect(slower.change).toBeLessThan(-0.1);
      expect(slower.verdict).toBe('regressed');
      expect(compareMetric(rps(s, 1000), rps(100 + s, 1150), { ...options, seed: s }).verdict).toBe(
        'improved',
      );
    }
  });

  it('weighs windows: the mean is Σ weight·value / Σ weight, the median the weighted one', () => {
    const a = [
      { value: 10, weight: 3 },
      { value: 20, weight: 1 },
    ];
    const b = [
      { value: 10, weight: 1 },
      { value: 20, weight: 3 },
    ];
    const mean = compareMetric(a, b, latency);
    expect(mean.a).toBe(12.5);
    expect(mean.b).toBe(17.5);
    expect(mean.change).toBeCloseTo(0.4);
    const median = compareMetric(a, b, { ...latency, statistic: 'median' });
    expect([median.a, median.b]).toEqual([10, 20]);
    expect(
      compareMetric(
        [
          { value: 1, weight: 1 },
          { value: 3, weight: 1 },
        ],
        a,
        { ...latency, statistic: 'median' },
      ).a,
    ).toBe(2);
  });

  it('compares an error rate from zero on the absolute scale', () => {
    const none = [0, 0, 0, 0].map(() => ({ value: 0, weight: 100 }));
    const some = [0.05, 0.04, 0.06, 0.05].map((value) => ({ value, weight: 100 }));
    expect(compareMetric(none, none, latency)).toMatchObject({ change: 0, verdict: 'unchanged' });
    expect(compareMetric(none, some, latency).change).toBe(Number.POSITIVE_INFINITY);
    const abs = compareMetric(none, some, { ...latency, scale: 'absolute', budget: 0.01, noise: 0.001 });
    expect(abs).toMatchObject({ verdict: 'regressed' });
    expect(abs.change).toBeCloseTo(0.05);
  });

  it('never calls two bare numbers regressed: one window a side leaves the interval open', () => {
    const one = (value: number) => [{ value, weight: 1 }];
    const bare = compareMetric(one(10), one(15), latency);
    expect(bare).toMatchObject({ change: 0.5, verdict: 'inconclusive', runsNeeded: null });
    expect([bare.low, bare.high]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
    expect(compareMetric(one(10), one(10.1), latency).verdict).toBe('unchanged');
  });

  it('covers a zero change about 95 % of the time with correlated seconds (the interval is not too narrow)', () => {
    const misses = seeds.filter((s) => {
      const c = compareMetric(seconds(s, 60, 10, 0.05), seconds(500 + s, 60, 10, 0.05), {
        ...latency,
        seed: s,
      });
      return c.low > 0 || c.high < 0;
    }).length;
    expect(misses).toBeLessThanOrEqual(4);
  });

  it('is deterministic for a seed', () => {
    const a = seconds(1, 30, 10, 0.1);
    const b = seconds(2, 30, 11, 0.1);
    expect(compareMetric(a, b, { ...latency, seed: 4 })).toEqual(
      compareMetric(a, b, { ...latency, seed: 4 }),
    );
  });

  it('refuses empty or malformed sides and bad options', () => {
    const ok = [{ value: 1, weight: 1 }];
    expect(() => compareMetric([], ok, latency)).toThrow(/side A has no windows/);
    expect(() => compareMetric(ok, [{ value: Number.NaN, weight: 1 }], latency)).toThrow(/side B .* finite/);
    expect(() => compareMetric(ok, [{ value: 1, weight: 0 }], latency)).toThrow(/positive weight/);
    expect(() => compareMetric(ok, ok, { ...latency, resamples: 0 })).toThrow(/resamples/);
    expect(() => compareMetric([...ok, ...ok], [...ok, ...ok], { ...latency, block: 0 })).toThrow(/block/);
  });
});

describe('verdictOf', () => {
  const rules = { direction: 'lower-is-better', budget: 0.1, noise: 0.02 } as const;
  it('applies the rules in order', () => {
    expect(verdictOf(0.01, -0.3, 0.3, rules).verdict).toBe('unchanged');
    expect(verdictOf(0.2, 0.15, 0.25, rules).verdict).toBe('regressed');
    expect(verdictOf(-0.1, -0.15, -0.05, rules).verdict).toBe('improved');
    expect(verdictOf(0.05, 0.03, 0.08, rules).verdict).toBe('unchanged');
    expect(verdictOf(-0.05, -0.1, 0.01, rules).verdict).toBe('unchanged');
  });

  it('estimates the growth from the half-width on the budget side', () => {
    // Estimate 6 %, 4 % from the budget, upper half-width 8 %: n must grow (8/4)² = 4-fold.
    expect(verdictOf(0.06, 0.0, 0.14, rules)).toEqual({ verdict: 'inconclusive', growth: 4, runsNeeded: 3 });
    expect(verdictOf(0.06, 0.0, 0.14, rules, 5).runsNeeded).toBe(15);
    // Estimate 14 %, lower half-width 8 %.
    expect(verdictOf(0.14, 0.06, 0.2, rules).growth).toBeCloseTo(4);
    expect(verdictOf(0.1, 0.05, 0.15, rules)).toEqual({
      verdict: 'inconclusive',
      growth: null,
      runsNeeded: null,
    });
  });

  it('mirrors for higher-is-better', () => {
    const up = { ...rules, direction: 'higher-is-better' } as const;
    expect(verdictOf(-0.2, -0.25, -0.15, up).verdict).toBe('regressed');
    expect(verdictOf(0.1, 0.05, 0.15, up).verdict).toBe('improved');
    expect(verdictOf(-0.06, -0.14, 0, up)).toMatchObject({ verdict: 'inconclusive', growth: 4 });
  });

  it('worstVerdict ranks regressed over inconclusive over unchanged over improved', () => {
    expect(worstVerdict(['improved', 'unchanged', 'inconclusive'])).toBe('inconclusive');
    expect(worstVerdict(['improved', 'regressed'])).toBe('regressed');
    expect(worstVerdict(['improved'])).toBe('improved');
    expect(worstVerdict([])).toBe('unchanged');
  });
});
