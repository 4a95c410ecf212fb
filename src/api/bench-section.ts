import { benchStats } from '../analysis/bench-stats.js';
import {
  complexityVerdict,
  evaluateBudget,
  parseBudgets,
  speedupVerdict,
} from '../analysis/bench-verdicts.js';
import { fitComplexity, parseComplexity } from '../analysis/complexity-fit.js';
import { quantileSorted, sortedCopy } from '../analysis/quantile.js';
import { sampleHistogram } from '../analysis/sample-histogram.js';
import type {
  BenchEntry,
  BenchFork,
  BenchSection,
  ComplexityEntry,
  SpeedupEntry,
} from '../result/bench-schema.js';
import type { ChildMessage } from './bench-protocol.js';

/**
 * The bench section of the result document, from what the bench process measured: statistics,
 * budgets, speedups and complexity fits with their verdicts (analysis/), in the order run.
 */

/** A bench as measured, with each process's figures once merged (bench-forks.ts). */
export type BenchMsg = Extract<ChildMessage, { type: 'bench' }> & { forks?: BenchFork[] };
export type ComplexityMsg = Extract<ChildMessage, { type: 'complexity' }>;

/** Below this a per-op time is under a cycle or two of a modern CPU: no real work is left. */
const TOO_FAST_MS = 0.5e-6;

const medianOf = (xs: number[]) => quantileSorted(sortedCopy(xs), 0.5);

function samplesOf(m: BenchMsg): number[] {
  return m.raw.kind === 'serial' ? m.raw.samples : m.raw.latencies;
}

function benchEntry(m: BenchMsg): BenchEntry {
  const r = m.raw;
  const samples = samplesOf(m);
  const s = samples.length > 0 ? benchStats(samples) : null;
  const warnings: string[] = [];
  if (s !== null && r.kind === 'serial' && s.median < TOO_FAST_MS)
    // Below what squall can time, the spread and the shape of the samples are the clock's noise.
    warnings.push(
      'faster than squall can time (under 0.5 ns per call): the work may have been optimised away; return its result',
    );
  else {
    if (s?.noisy && s.samples > 1)
      warnings.push(
        `noisy: the 95 % margin of error is ±${((s.rme ?? 0) * 100).toFixed(1)} % of the mean; close other work or give it more --time`,
      );
    if (s?.bimodal)
      warnings.push(
        'bimodal: the samples look like two populations (a GC, a cache, a JIT tier, another process?)',
      );
  }
  const concurrent =
    r.kind === 'concurrent' && s
      ? {
          latency: {
            mean: s.mean,
            p50: s.median,
            p95: quantileSorted(sortedCopy(samples), 0.95),
            p99: s.p99,
            max: s.max,
          },
          opsPerSec: r.opsPerSecond,
          completed: r.completed,
          windowMs: r.windowMs,
        }
      : null;
  // A concurrency bench's ops/s is its throughput, not 1 / latency: budgets and tables read that.
  const opsPerSec = concurrent ? concurrent.opsPerSec : s && Number.isFinite(s.opsPerSec) ? s.opsPerSec : 0;
  const stats = s && {
    samples: s.samples,
    mean: s.mean,
    median: s.median,
    p75: s.p75,
    p99: s.p99,
    min: s.min,
    max: s.max,
    sd: s.sd,
    moe: s.moe,
    rme: s.rme,
    opsPerSec,
  };
  const heapBytesPerOp = r.kind === 'serial' ? r.heapBytesPerOp : null;
  const label = m.group === null ? m.name : `${m.group} › ${m.name}`;
  return {
    file: m.file,
    group: m.group,
    name: m.name,
    async: r.kind === 'serial' ? r.async : true,
    concurrency: m.concurrency,
    stats,
    iterationsPerSample: r.kind === 'serial' ? r.iterationsPerSample : 1,
    totalIterations: r.kind === 'serial' ? r.totalIterations : r.completed,
    heapBytesPerOp,
    outliers: { low: s?.outliers.low ?? 0, high: s?.outliers.high ?? 0 },
    samples,
    forks: m.forks ?? (s ? [{ samples: s.samples, mean: s.mean, median: s.median }] : []),
    histogram: sampleHistogram(samples),
    concurrent,
    // Parsed before anything ran (bench-child.ts), so this cannot throw here.
    budgets: parseBudgets(m.budget, label).map((b) => evaluateBudget(b, stats, heapBytesPerOp)),
    warnings,
    error: r.error === null ? null : { phase: r.error.phase, message: r.error.message },
  };
}

/** Why the speedup of `m` over `over` cannot be measured, or null when it can. */
function unmeasurable(m: BenchMsg, over: BenchMsg | undefined, a: number[], b: number[]): string | null {
  const name = m.speedup!.over;
  if (!over) return `'${name}' was not measured`;
  if (a.length < 2 || b.length < 2) return `too few samples (${a.length} and ${b.length}; at least 2 each)`;
  const tooFast = [over, m].find((x) => medianOf(samplesOf(x)) < TOO_FAST_MS);
  if (tooFast) return `'${tooFast.name}' reads under 0.5 ns, faster than squall can time`;
  return null;
}

/**
 * Each `speedup` claim with its factor, 95 % interval and verdict. One that cannot be measured
 * is listed with no factor, and fails when it has an `atLeast`: a claim not checked is not met.
 */
function speedups(measured: BenchMsg[], notes: string[]): SpeedupEntry[] {
  const out: SpeedupEntry[] = [];
  for (const m of measured) {
    if (m.speedup === null) continue;
    const over = measured.find((x) => x.group === m.group && x.name === m.speedup!.over);
    const a = over ? samplesOf(over) : [];
    const b = samplesOf(m);
    const why = unmeasurable(m, over, a, b);
    const v = why === null ? speedupVerdict(a, b, m.speedup.atLeast) : null;
    if (v === null || ![v.factor, v.low, v.high].every(Number.isFinite)) {
      notes.push(`speedup of '${m.name}' over '${m.speedup.over}' not measured: ${why ?? 'no finite ratio'}`);
      out.push({
        group: m.group,
        name: m.name,
        over: m.speedup.over,
        factor: null,
        low: null,
        high: null,
        atLeast: m.speedup.atLeast,
        ok: m.speedup.atLeast === null ? null : false,
      });
      continue;
    }
    out.push({
      group: m.group,
      name: m.name,
      over: m.speedup.over,
      factor: v.factor,
      low: v.low,
      high: v.high,
      atLeast: v.atLeast,
      ok: v.ok,
    });
  }
  return out;
}

function complexityEntry(m: ComplexityMsg, notes: string[]): ComplexityEntry {
  let best: ComplexityEntry['best'] = null;
  let fits: ComplexityEntry['fits'] = [];
  let ok: boolean | null = null;
  if (m.error === null && m.timesMs.length === m.sizes.length) {
    try {
      const fit = fitComplexity(m.sizes, m.timesMs);
      best = fit.best.class;
      fits = fit.fits.map((f) => ({ class: f.class, coefficient: f.coefficient, rms: f.rms }));
      // The expectation was parsed before anything ran (bench-child.ts).
      ok = m.expect === null ? null : complexityVerdict(fit.best.class, parseComplexity(m.expect));
    } catch (e) {
      notes.push(`complexity '${m.name}': no fit (${e instanceof Error ? e.message : String(e)})`);
      ok = m.expect === null ? null : false;
    }
  }
  return {
    file: m.file,
    name: m.name,
    sizes: m.sizes,
    timesMs: m.timesMs,
    best,
    fits,
    expect: m.expect,
    ok,
    error: m.error,
  };
}

export interface BenchMeasured {
  benches: BenchMsg[];
  complexity: ComplexityMsg[];
  environment: BenchSection['environment'];
}

/**
 * The section, and the run's own warnings (a speedup or fit that could not be computed); each
 * bench's warnings stay on the bench, where every report prints them.
 */
export function benchSectionOf(m: BenchMeasured): { section: BenchSection; warnings: string[] } {
  const notes: string[] = [];
  const benches = m.benches.map(benchEntry);
  const section: BenchSection = {
    environment: m.environment,
    benches,
    speedups: speedups(m.benches, notes),
    complexity: m.complexity.map((c) => complexityEntry(c, notes)),
  };
  return { section, warnings: notes };
}
