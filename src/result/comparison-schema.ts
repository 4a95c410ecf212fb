/**
 * The `comparison` section of a result document: the run judged against a baseline
 * (`--baseline NAME` on quick, run and bench), as `squall compare` prints it with `--json`.
 * docs/result-schema.md "Comparison".
 */

export type Direction = 'lower-is-better' | 'higher-is-better';
export type Verdict = 'improved' | 'unchanged' | 'regressed' | 'inconclusive';

/** One metric compared. */
export interface CompareRow {
  /** As `--metric` names it: `http_req_duration:p(95)`, `http_req_duration{name:GET /x}:p(95)`, `warm:med`. */
  metric: string;
  direction: Direction;
  a: number | null;
  b: number | null;
  /** b/a − 1 (an error rate: b − a, in points). */
  change: number | null;
  scale: 'relative' | 'absolute';
  low: number | null;
  high: number | null;
  /** This metric's budget: the test file's `regressions:` entry for it, else --max-regression. */
  budget: number;
  verdict: Verdict;
  runsNeeded: number | null;
}

export interface Comparison {
  /** The baseline, and the candidate: labels such as `baseline main (run 12)`, `run 15`, a file. */
  a: string;
  b: string;
  kind: string;
  /** How many runs each side holds; with two or more on both, the intervals come from the runs. */
  runsA: number;
  runsB: number;
  /**
   * Benches: the fewest processes a bench of each side ran in (`bench --forks`, over all its
   * runs). Their intervals come from the processes' figures; with one on a side, a bench's
   * change beyond the noise is inconclusive.
   */
  processesA?: number;
  processesB?: number;
  /** The budget of metrics the test file gives none (--max-regression). */
  budget: number;
  noise: number;
  rows: CompareRow[];
  /** The worst verdict of the rows: 'regressed' is exit 99. */
  verdict: Verdict;
}
