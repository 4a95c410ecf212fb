import type { TimelinePoint } from '../result/schema.js';

/**
 * How long a service takes to recover from a spike: the seconds from the end of the spike until
 * the per-second p95 is back within the band it kept before the spike, and stays there.
 *
 * - The band is the pre-spike seconds' p95 mean + 2 standard deviations, and never tighter than
 *   mean + 10% (a flat or nearly flat baseline would otherwise make noise look like trouble).
 * - Back means `RECOVERY_STREAK` seconds in a row within the band (fewer when the run ends
 *   first), so one lucky second does not count. Seconds without requests tell nothing and are
 *   skipped.
 * - The result counts from the spike's end to the start of the first second of that streak: 0
 *   when the first second after the spike is already fine.
 *
 * Null when there is no pre-spike data, no data after the spike, or p95 never comes back.
 */

export const RECOVERY_STREAK = 3;
/** The band is at least this much above the pre-spike mean. */
export const MIN_BAND_RATIO = 1.1;

interface Bucket {
  start: number;
  point: TimelinePoint;
}

/** The timeline as buckets with their start (`t` is each bucket's end). */
function buckets(timeline: readonly TimelinePoint[]): Bucket[] {
  const out: Bucket[] = [];
  let prev = 0;
  for (const point of timeline) {
    out.push({ start: out.length === 0 ? Math.max(0, point.t - 1) : prev, point });
    prev = point.t;
  }
  return out;
}

/** The upper bound of the pre-spike p95 band; null without pre-spike data. */
export function preSpikeBand(timeline: readonly TimelinePoint[], spikeStartSec: number): number | null {
  const before: number[] = [];
  for (const point of timeline) {
    if (point.t <= spikeStartSec + 1e-9 && point.rps > 0 && point.p95 !== null) before.push(point.p95);
  }
  if (before.length === 0) return null;
  const mean = before.reduce((a, b) => a + b, 0) / before.length;
  const variance = before.reduce((a, b) => a + (b - mean) ** 2, 0) / before.length;
  return Math.max(mean + 2 * Math.sqrt(variance), mean * MIN_BAND_RATIO);
}

export function spikeRecoverySec(
  timeline: readonly TimelinePoint[],
  spikeStartSec: number,
  spikeEndSec: number,
): number | null {
  const band = preSpikeBand(timeline, spikeStartSec);
  if (band === null) return null;
  const after = buckets(timeline).filter((b) => b.start >= spikeEndSec - 1e-9 && b.point.rps > 0);
  for (let i = 0; i < after.length; i++) {
    let ok = true;
    for (let j = i; j < Math.min(after.length, i + RECOVERY_STREAK); j++) {
      // A second without a response (p95 null) has not recovered.
      const p95 = after[j]!.point.p95;
      if (p95 === null || p95 > band) {
        ok = false;
        break;
      }
    }
    if (ok) return Math.round(Math.max(0, after[i]!.start - spikeEndSec) * 1000) / 1000;
  }
  return null;
}
