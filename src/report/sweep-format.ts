import type { ResultDocument, ThresholdResult } from '../result/schema.js';
import type { SweepFit, SweepInterval, SweepLevel, SweepSection } from '../result/sweep-schema.js';
import { fmtNum, fmtPct, fmtRate, formatMs, isNum } from '../util/figures.js';
import { asObj, type Obj } from './format.js';

/**
 * The words and figures every renderer of a sweep document shares (console, Markdown, JUnit,
 * CSV), so that a sweep reads the same in a terminal, a PR and a CI report. A document read from
 * disk may be partial or from another version: every field is checked here, once.
 */

const num = (v: unknown): number | null => (isNum(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

function levelOf(o: Obj): SweepLevel {
  const lat = asObj(o.latency) ?? {};
  return {
    level: o.level as number,
    durationSec: num(o.durationSec) ?? 0,
    requests: num(o.requests) ?? 0,
    failed: num(o.failed) ?? 0,
    rps: num(o.rps) ?? 0,
    errorRate: num(o.errorRate) ?? 0,
    latency: { mean: num(lat.mean), p50: num(lat.p50), p95: num(lat.p95), p99: num(lat.p99) },
    littleN: num(o.littleN),
    littleOk: bool(o.littleOk),
    saturated: o.saturated === true,
    allFailed: o.allFailed === true,
    thresholds: (Array.isArray(o.thresholds) ? o.thresholds : []).filter(
      (t): t is ThresholdResult => asObj(t) !== undefined,
    ),
    withinBudget: bool(o.withinBudget),
  };
}

function intervalOf(v: unknown): SweepInterval {
  const o = asObj(v) ?? {};
  return { low: num(o.low), high: num(o.high) };
}

function fitOf(v: unknown): SweepFit | null {
  const f = asObj(v);
  if (!f || !isNum(f.lambda) || !isNum(f.sigma) || !isNum(f.kappa) || !isNum(f.r2)) return null;
  const iv = asObj(f.intervals) ?? {};
  return {
    lambda: f.lambda,
    sigma: f.sigma,
    kappa: f.kappa,
    r2: f.r2,
    peakN: num(f.peakN),
    peakX: num(f.peakX),
    intervals: {
      lambda: intervalOf(iv.lambda),
      sigma: intervalOf(iv.sigma),
      kappa: intervalOf(iv.kappa),
      peakN: intervalOf(iv.peakN),
      peakX: intervalOf(iv.peakX),
    },
    levels: (Array.isArray(f.levels) ? f.levels : []).filter(isNum),
  };
}

const END_REASONS = ['completed', 'until', 'all-failed', 'interrupted'] as const;

/** The document's sweep section when it is a `squall sweep` document, else undefined. */
export function sweepSection(doc: ResultDocument): SweepSection | undefined {
  const s = asObj((doc as { sweep?: unknown }).sweep);
  if (doc.kind !== 'sweep' || !s) return undefined;
  const until = asObj(s.until);
  const endReason = END_REASONS.find((r) => r === s.endReason) ?? 'completed';
  return {
    mode: s.mode === 'rate' ? 'rate' : 'concurrency',
    planned: (Array.isArray(s.planned) ? s.planned : []).filter(isNum),
    holdSec: num(s.holdSec) ?? 0,
    warmupSec: num(s.warmupSec) ?? 0,
    levels: (Array.isArray(s.levels) ? s.levels : [])
      .map((l) => asObj(l))
      .filter((l): l is Obj => l !== undefined && isNum(l.level))
      .map(levelOf),
    fit: fitOf(s.fit),
    knee: num(s.knee),
    capacity: num(s.capacity),
    until:
      until && typeof until.expr === 'string' ? { expr: until.expr, stoppedAt: num(until.stoppedAt) } : null,
    endReason,
    verdict: typeof s.verdict === 'string' ? s.verdict : '',
  };
}

/** `concurrent` or `requests/s`: what a level counts. */
export function levelUnit(s: SweepSection): string {
  return s.mode === 'rate' ? 'requests/s' : 'concurrent';
}

/** The columns of the table per level, the same in the console and the Markdown. */
export const SWEEP_COLUMNS = ['level', 'req/s', 'mean', 'p50', 'p95', 'p99', 'errors', "Little's N"] as const;

const ms = (v: number | null) => (v === null ? '-' : formatMs(v));

/** A level's figures, in SWEEP_COLUMNS order (marks are each renderer's own). */
export function levelCells(l: SweepLevel): string[] {
  return [
    fmtNum(l.level),
    fmtRate(l.rps),
    ms(l.latency.mean),
    ms(l.latency.p50),
    ms(l.latency.p95),
    ms(l.latency.p99),
    fmtPct(l.errorRate),
    l.littleN === null ? '-' : fmtNum(l.littleN),
  ];
}

/** What marks a level apart from a plain row: `squall saturated`, `all failed`. */
export function levelNotes(l: SweepLevel): string[] {
  return [l.saturated ? 'squall saturated' : '', l.allFailed ? 'all failed' : ''].filter(Boolean);
}

/** Three significant digits, whatever the scale (σ is often 0.00x). */
export function sig3(v: number): string {
  return v.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}

/** `95 % CI 7.6–8.4`, `95 % CI ≥ 7.6`, or '' when the interval is unknown. */
export function intervalText(i: SweepInterval): string {
  if (i.low !== null && i.high !== null) return `95 % CI ${sig3(i.low)}–${sig3(i.high)}`;
  if (i.low !== null) return `95 % CI ≥ ${sig3(i.low)}`;
  if (i.high !== null) return `95 % CI ≤ ${sig3(i.high)}`;
  return '';
}

/** The fit's figures as [symbol, value, what it is, interval] rows. */
export function fitRows(f: SweepFit): [string, string, string, string][] {
  const rows: [string, string, string, string][] = [
    ['λ', `${sig3(f.lambda)}/s`, 'throughput at concurrency 1', intervalText(f.intervals.lambda)],
    ['σ', sig3(f.sigma), 'contention', intervalText(f.intervals.sigma)],
    ['κ', sig3(f.kappa), 'coherency', intervalText(f.intervals.kappa)],
  ];
  if (f.peakN !== null) {
    rows.push(['N*', sig3(f.peakN), 'concurrency of peak throughput', intervalText(f.intervals.peakN)]);
  }
  if (f.peakX !== null) {
    const what = f.peakN !== null ? 'peak throughput' : 'ceiling (κ = 0: no peak)';
    rows.push(['X*', `${sig3(f.peakX)}/s`, what, intervalText(f.intervals.peakX)]);
  } else rows.push(['X*', '-', 'no limit in the levels measured', '']);
  return rows;
}

/** `fitted to levels 1, 2, 4, 8 · R² 0.998`. */
export function fitHeadline(f: SweepFit): string {
  return `fitted to levels ${f.levels.map(fmtNum).join(', ')} · R² ${f.r2.toFixed(3)}`;
}

/** Why there is no fit: a rate sweep has none, a concurrency one needs three usable levels. */
export function noFitText(s: SweepSection): string {
  return s.mode === 'rate'
    ? 'no USL fit: the law is of concurrency, and this sweep set arrival rates'
    : 'no USL fit: fewer than three usable levels (saturated and all-failed ones are left out)';
}

export function kneeText(s: SweepSection): string {
  const unit = levelUnit(s);
  if (s.knee === null) {
    // The knee is judged between usable levels (analysis/sweep.ts findKnee): one alone tells nothing.
    const usable = s.levels.filter((l) => !l.saturated && !l.allFailed && l.rps > 0);
    return usable.length < 2 ? 'no knee: too few usable levels to tell' : 'no knee: every step still scaled';
  }
  return `knee at ${fmtNum(s.knee)} ${unit}: past it throughput grew by less than a quarter of what the added load would give, while p50 climbed`;
}

/** The per-level thresholds, as `metric:expr` (the budget the capacity is judged against). */
export function budgetOf(s: SweepSection): string | null {
  const first = s.levels.find((l) => l.thresholds.length > 0);
  if (!first) return null;
  return first.thresholds.map((t) => `${t.metric}:${t.expr}`).join(', ');
}

export function capacityText(s: SweepSection): string {
  const budget = budgetOf(s);
  if (s.capacity === null) return 'capacity within budget: no per-level thresholds (--threshold) to judge it';
  if (s.capacity === 0) return `no level held the per-level thresholds (${budget ?? '?'})`;
  return `capacity within budget (${budget ?? '?'}): ${fmtNum(s.capacity)} ${levelUnit(s)}`;
}

/** `--until EXPR` and where it stopped; null without one. */
export function untilText(s: SweepSection): string | null {
  if (!s.until) return null;
  return s.until.stoppedAt === null
    ? `--until ${s.until.expr}: never held`
    : `--until ${s.until.expr}: held at level ${fmtNum(s.until.stoppedAt)}, which ended the sweep`;
}

/** Why the sweep ended before its last planned level; null when it ran them all. */
export function endText(s: SweepSection): string | null {
  const measured = new Set(s.levels.map((l) => l.level));
  const skipped = s.planned.filter((n) => !measured.has(n));
  const notRun = skipped.length > 0 ? `; not run: ${skipped.map(fmtNum).join(', ')}` : '';
  const last = s.levels.at(-1);
  switch (s.endReason) {
    case 'all-failed':
      return `every request failed at level ${last ? fmtNum(last.level) : '?'}: the sweep ended there${notRun}`;
    case 'interrupted':
      return `interrupted: only the levels measured before are here${notRun}`;
    case 'until':
      return skipped.length > 0 ? `stopped by --until${notRun}` : null;
    default:
      return skipped.length > 0 ? `not run: ${skipped.map(fmtNum).join(', ')}` : null;
  }
}

/** The service was measured: some level, the first, got a successful response. */
export function sweepMeasured(s: SweepSection): boolean {
  return s.levels.length > 0 && !s.levels[0]!.allFailed;
}

/**
 * Why a sweep failed, in words; empty when nothing in it failed (the document's `passed` may
 * still say false: the caller checks it). `thresholds` is the text of the failed sweep
 * thresholds, which each renderer writes with its own figures.
 */
export function sweepFailures(s: SweepSection, thresholds: string | null): string[] {
  const why: string[] = [];
  if (thresholds) why.push(thresholds);
  if (s.capacity === 0) why.push(`no level held the per-level thresholds (${budgetOf(s) ?? '?'})`);
  if (!sweepMeasured(s)) why.push('no request succeeded at the first level: nothing was measured');
  return why;
}
