import type {
  BenchEntry,
  BenchHistogram,
  BenchSection,
  ComplexityEntry,
  SpeedupEntry,
} from '../result/bench-schema.js';
import type { ResultDocument } from '../result/schema.js';
import { formatBytes, isNum } from '../util/figures.js';
import { sparkline } from './sparkline.js';

/**
 * The words and figures every renderer of a bench document shares (console, Markdown, JUnit,
 * CSV), so that a bench reads the same in a terminal, a PR and a CI report.
 */

/** The document's bench section when it is a `squall bench` document, else undefined. */
export function benchSection(doc: ResultDocument): BenchSection | undefined {
  const b = (doc as { kind?: unknown; bench?: unknown }).bench;
  if (doc.kind !== 'bench' || typeof b !== 'object' || b === null) return undefined;
  const s = b as Partial<BenchSection>;
  return {
    environment: s.environment ?? { node: '', gcExposed: false, timerResolutionNs: 0, cpu: '' },
    benches: Array.isArray(s.benches) ? s.benches : [],
    speedups: Array.isArray(s.speedups) ? s.speedups : [],
    complexity: Array.isArray(s.complexity) ? s.complexity : [],
  };
}

/** A duration in ms at a bench's scale, three significant digits: `412 ns`, `14.9 µs`, `1.23 s`. */
export function benchTime(ms: unknown): string {
  if (!isNum(ms)) return '-';
  const [v, unit] =
    ms < 0.001 ? [ms * 1e6, 'ns'] : ms < 1 ? [ms * 1000, 'µs'] : ms < 1000 ? [ms, 'ms'] : [ms / 1000, 's'];
  return `${Number(v.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 2 })} ${unit}`;
}

/** Operations per second, shortened as mitata does: `2.41M`, `938.97`, `67.5k`. */
export function opsText(n: unknown): string {
  if (!isNum(n)) return '-';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toLocaleString('en-US', { maximumFractionDigits: n >= 1000 ? 0 : 2 });
}

export function pctText(fraction: unknown): string {
  if (!isNum(fraction)) return '-';
  const pct = fraction * 100;
  return `${pct < 10 ? Number(pct.toPrecision(2)) : Math.round(pct)} %`;
}

export function factorText(f: number): string {
  return f >= 100 ? String(Math.round(f)) : f.toFixed(f >= 10 ? 1 : 2);
}

/** The benches by group, in the order first seen; ungrouped ones under null. */
export function benchGroups(b: BenchSection): { group: string | null; benches: BenchEntry[] }[] {
  const out: { group: string | null; benches: BenchEntry[] }[] = [];
  for (const e of b.benches) {
    const g = out.find((x) => x.group === e.group);
    if (g) g.benches.push(e);
    else out.push({ group: e.group, benches: [e] });
  }
  return out;
}

export const BENCH_COLUMNS = ['bench', 'median', 'mean ± rme', 'p99', 'ops/s', 'heap/op'] as const;

/** One table row: concurrency benches read their per-call latency and their throughput. */
export function benchCells(e: BenchEntry): string[] {
  const name = e.concurrency > 1 ? `${e.name} (×${e.concurrency})` : e.name;
  if (e.error !== null && e.stats === null) return [name, 'threw', '-', '-', '-', '-'];
  const s = e.stats;
  const c = e.concurrent;
  const median = c ? c.latency.p50 : s?.median;
  const mean = c ? c.latency.mean : s?.mean;
  const rme = isNum(s?.rme) ? ` ± ${pctText(s.rme)}` : '';
  return [
    name,
    benchTime(median),
    `${benchTime(mean)}${rme}`,
    benchTime(c ? c.latency.p99 : s?.p99),
    opsText(c ? c.opsPerSec : s?.opsPerSec),
    isNum(e.heapBytesPerOp) ? formatBytes(Math.round(e.heapBytesPerOp)) : '-',
  ];
}

/**
 * A bench's distribution as one line of block characters (a bin with any sample shows). An empty
 * bin is a dot, not a blank: a table cell must not end or split at a gap.
 */
export function distributionLine(h: BenchHistogram | null | undefined): string {
  if (!h || !Array.isArray(h.counts) || h.counts.length === 0 || !h.counts.some((c) => c > 0)) return '';
  return sparkline(h.counts, { empty: '·' });
}

export function failureText(e: { error: { phase: string; message: string } | null }): string {
  return e.error ? `threw in ${e.error.phase}: ${e.error.message}` : '';
}

/** `✓ mean<5ms (42.9 µs)`. */
export function budgetText(b: { expr: string; ok: boolean; actual: number | null }): string {
  return `${b.ok ? '✓' : '✗'} ${b.expr} (${isNum(b.actual) ? benchFigure(b.expr, b.actual) : 'not measured'})`;
}

/** A budget's measured figure in its own unit: ops per second, rme %, heap bytes, else a duration. */
function benchFigure(expr: string, v: number): string {
  const stat = /^\s*([a-z]+)/.exec(expr)?.[1];
  if (stat === 'ops') return `${opsText(v)} ops/s`;
  if (stat === 'rme') return `${Number(v.toPrecision(2))} %`;
  if (stat === 'heap') return formatBytes(Math.round(v));
  return benchTime(v);
}

/** `warm is 12.4× faster than cold (95 % CI 11.9–12.9×), expected ≥ 10× ✓`. */
export function speedupText(s: SpeedupEntry): string {
  if (!isNum(s.factor) || !isNum(s.low) || !isNum(s.high)) {
    const line = `${s.name} over ${s.over}: not measured`;
    return s.atLeast === null ? line : `${line}, expected ≥ ${s.atLeast}× ✗`;
  }
  const slower = s.factor < 1;
  const f = slower ? 1 / s.factor : s.factor;
  const [lo, hi] = slower ? [1 / s.high, 1 / s.low] : [s.low, s.high];
  const line = `${s.name} is ${factorText(f)}× ${slower ? 'slower' : 'faster'} than ${s.over} (95 % CI ${factorText(lo)}–${factorText(hi)}×)`;
  if (s.atLeast === null) return line;
  return `${line}, expected ≥ ${Number.isInteger(s.atLeast) ? s.atLeast : factorText(s.atLeast)}× ${s.ok === false ? '✗' : '✓'}`;
}

/** `sort: O(n log n), RMS 3 %, expected O(n log n) ✓`. */
export function complexityText(c: ComplexityEntry): string {
  if (c.error) return `${c.name}: ${failureText(c)}`;
  const fit = c.fits.find((f) => f.class === c.best);
  const rms = fit ? `, RMS ${pctText(fit.rms)}` : '';
  const expect = c.expect === null ? '' : `, expected ${c.expect} ${c.ok === false ? '✗' : '✓'}`;
  return `${c.name}: ${c.best ?? 'no fit'}${rms}${expect}`;
}

/** Why a bench failed (its budgets, its speedup over another, an error); empty when it passed. */
export function benchFailures(e: BenchEntry, b: BenchSection): string[] {
  const out = e.error ? [failureText(e)] : [];
  for (const x of e.budgets) if (!x.ok) out.push(`budget ${budgetText(x)}`);
  for (const s of b.speedups) {
    if (s.name === e.name && s.group === e.group && s.ok === false) out.push(speedupText(s));
  }
  return out;
}

export function groupTitle(group: string | null): string {
  return group ?? 'benchmarks';
}
