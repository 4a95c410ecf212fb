import { uslThroughput } from '../../../analysis/usl.js';
import type { SweepLevel, SweepSection } from '../../../result/sweep-schema.js';
import { fmtCount, fmtPct, fmtRate, fmtSig, fmtTrend } from '../../../util/figures.js';

/**
 * What a sweep's page part shows, worked out without the DOM so that it can be checked without a
 * browser (sweep.ts turns it into elements): the geometry of its two charts (throughput and
 * latency against the level) in SVG user units, the table's cells and the fit's figures.
 */

export const CHART_W = 560;
export const CHART_H = 260;
const LEFT = 56;
const RIGHT = 16;
const TOP = 26;
const BOTTOM = 40;

export interface ChartPoint {
  level: number;
  /** The figure drawn (req/s, ms). */
  value: number;
  x: number;
  y: number;
  /** Left out of the fit (squall was the limit, or every request failed): drawn apart. */
  excluded: boolean;
}

export interface ChartSeries {
  /** `rps`, `p50`, `p95`, `p99`. */
  name: string;
  points: ChartPoint[];
  /** A polyline through the points, in level order. */
  line: string;
}

export interface ChartMark {
  kind: 'knee' | 'capacity' | 'peak';
  level: number;
  x: number;
  label: string;
}

export interface Tick {
  at: number;
  label: string;
}

export interface SweepChart {
  width: number;
  height: number;
  /** The plot area's edges. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  xTicks: Tick[];
  yTicks: Tick[];
  xTitle: string;
  yTitle: string;
  series: ChartSeries[];
  /** The fitted USL curve as a path's `d`; null without a fit. */
  curve: string | null;
  marks: ChartMark[];
}

/** A round step giving about `count` intervals up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

interface Frame {
  x: (level: number) => number;
  y: (v: number) => number;
  xTicks: Tick[];
  yTicks: Tick[];
}

/** Linear axes from 0: the USL curve's shape (straight, bending, falling) reads as it is. */
function frame(levels: number[], maxY: number): Frame {
  const maxX = Math.max(1, ...levels);
  const step = niceStep(maxY > 0 ? maxY : 1, 4);
  const top = Math.max(step, Math.ceil((maxY > 0 ? maxY : 1) / step) * step);
  const x = (l: number) => LEFT + (l / maxX) * (CHART_W - LEFT - RIGHT);
  const y = (v: number) => CHART_H - BOTTOM - (v / top) * (CHART_H - TOP - BOTTOM);
  const yTicks: Tick[] = [];
  for (let v = 0; v <= top * (1 + 1e-9); v += step) yTicks.push({ at: y(v), label: fmtSig(v) });
  // Every level is labelled, unless it would overlap the one before (1, 2, 4 on a 0..32 axis).
  const xTicks: Tick[] = [];
  for (const l of [...new Set(levels)].sort((a, b) => a - b)) {
    const at = x(l);
    const last = xTicks[xTicks.length - 1];
    if (!last || at - last.at >= 22) xTicks.push({ at, label: String(l) });
  }
  return { x, y, xTicks, yTicks };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function line(points: ChartPoint[]): string {
  return points.map((p) => `${r1(p.x)},${r1(p.y)}`).join(' ');
}

function levelTitle(s: SweepSection): string {
  return s.mode === 'rate' ? 'arrival rate (requests/s)' : 'concurrency';
}

/** Whether a level was left out of the fit: the fit's own list when there is one. */
function excluded(s: SweepSection, l: SweepLevel): boolean {
  return s.fit ? !s.fit.levels.includes(l.level) : l.saturated || l.allFailed;
}

/** The fitted throughput from 0 to the highest level, as a path. */
function curvePath(s: SweepSection, f: Frame, maxX: number): string | null {
  const fit = s.fit;
  if (!fit) return null;
  const steps = 80;
  const parts: string[] = [];
  for (let k = 0; k <= steps; k++) {
    const n = (maxX * k) / steps;
    const v = Math.max(0, uslThroughput(fit, n));
    parts.push(`${k === 0 ? 'M' : 'L'}${r1(f.x(n))},${r1(f.y(v))}`);
  }
  return parts.join(' ');
}

function kneeAndCapacity(s: SweepSection, f: Frame): ChartMark[] {
  const marks: ChartMark[] = [];
  if (s.knee !== null) marks.push({ kind: 'knee', level: s.knee, x: f.x(s.knee), label: `knee ${s.knee}` });
  if (s.capacity !== null && s.capacity > 0)
    marks.push({ kind: 'capacity', level: s.capacity, x: f.x(s.capacity), label: `capacity ${s.capacity}` });
  return marks;
}

/** Throughput against the level: the levels measured, the fitted curve, the knee and capacity. */
export function throughputChart(s: SweepSection): SweepChart {
  const levels = s.levels.map((l) => l.level);
  const maxX = Math.max(1, ...levels);
  let maxY = Math.max(0, ...s.levels.map((l) => l.rps));
  if (s.fit) {
    for (let k = 0; k <= 40; k++) maxY = Math.max(maxY, uslThroughput(s.fit, (maxX * k) / 40));
  }
  const f = frame(levels, maxY);
  const points = s.levels.map((l) => ({
    level: l.level,
    value: l.rps,
    x: f.x(l.level),
    y: f.y(l.rps),
    excluded: excluded(s, l),
  }));
  const marks = kneeAndCapacity(s, f);
  const peakN = s.fit?.peakN ?? null;
  // The fitted peak only where it falls inside the levels measured: beyond them it is a guess.
  if (peakN !== null && peakN <= maxX)
    marks.push({ kind: 'peak', level: peakN, x: f.x(peakN), label: `N* ${fmtSig(peakN)}` });
  return {
    width: CHART_W,
    height: CHART_H,
    left: LEFT,
    right: CHART_W - RIGHT,
    top: TOP,
    bottom: CHART_H - BOTTOM,
    xTicks: f.xTicks,
    yTicks: f.yTicks,
    xTitle: levelTitle(s),
    yTitle: 'requests/s',
    series: [{ name: 'rps', points, line: line(points) }],
    curve: curvePath(s, f, maxX),
    marks,
  };
}

export const LATENCY_SERIES = ['p50', 'p95', 'p99'] as const;

/** p50, p95 and p99 against the level (a level with no response has no point). */
export function latencyChart(s: SweepSection): SweepChart {
  const levels = s.levels.map((l) => l.level);
  const values = s.levels.flatMap((l) => LATENCY_SERIES.map((p) => l.latency[p] ?? 0));
  const f = frame(levels, Math.max(0, ...values));
  const series = LATENCY_SERIES.map((p) => {
    const points = s.levels.flatMap((l) => {
      const v = l.latency[p];
      return v === null
        ? []
        : [{ level: l.level, value: v, x: f.x(l.level), y: f.y(v), excluded: excluded(s, l) }];
    });
    return { name: p, points, line: line(points) };
  });
  return {
    width: CHART_W,
    height: CHART_H,
    left: LEFT,
    right: CHART_W - RIGHT,
    top: TOP,
    bottom: CHART_H - BOTTOM,
    xTicks: f.xTicks,
    yTicks: f.yTicks,
    xTitle: levelTitle(s),
    yTitle: 'ms',
    series,
    curve: null,
    marks: kneeAndCapacity(s, f),
  };
}

/** A table cell: what it is, the raw value from the document, the text shown. */
export interface Cell {
  field: string;
  value: number | string | boolean | null;
  text: string;
  cls?: string;
}

export const LEVEL_COLUMNS: Array<[string, 'text' | 'num']> = [
  ['Level', 'num'],
  ['Requests', 'num'],
  ['req/s', 'num'],
  ['mean', 'num'],
  ['p50', 'num'],
  ['p95', 'num'],
  ['p99', 'num'],
  ['Errors', 'num'],
  ["Little's N", 'num'],
  ['Budget', 'text'],
  ['Note', 'text'],
];

const ms = (v: number | null) => (v === null ? '-' : fmtTrend('ms', v));

/** What sets a level apart: squall was the limit, every request failed, Little's law broke. */
function levelNote(s: SweepSection, l: SweepLevel): string {
  const notes: string[] = [];
  if (l.allFailed) notes.push('every request failed');
  if (l.saturated) notes.push('squall saturated: not fitted');
  else if (s.fit && !s.fit.levels.includes(l.level)) notes.push('not fitted');
  if (l.littleOk === false) notes.push("Little's law off");
  if (s.knee === l.level) notes.push('knee');
  if (s.capacity === l.level) notes.push('capacity');
  if (s.until?.stoppedAt === l.level) notes.push(`--until held`);
  return notes.join('; ');
}

/** One row of cells per level measured, in the order of LEVEL_COLUMNS. */
export function levelRows(s: SweepSection): Cell[][] {
  return s.levels.map((l) => {
    const failedBudget = l.thresholds.filter((t) => !t.ok).map((t) => `${t.metric}:${t.expr}`);
    return [
      { field: 'level', value: l.level, text: String(l.level) },
      { field: 'requests', value: l.requests, text: fmtCount(l.requests) },
      { field: 'rps', value: l.rps, text: fmtRate(l.rps) },
      { field: 'mean', value: l.latency.mean, text: ms(l.latency.mean) },
      { field: 'p50', value: l.latency.p50, text: ms(l.latency.p50) },
      { field: 'p95', value: l.latency.p95, text: ms(l.latency.p95) },
      { field: 'p99', value: l.latency.p99, text: ms(l.latency.p99) },
      { field: 'errorRate', value: l.errorRate, text: fmtPct(l.errorRate), cls: l.failed > 0 ? 'bad' : '' },
      {
        field: 'littleN',
        value: l.littleN,
        text: l.littleN === null ? '-' : fmtSig(l.littleN),
        cls: l.littleOk === false ? 'warn' : '',
      },
      {
        field: 'withinBudget',
        value: l.withinBudget,
        text:
          l.withinBudget === null
            ? '-'
            : l.withinBudget
              ? '✓ held'
              : `✗ ${failedBudget.join(', ') || 'failed'}`,
        cls: l.withinBudget === null ? '' : l.withinBudget ? 'ok' : 'bad',
      },
      { field: 'note', value: null, text: levelNote(s, l) },
    ];
  });
}

/** `0.0213 (95 % CI 0.0150–0.0290)`; the interval left out when it could not be made. */
export function withInterval(v: number | null, i: { low: number | null; high: number | null }): string {
  if (v === null) return '-';
  const ci = i.low !== null && i.high !== null ? ` (95 % CI ${fmtSig(i.low)}–${fmtSig(i.high)})` : '';
  return `${fmtSig(v)}${ci}`;
}

/** The sweep's answers and the USL's figures, as label, field, raw value, text. */
export function fitFigures(s: SweepSection): Array<[string, string, number | string | null, string]> {
  const unit = s.mode === 'rate' ? 'requests/s' : 'concurrent';
  const out: Array<[string, string, number | string | null, string]> = [
    ['Knee', 'knee', s.knee, s.knee === null ? 'none: every step still scaled' : `${s.knee} ${unit}`],
    [
      'Capacity within budget',
      'capacity',
      s.capacity,
      s.capacity === null
        ? 'no per-level thresholds'
        : s.capacity === 0
          ? 'no level held'
          : `${s.capacity} ${unit}`,
    ],
  ];
  const f = s.fit;
  if (f) {
    out.push(
      ['λ (throughput of one, /s)', 'fit.lambda', f.lambda, withInterval(f.lambda, f.intervals.lambda)],
      ['σ (contention)', 'fit.sigma', f.sigma, withInterval(f.sigma, f.intervals.sigma)],
      ['κ (coherency)', 'fit.kappa', f.kappa, withInterval(f.kappa, f.intervals.kappa)],
      ['R²', 'fit.r2', f.r2, f.r2.toFixed(3)],
      [
        'Peak concurrency N*',
        'fit.peakN',
        f.peakN,
        f.peakN === null ? 'none (κ = 0)' : withInterval(f.peakN, f.intervals.peakN),
      ],
      [
        f.peakN === null ? 'Throughput ceiling (/s)' : 'Peak throughput (/s)',
        'fit.peakX',
        f.peakX,
        f.peakX === null ? 'none: linear' : withInterval(f.peakX, f.intervals.peakX),
      ],
      ['Levels fitted', 'fit.levels', f.levels.join(','), f.levels.join(', ')],
    );
  }
  return out;
}
