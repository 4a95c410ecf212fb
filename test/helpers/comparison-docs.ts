import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareRow, Comparison, Verdict } from '../../src/result/comparison-schema.js';
import type { ResultDocument } from '../../src/result/schema.js';

/**
 * Documents of runs with `--baseline`, for the tests of the reports that show their comparison:
 * real runs' fixtures (test/fixtures/results) with a comparison written by hand, a row of each
 * verdict (and a name with a `|` and Markdown in it). The reports draw what the document says;
 * how the verdicts are reached is analysis/compare.ts's tests' business.
 */

export const fixture = (name: string): ResultDocument =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/results', name), 'utf8'));

export function row(metric: string, verdict: Verdict, over: Partial<CompareRow> = {}): CompareRow {
  return {
    metric,
    direction: 'lower-is-better',
    a: 10,
    b: 10,
    change: 0,
    scale: 'relative',
    low: -0.01,
    high: 0.01,
    budget: 0.1,
    verdict,
    runsNeeded: null,
    ...over,
  };
}

export const REGRESSED: Comparison = {
  a: 'baseline main (run 12)',
  b: 'this run',
  kind: 'load',
  runsA: 1,
  runsB: 1,
  budget: 0.1,
  noise: 0.02,
  verdict: 'regressed',
  rows: [
    row('http_reqs:rate', 'regressed', {
      direction: 'higher-is-better',
      a: 812.4,
      b: 640.1,
      change: -0.212,
      low: -0.25,
      high: -0.18,
      budget: 0.05,
    }),
    row('http_req_failed:rate', 'unchanged', { a: 0, b: 0, scale: 'absolute', low: 0, high: 0 }),
    row('http_req_duration:p(95)', 'inconclusive', {
      b: 11.3,
      change: 0.13,
      low: 0.05,
      high: 0.2,
      runsNeeded: 4,
    }),
    row('http_req_duration{name:GET /a|*b*}:p(99)', 'improved', {
      b: 7,
      change: -0.3,
      low: -0.35,
      high: -0.25,
    }),
    row('http_req_duration:mean', 'regressed', { b: 13, change: 0.3, low: 0.25, high: 0.35 }),
  ],
};

export const NOT_REGRESSED: Comparison = {
  ...REGRESSED,
  verdict: 'inconclusive',
  rows: REGRESSED.rows.filter((r) => r.verdict !== 'regressed'),
};

/** run-full.json with only the thresholds that passed, and this comparison. */
export function loadDoc(c: Comparison, thresholds: 'passed' | 'as run' | 'none' = 'passed'): ResultDocument {
  const d = fixture('run-full.json');
  if (thresholds === 'passed') d.thresholds = d.thresholds.filter((t) => t.ok);
  if (thresholds === 'none') d.thresholds = [];
  d.comparison = c;
  d.passed = d.thresholds.every((t) => t.ok) && c.verdict !== 'regressed';
  return d;
}

/** bench.json (whose own expectations partly fail), or the same with every expectation held. */
export function benchDoc(c: Comparison, own: 'as run' | 'held' = 'as run'): ResultDocument {
  const d = fixture('bench.json');
  const b = d.bench!;
  if (own === 'held') {
    for (const e of b.benches) {
      e.error = null;
      for (const x of e.budgets) x.ok = true;
    }
    for (const s of b.speedups) if (s.ok === false) s.ok = true;
    for (const x of b.complexity) {
      x.error = null;
      if (x.ok === false) x.ok = true;
    }
  }
  d.comparison = { ...c, kind: 'bench' };
  d.passed = own === 'held' && c.verdict !== 'regressed';
  return d;
}
