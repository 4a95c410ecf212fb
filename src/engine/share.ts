/**
 * This process's slice of the load (`--shard I/N`, or one worker of `--workers N`). Work items
 * (VU indexes, iteration numbers, arrivals) are striped: item k belongs to slice k mod count.
 * Every slice computes its part alone, and the slices add up to the whole exactly (k6's
 * execution segments, with equal segments).
 */
export interface Share {
  /** 0-based slice number. */
  index: number;
  /** How many slices there are (at least 1). */
  count: number;
}

/** True when work item k (0-based) is this slice's. */
export function isMine(k: number, share: Share | undefined): boolean {
  return share === undefined || k % share.count === share.index;
}

/** How many of the items 0..n-1 are this slice's. Sums to n over all slices. */
export function scaleCount(n: number, share: Share | undefined): number {
  if (share === undefined || share.count <= 1) return n;
  if (n <= share.index) return 0;
  return Math.ceil((n - share.index) / share.count);
}

/** The slice's part of a rate or other continuous amount. */
export function scaleAmount(x: number, share: Share | undefined): number {
  return share === undefined ? x : x / share.count;
}
