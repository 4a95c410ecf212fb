import { describe, expect, it } from 'vitest';
import { findCapacity, findKnee, fitSweep, littleCheck, sweepVerdict } from '../analysis/sweep.js';
import { uslThroughput } from '../analysis/usl.js';
import { buildResult } from '../result/build-result.js';
import type { ResultDocument } from '../result/schema.js';
import type { SweepLevel, SweepSection } from '../result/sweep-schema.js';
import { isLoadDocument, slotShown } from './html/page/kinds.js';
import {
  fitFigures,
  LATENCY_SERIES,
  LEVEL_COLUMNS,
  latencyChart,
  levelRows,
  throughputChart,
} from './html/page/sweep-model.js';
import { renderHtml } from './html/render.js';

/**
 * The HTML report's sweep page part (page/sweep.ts draws what page/sweep-model.ts works out).
 * The document is a hand-made example, not a measurement: the levels a pool of 8 workers with a
 * 10.2 ms service time would give (throughput min(N, 8)/s), the last one marked as squall's own
 * limit, with a per-level budget p(95)<25ms; the fit, knee, capacity and verdict are the real
 * analysis's (analysis/sweep.ts), and the document is built by the real builder.
 */

const SERVICE_S = 0.0102;
const WORKERS = 8;
const BUDGET = 25;

function level(n: number, saturated: boolean): SweepLevel {
  const rps = Math.min(n, WORKERS) / SERVICE_S;
  const mean = (n / rps) * 1000;
  const latency = { mean, p50: mean, p95: mean * 1.2, p99: mean * 1.5 };
  const requests = Math.round(rps * 2);
  const ok = latency.p95 < BUDGET;
  return {
    level: n,
    durationSec: 2,
    requests,
    failed: 0,
    rps,
    errorRate: 0,
    latency,
    ...littleCheck('concurrency', n, rps, mean),
    saturated,
    allFailed: false,
    thresholds: [
      { metric: 'http_req_duration', expr: `p(95)<${BUDGET}`, ok, actual: latency.p95, aggregation: 'p(95)' },
    ],
    withinBudget: ok,
  };
}

function sweepDoc(): ResultDocument {
  const planned = [1, 2, 4, 8, 16, 32];
  const levels = planned.map((n) => level(n, n === 32));
  const fit = fitSweep('concurrency', levels);
  const knee = findKnee(levels);
  const capacity = findCapacity(levels);
  const sweep: SweepSection = {
    mode: 'concurrency',
    planned,
    holdSec: 2,
    warmupSec: 0.5,
    levels,
    fit,
    knee,
    capacity,
    until: null,
    endReason: 'completed',
    verdict: sweepVerdict({
      mode: 'concurrency',
      levels,
      fit,
      knee,
      capacity,
      budget: `http_req_duration:p(95)<${BUDGET}`,
    }),
  };
  const wanted = 20;
  return buildResult({
    kind: 'sweep',
    startedAt: new Date('2026-12-04T16:00:00.000Z'),
    endedAt: new Date('2026-12-04T16:00:16.000Z'),
    endReason: 'completed',
    config: { command: 'sweep', target: 'http://127.0.0.1:1/work', levels: planned, mode: 'concurrency' },
    thresholds: [
      {
        metric: 'sweep_capacity',
        expr: `value>=${wanted}`,
        ok: capacity !== null && capacity >= wanted,
        actual: capacity,
        aggregation: 'value',
      },
    ],
    measured: true,
    sweep,
  });
}

const doc = sweepDoc();
const s = doc.sweep!;

/** `M x,y L x,y …` as points. */
function pathPoints(d: string): Array<{ x: number; y: number }> {
  return [...d.matchAll(/[ML]([-\d.]+),([-\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
}

describe('the example sweep document', () => {
  it('has what the page must show: a fit, a knee, a capacity, a saturated level', () => {
    expect(doc.kind).toBe('sweep');
    expect(s.fit).not.toBeNull();
    expect(s.knee).not.toBeNull();
    expect(s.capacity).toBeGreaterThan(0);
    expect(s.levels.filter((l) => l.saturated)).toHaveLength(1);
    expect(s.fit!.levels).not.toContain(s.levels.find((l) => l.saturated)!.level);
  });
});

describe('HTML report of a sweep document', () => {
  it('embeds the document as it is and loads nothing from anywhere', () => {
    const html = renderHtml(doc);
    const data = /<script type="application\/json" id="squall-result">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(data!)).toEqual(doc);
    expect(html).not.toMatch(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=/i);
  });

  it('draws one throughput point per level, the saturated ones apart', () => {
    const c = throughputChart(s);
    const points = c.series[0]!.points;
    expect(points.map((p) => p.level)).toEqual(s.levels.map((l) => l.level));
    expect(points.map((p) => p.value)).toEqual(s.levels.map((l) => l.rps));
    expect(points.map((p) => p.excluded)).toEqual(s.levels.map((l) => !s.fit!.levels.includes(l.level)));
    // Higher throughput is drawn higher (smaller y), inside the plot.
    for (const p of points) {
      expect(p.x).toBeGreaterThanOrEqual(c.left);
      expect(p.x).toBeLessThanOrEqual(c.right);
      expect(p.y).toBeGreaterThanOrEqual(c.top);
      expect(p.y).toBeLessThanOrEqual(c.bottom);
    }
    const byRps = [...points].sort((a, b) => a.value - b.value);
    for (let i = 1; i < byRps.length; i++) expect(byRps[i]!.y).toBeLessThanOrEqual(byRps[i - 1]!.y);
  });

  it("draws the fitted curve as the USL with the document's λ, σ, κ", () => {
    const c = throughputChart(s);
    const fit = s.fit!;
    const curve = pathPoints(c.curve!);
    expect(curve.length).toBeGreaterThan(20);
    // The chart's scale, read back from two measured points: level → x, req/s → y.
    const [a, b] = [c.series[0]!.points[0]!, c.series[0]!.points.at(-1)!];
    const levelAt = (x: number) => a.level + ((x - a.x) * (b.level - a.level)) / (b.x - a.x);
    const rpsAt = (y: number) => a.value + ((y - a.y) * (b.value - a.value)) / (b.y - a.y);
    const pxPerRps = Math.abs((b.y - a.y) / (b.value - a.value));
    for (const p of curve) {
      // Coordinates are rounded to 0.1 unit: the tolerance is that, in req/s, plus the slope's share.
      const n = levelAt(p.x);
      const slack = 0.1 / pxPerRps + Math.abs(uslThroughput(fit, n + 0.05) - uslThroughput(fit, n)) * 2;
      expect(Math.abs(rpsAt(p.y) - uslThroughput(fit, n))).toBeLessThanOrEqual(slack + 1e-6);
    }
    expect(levelAt(curve[0]!.x)).toBeCloseTo(0, 1);
    expect(levelAt(curve.at(-1)!.x)).toBeCloseTo(Math.max(...s.levels.map((l) => l.level)), 1);
  });

  it('marks the knee and the capacity on both charts, and the peak when it is in range', () => {
    for (const c of [throughputChart(s), latencyChart(s)]) {
      expect(c.marks.find((m) => m.kind === 'knee')?.level).toBe(s.knee);
      expect(c.marks.find((m) => m.kind === 'capacity')?.level).toBe(s.capacity);
    }
    const peakN = s.fit!.peakN;
    const inRange = peakN !== null && peakN <= Math.max(...s.levels.map((l) => l.level));
    expect(throughputChart(s).marks.some((m) => m.kind === 'peak')).toBe(inRange);
  });

  it('draws p50, p95 and p99 at every level, in that order from the bottom', () => {
    const c = latencyChart(s);
    expect(c.series.map((x) => x.name)).toEqual([...LATENCY_SERIES]);
    expect(c.curve).toBeNull();
    for (const series of c.series) {
      const p = series.name as (typeof LATENCY_SERIES)[number];
      expect(series.points.map((x) => [x.level, x.value])).toEqual(
        s.levels.map((l) => [l.level, l.latency[p]]),
      );
      expect(series.line.split(' ')).toHaveLength(s.levels.length);
    }
    s.levels.forEach((_, i) => {
      expect(c.series[1]!.points[i]!.y).toBeLessThanOrEqual(c.series[0]!.points[i]!.y);
      expect(c.series[2]!.points[i]!.y).toBeLessThanOrEqual(c.series[1]!.points[i]!.y);
    });
  });

  it("gives the table a row per level with the document's figures", () => {
    const rows = levelRows(s);
    expect(rows).toHaveLength(s.levels.length);
    rows.forEach((cells, i) => {
      const l = s.levels[i]!;
      expect(cells).toHaveLength(LEVEL_COLUMNS.length);
      const by = Object.fromEntries(cells.map((c) => [c.field, c]));
      expect(by.level!.value).toBe(l.level);
      expect(by.requests!.value).toBe(l.requests);
      expect(by.rps!.value).toBe(l.rps);
      expect(by.p50!.value).toBe(l.latency.p50);
      expect(by.p95!.value).toBe(l.latency.p95);
      expect(by.p99!.value).toBe(l.latency.p99);
      expect(by.littleN!.value).toBe(l.littleN);
      expect(by.withinBudget!.value).toBe(l.withinBudget);
      expect(by.withinBudget!.text.startsWith(l.withinBudget ? '✓' : '✗')).toBe(true);
      if (!l.withinBudget) expect(by.withinBudget!.text).toContain(`p(95)<${BUDGET}`);
      expect(by.note!.text.includes('saturated')).toBe(l.saturated);
      expect(by.note!.text.includes('knee')).toBe(l.level === s.knee);
      expect(by.note!.text.includes('capacity')).toBe(l.level === s.capacity);
    });
  });

  it('gives the fit figures with their intervals', () => {
    const figures = new Map(fitFigures(s).map(([, field, value, text]) => [field, { value, text }]));
    const fit = s.fit!;
    for (const k of ['lambda', 'sigma', 'kappa'] as const) {
      expect(figures.get(`fit.${k}`)!.value).toBe(fit[k]);
      const i = fit.intervals[k];
      if (i.low !== null && i.high !== null) expect(figures.get(`fit.${k}`)!.text).toContain('95 % CI');
    }
    expect(figures.get('fit.r2')!.value).toBe(fit.r2);
    expect(figures.get('knee')!.value).toBe(s.knee);
    expect(figures.get('capacity')!.value).toBe(s.capacity);
    expect(figures.get('fit.levels')!.text).toBe(fit.levels.join(', '));
  });

  it("shows the sweep's parts and none of a load test's", () => {
    for (const name of ['header', 'sweep', 'thresholds', 'config'])
      expect(slotShown('sweep', name)).toBe(true);
    for (const name of [
      'banner',
      'cards',
      'charts',
      'distribution',
      'endpoints',
      'endpoint-charts',
      'codes-errors',
      'checks',
      'scenarios',
      'analysis',
      'monitor',
      'metrics',
      'bench',
    ])
      expect(slotShown('sweep', name)).toBe(false);
    expect(isLoadDocument('sweep')).toBe(false);
    // A load document (no kind, or an older one) still shows everything.
    expect(slotShown(undefined, 'endpoints')).toBe(true);
    expect(isLoadDocument(undefined)).toBe(true);
  });
});
