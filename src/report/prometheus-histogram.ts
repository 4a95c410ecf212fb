/**
 * A distribution as the Prometheus exporters need it: the HDR histogram's non-empty buckets,
 * already in the exported unit (seconds for durations), from which both the classic histogram
 * (cumulative `le` buckets) and the native one (exponential buckets) are derived.
 */
export interface HistogramData {
  count: number;
  sum: number;
  /** The HDR histogram's non-empty buckets, lowest first: [lowest value, highest value, count]. */
  ranges: ReadonlyArray<readonly [number, number, number]>;
}

/** Classic bucket bounds for durations, in seconds: 0.5 ms to one minute. */
export const SECONDS_BOUNDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;

/** Classic bucket bounds for a trend of no known unit: 1, 2.5, 5 per decade, 0.001 to 1e6. */
export const PLAIN_BOUNDS: readonly number[] = (() => {
  const out: number[] = [];
  for (let e = -3; e <= 6; e++)
    for (const m of [1, 2.5, 5]) if (m * 10 ** e <= 1e6) out.push(+(m * 10 ** e).toPrecision(3));
  return out;
})();

/**
 * Cumulative counts at each bound, then +Inf. An HDR bucket counts under a bound when its lowest
 * value is within it: HDR buckets are 0.1 % wide, so a bound splits at most that much.
 */
export function classicBuckets(h: HistogramData, bounds: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  let cumulative = 0;
  for (const le of bounds) {
    while (i < h.ranges.length && h.ranges[i]![0] <= le) cumulative += h.ranges[i++]![2];
    out.push([le, cumulative]);
  }
  out.push([Number.POSITIVE_INFINITY, h.count]);
  return out;
}

/** Native histogram resolution: schema 3, each bucket 2^(1/8) ≈ 9 % wider than the one before (k6's 1.1 factor). */
export const NATIVE_SCHEMA = 3;
/** Prometheus's default zero threshold (2^-128): squall records nothing that small. */
export const NATIVE_ZERO_THRESHOLD = 2 ** -128;

export interface NativeHistogram {
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  /** Runs of consecutive buckets: the first offset is the first bucket's index, later ones the gap. */
  spans: Array<{ offset: number; length: number }>;
  /** Each bucket's count as the difference from the bucket before (the first from zero). */
  deltas: number[];
}

/**
 * The native (sparse, exponential) form: bucket i holds values in (base^(i-1), base^i] with
 * base = 2^(2^-schema). Each HDR bucket goes whole to the bucket of its highest value.
 */
export function nativeHistogram(h: HistogramData): NativeHistogram {
  const factor = 2 ** NATIVE_SCHEMA;
  const counts = new Map<number, number>();
  let zeroCount = 0;
  for (const [, high, n] of h.ranges) {
    if (high <= NATIVE_ZERO_THRESHOLD) {
      zeroCount += n;
      continue;
    }
    const index = Math.ceil(Math.log2(high) * factor);
    counts.set(index, (counts.get(index) ?? 0) + n);
  }
  const indexes = [...counts.keys()].sort((a, b) => a - b);
  const spans: NativeHistogram['spans'] = [];
  const deltas: number[] = [];
  let previousIndex = 0;
  let previousCount = 0;
  for (const index of indexes) {
    const span = spans.at(-1);
    if (span && index === previousIndex + 1) span.length++;
    else spans.push({ offset: span ? index - previousIndex - 1 : index, length: 1 });
    const n = counts.get(index)!;
    deltas.push(n - previousCount);
    previousCount = n;
    previousIndex = index;
  }
  return { schema: NATIVE_SCHEMA, zeroThreshold: NATIVE_ZERO_THRESHOLD, zeroCount, spans, deltas };
}
