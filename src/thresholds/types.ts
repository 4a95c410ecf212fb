/** A threshold's verdict, as the result document carries it (`thresholds[]`). */
export interface ThresholdResult {
  metric: string;
  expr: string;
  ok: boolean;
  actual: number | null;
  /**
   * Schema 2: what the expression reads of its metric, as written in k6's syntax: `p(95)`, `avg`,
   * `min`, `max`, `med`, `count`, `rate`, `value`.
   */
  aggregation?: string;
  /**
   * Added fields of the abortOnFail threshold that stopped the run (it is `ok: false` whatever
   * `actual`, the final value, says): seconds since the load started when it was seen crossed,
   * and its value then.
   */
  abortedAtSec?: number;
  actualAtAbort?: number;
}
