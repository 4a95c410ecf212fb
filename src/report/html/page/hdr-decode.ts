/**
 * Reads a trend's histogram from the result document (HdrHistogram's V2 compressed base64 form,
 * as hdr-histogram-js `encodeIntoCompressedBase64` and every other HDR tool write it) and answers
 * percentile queries exactly as HdrHistogram does.
 *
 * Why not hdr-histogram-js in the page: its bundle is ~137 kB (WebAssembly and pako included) and
 * it probes for Node's zlib with `eval`, which the report's Content-Security-Policy forbids. The
 * format is small: zlib-deflated ZigZag LEB128 counts, inflated here by the browser's own
 * DecompressionStream. The test beside this file checks it against hdr-histogram-js.
 */

export interface DecodedHistogram {
  totalCount: number;
  /** Lowest and highest recorded values, at the histogram's resolution. */
  min: number;
  max: number;
  /** The value at a percentile (0–100), HdrHistogram's `getValueAtPercentile`. */
  valueAtPercentile(percentile: number): number;
}

const V2_COMPRESSED = 0x1c849304;
const V2_UNCOMPRESSED = 0x1c849303;
const HEADER_BYTES = 40;

export async function decodeHistogram(base64: string): Promise<DecodedHistogram> {
  const bytes = fromBase64(base64.trim());
  const outer = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if ((outer.getInt32(0) & ~0xf0) !== V2_COMPRESSED)
    throw new Error('not an HdrHistogram V2 compressed histogram');
  const length = outer.getInt32(4);
  const raw = await inflate(bytes.subarray(8, 8 + length));
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if ((v.getInt32(0) & ~0xf0) !== V2_UNCOMPRESSED) throw new Error('not an HdrHistogram V2 histogram');
  const payload = v.getInt32(4);
  const digits = v.getInt32(12);
  const lowest = int64(v, 16);
  return fromCounts(readCounts(raw, HEADER_BYTES, HEADER_BYTES + payload), digits, lowest);
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  // 'deflate' is the zlib-wrapped format HdrHistogram writes.
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function int64(v: DataView, at: number): number {
  return v.getUint32(at) * 2 ** 32 + v.getUint32(at + 4);
}

/** ZigZag LEB128-64b9B words: a positive word is a count, a negative one a run of empty counts. */
function readCounts(raw: Uint8Array, from: number, to: number): number[] {
  const counts: number[] = [];
  let pos = from;
  while (pos < to) {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 9; i++) {
      const b = raw[pos++] ?? 0;
      // The ninth byte carries eight bits, not seven.
      if (i === 8) {
        value += b * scale;
        break;
      }
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
    }
    const word = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (word < 0) for (let z = 0; z < -word; z++) counts.push(0);
    else counts.push(word);
  }
  return counts;
}

/** HdrHistogram's bucket layout, from its significant digits and lowest discernible value. */
export function fromCounts(counts: number[], digits: number, lowestDiscernible: number): DecodedHistogram {
  const unitMagnitude = Math.floor(Math.log2(Math.max(1, lowestDiscernible)));
  const subBucketCountMagnitude = Math.ceil(Math.log2(2 * 10 ** digits));
  const halfMagnitude = Math.max(subBucketCountMagnitude, 1) - 1;
  const half = 2 ** halfMagnitude;
  const lowestAt = (i: number) => {
    let bucket = Math.floor(i / half) - 1;
    let sub = (i % half) + half;
    if (bucket < 0) {
      sub -= half;
      bucket = 0;
    }
    return { value: sub * 2 ** (bucket + unitMagnitude), size: 2 ** (bucket + unitMagnitude) };
  };
  const highestAt = (i: number) => {
    const b = lowestAt(i);
    return b.value + b.size - 1;
  };
  const totalCount = counts.reduce((a, b) => a + b, 0);
  const first = counts.findIndex((c) => c > 0);
  let last = -1;
  for (let i = counts.length - 1; i >= 0; i--) {
    if ((counts[i] ?? 0) > 0) {
      last = i;
      break;
    }
  }
  return {
    totalCount,
    min: first < 0 ? 0 : lowestAt(first).value,
    max: last < 0 ? 0 : highestAt(last),
    valueAtPercentile(percentile) {
      const fp = (Math.min(percentile, 100) / 100) * totalCount;
      // As HdrHistogram: round up, but not past a count the floating-point product overshot by 1 ulp.
      const ulp = fp > 0 ? 2 ** (Math.floor(Math.log2(fp)) - 52) : 0;
      const wanted = Math.max(Math.ceil(fp - ulp), 1);
      let seen = 0;
      for (let i = 0; i < counts.length; i++) {
        seen += counts[i] ?? 0;
        if (seen >= wanted) return percentile === 0 ? lowestAt(i).value : highestAt(i);
      }
      return 0;
    },
  };
}
