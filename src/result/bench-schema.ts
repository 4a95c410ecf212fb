/**
 * The `bench` section of a `kind: "bench"` result document (`squall bench`, issue 15): one entry
 * per benchmark, per speedup and per complexity check. Every duration is in milliseconds
 * (floating point), as everywhere in the document; docs/result-schema.md "Bench documents".
 */

export interface BenchEnvironment {
  node: string;
  gcExposed: boolean;
  timerResolutionNs: number;
  cpu: string;
}

export interface BenchStats {
  samples: number;
  mean: number;
  median: number;
  p75: number;
  p99: number;
  min: number;
  max: number;
  sd: number | null;
  /** The 95 % margin of error of the mean, ms; `rme` is the same relative to the mean (0.03 = 3 %). */
  moe: number | null;
  rme: number | null;
  opsPerSec: number;
}

export interface BenchConcurrent {
  latency: { mean: number; p50: number; p95: number; p99: number; max: number };
  opsPerSec: number;
  completed: number;
  windowMs: number;
}

/**
 * The samples in equal-width bins (per-op times; a concurrency bench's call latencies), between
 * the Tukey fences clamped to the samples' range; the end bins also hold the outliers.
 */
export interface BenchHistogram {
  fromMs: number;
  toMs: number;
  counts: number[];
}

export interface BenchBudget {
  expr: string;
  ok: boolean;
  actual: number | null;
}

export interface BenchFailure {
  phase: string;
  message: string;
}

/** One process's figures of a bench (`squall bench --forks N` runs N processes). */
export interface BenchFork {
  samples: number;
  /** ms per call. */
  mean: number;
  median: number;
}

export interface BenchEntry {
  file: string;
  group: string | null;
  name: string;
  async: boolean;
  /** Calls in flight; 1 = sequential. */
  concurrency: number;
  /** Null when the bench threw before any sample. */
  stats: BenchStats | null;
  iterationsPerSample: number;
  totalIterations: number;
  heapBytesPerOp: number | null;
  outliers: { low: number; high: number };
  /**
   * Every sample, ms per call (a concurrency bench: each call's latency), in the order taken:
   * what `squall compare` resamples. Absent in documents written before it was added.
   */
  samples?: number[];
  /**
   * Each process's own figures, in the order run (`--forks N`: N of them): what `squall compare`
   * resamples, since one process's samples cannot show how much the next process differs.
   * Absent in documents written before it was added.
   */
  forks?: BenchFork[];
  /** The distribution of the samples; null without samples (absent in hand-written documents). */
  histogram?: BenchHistogram | null;
  concurrent: BenchConcurrent | null;
  budgets: BenchBudget[];
  warnings: string[];
  error: BenchFailure | null;
}

export interface SpeedupEntry {
  group: string | null;
  name: string;
  over: string;
  /**
   * How many times faster `name` is than `over`, with its 95 % interval; null when it could not
   * be measured (a bench threw or was not run, too few samples, one reads 0 ns), and then a
   * speedup with `atLeast` fails: a claim that cannot be checked is not met.
   */
  factor: number | null;
  low: number | null;
  high: number | null;
  atLeast: number | null;
  ok: boolean | null;
}

export interface ComplexityEntry {
  file: string;
  name: string;
  sizes: number[];
  timesMs: number[];
  best: string | null;
  /** `rms`: the fit's normalised root-mean-square error (0.03 = 3 %). */
  fits: { class: string; coefficient: number; rms: number }[];
  expect: string | null;
  ok: boolean | null;
  error: BenchFailure | null;
}

export interface BenchSection {
  environment: BenchEnvironment;
  benches: BenchEntry[];
  speedups: SpeedupEntry[];
  complexity: ComplexityEntry[];
}

/** Whether every budget, speedup and complexity expectation held and nothing threw. */
export function benchPassed(b: BenchSection): boolean {
  return (
    b.benches.every((e) => e.error === null && e.budgets.every((x) => x.ok)) &&
    b.speedups.every((s) => s.ok !== false) &&
    b.complexity.every((c) => c.error === null && c.ok !== false)
  );
}
