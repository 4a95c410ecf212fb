const BLOCKS = '▁▂▃▄▅▆▇█';

export interface SparklineOptions {
  /** What a value of 0 (or less) shows: a blank by default, so a stall stands out. */
  empty?: string;
  /** Scale from the smallest value instead of 0, for figures that move within a narrow band (a latency across runs). */
  fromMin?: boolean;
}

/** Values as one line of block characters, the largest the full block; any value above 0 shows. */
export function sparkline(values: readonly number[], o: SparklineOptions = {}): string {
  const finite = values.filter(Number.isFinite);
  const max = Math.max(0, ...finite);
  const min = o.fromMin ? Math.min(...finite) : 0;
  const span = max - min;
  return values
    .map((v) => {
      if (!Number.isFinite(v) || (!o.fromMin && v <= 0) || max === 0) return o.empty ?? ' ';
      if (span <= 0) return BLOCKS[3]!;
      return BLOCKS[Math.min(7, Math.max(0, Math.round(((v - min) / span) * 7)))]!;
    })
    .join('');
}
