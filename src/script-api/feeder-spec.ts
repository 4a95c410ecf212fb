/** How a test file names a feeder's data (the feeder itself is src/feeders/). */

export const FEEDER_ORDERS = ['sequential', 'random', 'unique'] as const;
export type FeederOrder = (typeof FEEDER_ORDERS)[number];

export const FEEDER_FORMATS = ['csv', 'json'] as const;
export type FeederFormat = (typeof FEEDER_FORMATS)[number];

export interface FeederSpec {
  /** Relative to the test file's directory. */
  file: string;
  /** Default `sequential`. */
  order?: FeederOrder;
  /** Default: from the extension (`.csv`, `.tsv`, `.json`). */
  format?: FeederFormat;
  /** CSV only; default `,` (a tab for `.tsv`). */
  delimiter?: string;
  /** Seed of the per-VU generators of `random`; default 1, so runs repeat. */
  seed?: number;
}
