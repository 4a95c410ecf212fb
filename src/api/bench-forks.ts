import { quantileSorted, sortedCopy } from '../analysis/quantile.js';
import type { BenchFork } from '../result/bench-schema.js';
import type { BenchMsg, ComplexityMsg } from './bench-section.js';

/**
 * `squall bench --forks N`: the benches run in N fresh processes one after another, and what
 * each measured is merged here into one figure per bench, keeping each process's own figures.
 * A process's JIT decisions and memory layout move a fast bench by tens of percent from one
 * process to the next, a spread no number of samples in one process shows; the processes' own
 * figures are what `squall compare` resamples.
 */

/** One process's mean and median of a bench's samples (null with no samples). */
export function forkFigure(samples: readonly number[]): BenchFork | null {
  if (samples.length === 0) return null;
  let sum = 0;
  for (const x of samples) sum += x;
  return {
    samples: samples.length,
    mean: sum / samples.length,
    median: quantileSorted(sortedCopy(samples), 0.5),
  };
}

const samplesOf = (m: BenchMsg) => (m.raw.kind === 'serial' ? m.raw.samples : m.raw.latencies);

const key = (m: { file: string; group: string | null; name: string }) =>
  `${m.file}\u0000${m.group ?? ''}\u0000${m.name}`;

/** Two processes' measurements of one bench as one: samples pooled, counts summed, first error kept. */
function mergeBench(a: BenchMsg, b: BenchMsg): BenchMsg {
  const error = a.raw.error ?? b.raw.error;
  if (a.raw.kind === 'serial' && b.raw.kind === 'serial') {
    const samples = [...a.raw.samples, ...b.raw.samples];
    const totalIterations = a.raw.totalIterations + b.raw.totalIterations;
    const heaps = [a.raw.heapBytesPerOp, b.raw.heapBytesPerOp].filter((h): h is number => h !== null);
    return {
      ...a,
      raw: {
        ...a.raw,
        samples,
        totalIterations,
        // Each process calibrates its own batch: the merged one is their average.
        iterationsPerSample: samples.length > 0 ? Math.round(totalIterations / samples.length) : 1,
        warmupIterations: a.raw.warmupIterations + b.raw.warmupIterations,
        heapBytesPerOp: heaps.length > 0 ? Math.min(...heaps) : null,
        error,
      },
    };
  }
  if (a.raw.kind === 'concurrent' && b.raw.kind === 'concurrent') {
    const completed = a.raw.completed + b.raw.completed;
    const windowMs = a.raw.windowMs + b.raw.windowMs;
    return {
      ...a,
      raw: {
        ...a.raw,
        latencies: [...a.raw.latencies, ...b.raw.latencies],
        completed,
        windowMs,
        opsPerSecond: windowMs > 0 ? (completed * 1000) / windowMs : 0,
        peakInFlight: Math.max(a.raw.peakInFlight, b.raw.peakInFlight),
        warmupIterations: a.raw.warmupIterations + b.raw.warmupIterations,
        error,
      },
    };
  }
  // A bench that crashed its process is listed as concurrent (bench-runner.ts): its error wins.
  return a.raw.error ? a : b;
}

/**
 * The benches of every process merged in the order the first ran them, each with `forks`: one
 * figure per process that measured it. With one process, its own messages and one figure each.
 */
export function mergeForkBenches(forks: readonly (readonly BenchMsg[])[]): BenchMsg[] {
  const merged = new Map<string, BenchMsg>();
  for (const fork of forks) {
    for (const m of fork) {
      const k = key(m);
      const before = merged.get(k);
      const figure = forkFigure(samplesOf(m));
      const figures = [...(before?.forks ?? []), ...(figure ? [figure] : [])];
      merged.set(k, { ...(before ? mergeBench(before, m) : m), forks: figures });
    }
  }
  return [...merged.values()];
}

/**
 * Complexity fits over several processes: each size keeps its fastest process's time, as each
 * keeps its fastest round's in one process (load and a worse layout only ever add time).
 */
export function mergeForkComplexity(forks: readonly (readonly ComplexityMsg[])[]): ComplexityMsg[] {
  const merged = new Map<string, ComplexityMsg>();
  for (const fork of forks) {
    for (const m of fork) {
      const k = key(m);
      const before = merged.get(k);
      if (!before || before.error !== null) {
        if (!before) merged.set(k, m);
        continue;
      }
      if (m.error !== null) {
        merged.set(k, { ...before, error: m.error });
        continue;
      }
      const timesMs = before.timesMs.map((t, i) => Math.min(t, m.timesMs[i] ?? t));
      merged.set(k, { ...before, timesMs });
    }
  }
  return [...merged.values()];
}
