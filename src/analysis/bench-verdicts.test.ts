import { describe, expect, it } from 'vitest';
import { exitCodeOf, isSquallError } from '../errors/index.js';
import {
  type BudgetStats,
  complexityVerdict,
  evaluateBudget,
  parseBudget,
  parseBudgets,
  speedupVerdict,
} from './bench-verdicts.js';

const STATS: BudgetStats = {
  mean: 4,
  median: 3,
  p75: 5,
  p99: 19,
  min: 0.5,
  max: 25,
  rme: 0.031,
  opsPerSec: 250,
};

function thrown(fn: () => unknown): { code: string; message: string; exit: number } {
  try {
    fn();
  } catch (e) {
    if (!isSquallError(e)) throw e;
    return { code: e.code, message: e.message, exit: exitCodeOf(e) };
  }
  throw new Error('expected a throw');
}

describe('parseBudget', () => {
  it('reads durations in ms whatever their unit', () => {
    expect(parseBudget('mean<5ms', 'b')).toEqual({ expr: 'mean<5ms', stat: 'mean', op: '<', value: 5 });
    expect(parseBudget(' median <= 2000 µs ', 'b')).toMatchObject({ stat: 'median', op: '<=', value: 2 });
    expect(parseBudget('min<250us', 'b').value).toBeCloseTo(0.25, 12);
    expect(parseBudget('max<1.5s', 'b').value).toBe(1500);
    expect(parseBudget('mean<800ns', 'b').value).toBeCloseTo(0.0008, 12);
    expect(parseBudget('mean<3', 'b').value).toBe(3); // a plain number is ms
  });

  it('maps p(50), p(75), p(99) and the k6 names onto the reported statistics', () => {
    expect(parseBudget('p(99)<20ms', 'b')).toMatchObject({ stat: 'p99', value: 20 });
    expect(parseBudget('p(75) < 1ms', 'b').stat).toBe('p75');
    expect(parseBudget('p(50)<1ms', 'b').stat).toBe('median');
    expect(parseBudget('avg<1ms', 'b').stat).toBe('mean');
    expect(parseBudget('med<1ms', 'b').stat).toBe('median');
  });

  it('reads ops/s, rme in percent and heap in bytes', () => {
    expect(parseBudget('ops>500', 'b')).toMatchObject({ stat: 'ops', op: '>', value: 500 });
    expect(parseBudget('ops>=500/s', 'b').value).toBe(500);
    expect(parseBudget('rme<5%', 'b')).toMatchObject({ stat: 'rme', value: 5 });
    expect(parseBudget('rme<5', 'b').value).toBe(5);
    expect(parseBudget('heap<1kB', 'b')).toMatchObject({ stat: 'heap', value: 1000 });
    expect(parseBudget('heap<2KiB', 'b').value).toBe(2048);
    expect(parseBudget('heap<64', 'b').value).toBe(64);
  });

  it('rejects bad expressions with exit 2, naming the bench, quoting the expression, listing the forms', () => {
    const cases: [unknown, RegExp][] = [
      ['mean 5ms', /has no operator/],
      ['mean=>5ms', /unknown operator '=>'/],
      ['avgg<5ms', /unknown statistic 'avgg'/],
      ['<5ms', /no statistic/],
      ['p(95)<5ms', /percentile a bench does not report/],
      ['mean<fast', /value 'fast' that is not a number/],
      ['mean<5kB', /unit 'kB' that does not fit 'mean'/],
      ['heap<5ms', /unit 'ms' that does not fit 'heap'/],
      ['ops>5ms', /unit 'ms'/],
      ['', /is empty/],
      [42, /not a string/],
    ];
    for (const [expr, why] of cases) {
      const e = thrown(() => parseBudget(expr, 'fetch cached'));
      expect(e.code).toBe('SQ_THRESHOLD_SYNTAX');
      expect(e.exit).toBe(2);
      expect(e.message).toMatch(why);
      expect(e.message).toContain("bench 'fetch cached'");
      expect(e.message).toContain(`"${String(expr).trim()}"`);
      expect(e.message).toContain("'p(99)<20ms'");
    }
  });

  it('takes one string or a list', () => {
    expect(parseBudgets(undefined, 'b')).toEqual([]);
    expect(parseBudgets('ops>1', 'b')).toHaveLength(1);
    expect(parseBudgets(['mean<5ms', 'p(99)<20ms', 'ops>500'], 'b').map((b) => b.stat)).toEqual([
      'mean',
      'p99',
      'ops',
    ]);
  });
});

describe('evaluateBudget', () => {
  const check = (expr: string, heap: number | null = 96) =>
    evaluateBudget(parseBudget(expr, 'b'), STATS, heap);

  it('compares the statistic in the budget unit', () => {
    expect(check('mean<5ms')).toEqual({ expr: 'mean<5ms', ok: true, actual: 4 });
    expect(check('mean<4ms')).toEqual({ expr: 'mean<4ms', ok: false, actual: 4 });
    expect(check('mean<=4ms').ok).toBe(true);
    expect(check('median<2ms')).toEqual({ expr: 'median<2ms', ok: false, actual: 3 });
    expect(check('p(99)<20ms')).toEqual({ expr: 'p(99)<20ms', ok: true, actual: 19 });
    expect(check('p(75)<5000us')).toEqual({ expr: 'p(75)<5000us', ok: false, actual: 5 });
    expect(check('min>400µs').ok).toBe(true);
    expect(check('max<20ms').ok).toBe(false);
    expect(check('ops>500')).toEqual({ expr: 'ops>500', ok: false, actual: 250 });
    expect(check('ops>=250').ok).toBe(true);
    expect(check('heap<1kB')).toEqual({ expr: 'heap<1kB', ok: true, actual: 96 });
    expect(check('heap<64B').ok).toBe(false);
  });

  it('reports rme in percent', () => {
    const v = check('rme<5%');
    expect(v.ok).toBe(true);
    expect(v.actual).toBeCloseTo(3.1, 12);
    expect(check('rme<3%').ok).toBe(false);
  });

  it('fails a budget that could not be measured, with actual null', () => {
    expect(evaluateBudget(parseBudget('mean<5ms', 'b'), null)).toEqual({
      expr: 'mean<5ms',
      ok: false,
      actual: null,
    });
    expect(check('heap<1kB', null)).toEqual({ expr: 'heap<1kB', ok: false, actual: null });
    const one = evaluateBudget(parseBudget('rme<5%', 'b'), { ...STATS, rme: null });
    expect(one).toEqual({ expr: 'rme<5%', ok: false, actual: null });
  });
});

describe('speedupVerdict', () => {
  // cold takes 10 ms, warm 1 ms, with no spread: every resample gives exactly 10×.
  const cold = [10, 10, 10, 10, 10];
  const warm = [1, 1, 1, 1, 1];

  it('passes when the lower bound of the interval reaches atLeast', () => {
    const v = speedupVerdict(cold, warm, 10);
    expect(v.factor).toBe(10);
    expect(v.low).toBe(10);
    expect(v.high).toBe(10);
    expect(v.ok).toBe(true);
    expect(speedupVerdict(cold, warm, 10.01).ok).toBe(false);
  });

  it('fails a noisy result whose median ratio clears the bar but whose lower bound does not', () => {
    // Medians 12 and 1 (12×), but half of cold's samples are 6 ms: resamples reach 6×.
    const noisyCold = [6, 6, 12, 12, 12, 6, 12];
    const v = speedupVerdict(noisyCold, [1, 1, 1, 1, 1, 1, 1], 10);
    expect(v.factor).toBe(12);
    expect(v.low).toBe(6);
    expect(v.ok).toBe(false);
  });

  it('has no verdict without atLeast', () => {
    const v = speedupVerdict(cold, warm, null);
    expect(v.ok).toBeNull();
    expect(v.atLeast).toBeNull();
  });
});

describe('complexityVerdict', () => {
  it('fails only when the best fit grows faster than expected', () => {
    expect(complexityVerdict('O(n^2)', 'O(n log n)')).toBe(false);
    expect(complexityVerdict('O(n log n)', 'O(n log n)')).toBe(true);
    expect(complexityVerdict('O(n)', 'O(n log n)')).toBe(true);
    expect(complexityVerdict('O(1)', null)).toBeNull();
  });
});
