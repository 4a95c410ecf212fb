import { createRequire } from 'node:module';
import type * as hdr from 'hdr-histogram-js';
import type { TrendHistogram } from './trend-histogram.js';

type Hdr = typeof hdr;
type Int32Histogram = new (lowest: number, highest: number, digits: number) => hdr.Histogram;

const require = createRequire(import.meta.url);
let lib: Hdr | null = null;

/** The whole package (codec, builder, WebAssembly loader): needed only to encode or decode. */
function hdrLib(): Hdr {
  if (lib === null) lib = require('hdr-histogram-js') as Hdr;
  return lib;
}

/**
 * Loads the codec now: a run that encodes histograms during its load (a frame each second) must
 * not open the package's files mid-run, when the load may have used up the file descriptors.
 */
export function loadHdrCodec(): void {
  hdrLib();
}

/**
 * A new empty histogram: the class hdr.build() picks for our options, from its own file, since
 * the package's entry point also loads its codec, pako and a WebAssembly build, which recording
 * never uses (start-up of `squall run`).
 */
let newHistogram: ((highest: number) => hdr.Histogram) | null = null;

function histogramFactory(): (highest: number) => hdr.Histogram {
  try {
    const Int32 = (require('hdr-histogram-js/dist/Int32Histogram.js') as { default: Int32Histogram }).default;
    return (highest) => {
      const h = new Int32(LOWEST_US, highest, SIGNIFICANT_DIGITS);
      h.autoResize = true;
      return h;
    };
  } catch {
    // A future version may move the file: build() makes the same histogram.
    return (highest) =>
      hdrLib().build({
        bitBucketSize: 32,
        autoResize: true,
        lowestDiscernibleValue: LOWEST_US,
        highestTrackableValue: highest,
        numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
        useWebAssembly: false,
      });
  }
}

/**
 * Trends are recorded in integer microseconds: 1 µs resolution, 3 significant digits
 * (0.1% relative error), up to one hour. Values outside are clamped, never thrown on.
 */
export const LOWEST_US = 1;
export const HIGHEST_US = 3_600_000_000;
const SIGNIFICANT_DIGITS = 3;
/**
 * A histogram starts as small as HDR allows and grows to the largest value it meets (at most
 * HIGHEST_US): sized for an hour from the start, each one took 95 kB where latencies under
 * 25 ms need 26 kB, and a run keeps a few per endpoint and status. Precision is the same.
 */
const INITIAL_HIGHEST_US = 2 * LOWEST_US;

export function createHistogram(highest = INITIAL_HIGHEST_US): hdr.Histogram {
  if (newHistogram === null) newHistogram = histogramFactory();
  return newHistogram(highest);
}

/**
 * A trend's histogram in HdrHistogram's standard compressed base64 form (V2 encoding, deflated):
 * what the result document carries (`histogram`), readable by any HDR tool. The values are the
 * metric's value × 1000 as TrendHistogram records them (microseconds for a millisecond trend).
 */
export function encodeTrend(t: TrendHistogram): string {
  return encodeCanonical(t.histogram);
}

/**
 * The header of an encoded histogram holds its range, which an auto-resizing histogram grows in
 * steps that depend on the order values came in (and a decoded one to the top of its largest
 * bucket): copied into one sized to that top first, the same counts always encode to the same
 * text, so a merge of shards writes what one process writes.
 */
function encodeCanonical(h: hdr.Histogram): string {
  // The range ends at the top of the largest value's bucket: the same for a decoded copy.
  // (highestEquivalentValue is on every histogram class, not in the package's typings.)
  const top = (h as unknown as { highestEquivalentValue(v: number): number }).highestEquivalentValue(
    h.maxValue,
  );
  const copy = createHistogram(Math.max(INITIAL_HIGHEST_US, top));
  copy.add(h);
  return hdrLib().encodeIntoCompressedBase64(copy);
}

/**
 * Decodes a compressed base64 histogram into one that grows as values are added (a decoded
 * histogram keeps the range it was written with, and adding a wider one into it goes wrong).
 * Throws on a string that is not such a histogram.
 */
export function decodeHistogram(base64: string): hdr.Histogram {
  const decoded = hdrLib().decodeFromCompressedBase64(base64, 32, false);
  const out = createHistogram();
  out.add(decoded);
  return out;
}

/** Adds encoded histograms exactly (every count of every bucket) and encodes the sum. */
export function addEncodedHistograms(parts: readonly string[]): string {
  const sum = createHistogram();
  for (const p of parts) sum.add(decodeHistogram(p));
  return encodeCanonical(sum);
}
