import { median, robustSd } from './theil-sen.js';

/**
 * Sudden jumps in a resource series: a step up (a cache or pool allocated at once, one stair of a
 * staircase) or a drop (a GC returning memory). A jump is a change between neighbouring samples
 * far beyond the series' own sample-to-sample variation, so a steady leak, however fast, is a
 * ramp and not a run of steps.
 */

export interface SeriesPoint {
  /** Seconds since monitoring started. */
  t: number;
  y: number;
}

export interface Jump {
  /** Index of the sample before the jump: it lies between `index` and the next sample(s). */
  index: number;
  /** Index of the first sample after it. */
  endIndex: number;
  /** Time of the first sample after the jump. */
  atSec: number;
  /** Beyond the typical change between samples; negative for a drop. */
  size: number;
}

/** A jump must exceed the typical sample-to-sample change by this many robust deviations. */
const JUMP_SIGMAS = 8;

/** How much the series typically changes between samples, and how much that varies. */
export function diffStats(points: readonly SeriesPoint[]): { typical: number; sd: number } {
  const diffs: number[] = [];
  for (let i = 1; i < points.length; i++) diffs.push(points[i]!.y - points[i - 1]!.y);
  return { typical: median(diffs), sd: robustSd(diffs) };
}

/**
 * The jumps of a series of at least `minSize` (in its unit). A jump spread over consecutive
 * samples (an allocation that straddled a reading) counts once, with their summed size.
 */
export function findJumps(points: readonly SeriesPoint[], minSize: number): Jump[] {
  if (points.length < 3) return [];
  const { typical, sd } = diffStats(points);
  const threshold = Math.max(minSize, JUMP_SIGMAS * sd);
  const jumps: Jump[] = [];
  let i = 1;
  while (i < points.length) {
    const excess = points[i]!.y - points[i - 1]!.y - typical;
    if (Math.abs(excess) <= threshold / 2) {
      i++;
      continue;
    }
    // Gather the neighbours that moved the same way, well beyond the typical change.
    const sign = Math.sign(excess);
    let size = excess;
    let j = i + 1;
    while (j < points.length) {
      const next = points[j]!.y - points[j - 1]!.y - typical;
      if (Math.sign(next) !== sign || Math.abs(next) <= threshold / 2) break;
      size += next;
      j++;
    }
    if (Math.abs(size) >= threshold)
      jumps.push({ index: i - 1, endIndex: j - 1, atSec: points[j - 1]!.t, size });
    i = j;
  }
  return jumps;
}
