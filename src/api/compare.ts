import {
  type CompareRow,
  type Comparison,
  compareMetric,
  type Direction,
  type Statistic,
  verdictOf,
  type Window,
  worstVerdict,
} from '../analysis/compare.js';
import { SquallError } from '../errors/index.js';
import { parseMetricReading, readMetric } from '../result/metric-reading.js';
import type { BenchEntry, ResultDocument } from '../result/schema.js';

/**
 * `squall compare A B`: each metric of a baseline A against a candidate B, with the change, its
 * 95 % interval from the data (a block bootstrap over per-second windows for load runs, over
 * samples for benches) and a verdict: improved, unchanged, regressed beyond the budget, or
 * inconclusive (the interval straddles the budget). A and B's figures and the change are the
 * documents' own (exact, from the whole run's histogram); the interval is the bootstrap's,
 * centred on that change.
 */

interface Spec {
  metric: string;
  direction: Direction;
  statistic: Statistic;
  scale: 'relative' | 'absolute';
  windows: (doc: ResultDocument) => Window[];
  /**
   * A bench's figure in each process that measured it, when the interval must come from those
   * (one process's samples do not show how much the next process differs); undefined for load.
   */
  processes?: (doc: ResultDocument) => number[];
  /** A run's own figure when the metric's name does not read it from the document (a sweep level's). */
  figure?: (doc: ResultDocument) => number | null;
}

type Point = {
  rps: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  errors: number;
  requests?: number;
  mean?: number | null;
  lengthSec?: number;
};

const pick = (points: readonly Point[], f: (p: Point) => Window | null): Window[] =>
  points.map(f).filter((w): w is Window => w !== null && Number.isFinite(w.value) && w.weight > 0);

const reqs = (p: Point) => p.requests ?? p.rps * (p.lengthSec ?? 1);

/** The specs of one timeline (run-wide, or an endpoint's) under a metric key prefix. */
function loadSpecs(
  key: (metric: string) => string,
  timeline: (doc: ResultDocument) => readonly Point[],
  withMean = true,
): Spec[] {
  const latency = (field: 'p50' | 'p95' | 'p99', agg: string): Spec => ({
    metric: `${key('http_req_duration')}:${agg}`,
    direction: 'lower-is-better',
    statistic: 'median',
    scale: 'relative',
    windows: (d) =>
      pick(timeline(d), (p) => (p[field] === null ? null : { value: p[field] as number, weight: reqs(p) })),
  });
  const specs: Spec[] = [
    {
      metric: `${key('http_reqs')}:rate`,
      direction: 'higher-is-better',
      statistic: 'mean',
      scale: 'relative',
      windows: (d) => pick(timeline(d), (p) => ({ value: p.rps, weight: p.lengthSec ?? 1 })),
    },
    {
      metric: `${key('http_req_failed')}:rate`,
      direction: 'lower-is-better',
      statistic: 'mean',
      scale: 'absolute',
      windows: (d) =>
        pick(timeline(d), (p) => (reqs(p) > 0 ? { value: p.errors / reqs(p), weight: reqs(p) } : null)),
    },
    {
      metric: `${key('http_req_duration')}:avg`,
      direction: 'lower-is-better',
      statistic: 'mean',
      scale: 'relative',
      windows: (d) =>
        pick(timeline(d), (p) => (typeof p.mean === 'number' ? { value: p.mean, weight: reqs(p) } : null)),
    },
    latency('p50', 'med'),
    latency('p95', 'p(95)'),
    latency('p99', 'p(99)'),
  ];
  // An endpoint's per-second points carry no mean: its mean has no windows to resample.
  return withMean ? specs : specs.filter((x) => !x.metric.endsWith(':avg'));
}

function benchSpecs(b: BenchEntry): Spec[] {
  const name = b.group === null ? b.name : `${b.group} › ${b.name}`;
  const entry = (d: ResultDocument) => d.bench?.benches.find((x) => x.name === b.name && x.group === b.group);
  const samples = (d: ResultDocument) => (entry(d)?.samples ?? []).map((value) => ({ value, weight: 1 }));
  return (['avg', 'med'] as const).map((agg) => ({
    metric: `${name}:${agg}`,
    direction: 'lower-is-better' as const,
    statistic: agg === 'avg' ? ('mean' as const) : ('median' as const),
    scale: 'relative' as const,
    windows: samples,
    processes: (d: ResultDocument) => processFigures(entry(d), agg),
  }));
}

/** A bench's mean or median in each of its processes; a document without `forks` ran one. */
function processFigures(e: BenchEntry | undefined, agg: 'avg' | 'med'): number[] {
  if (!e) return [];
  const pick = (f: { mean: number; median: number }) => (agg === 'avg' ? f.mean : f.median);
  if (Array.isArray(e.forks) && e.forks.length > 0) return e.forks.map(pick).filter(Number.isFinite);
  return e.stats ? [pick(e.stats)] : [];
}

/** The fewest processes any bench of a side ran in: how a bench comparison's intervals are made. */
function benchProcesses(docs: readonly ResultDocument[]): number {
  const names = new Set(
    docs.flatMap((d) => (d.bench?.benches ?? []).map((x) => `${x.group}\u0000${x.name}`)),
  );
  let fewest = Number.POSITIVE_INFINITY;
  for (const key of names) {
    const n = docs.reduce((sum, d) => {
      const e = d.bench?.benches.find((x) => `${x.group}\u0000${x.name}` === key);
      return sum + processFigures(e, 'avg').length;
    }, 0);
    fewest = Math.min(fewest, n);
  }
  return Number.isFinite(fewest) ? fewest : 0;
}

type Level = NonNullable<ResultDocument['sweep']>['levels'][number];

/**
 * A sweep's rows: each level both sweeps measured, its throughput, error rate and latency
 * (`http_req_duration{level:8}:p(95)`), its interval from the level's own seconds.
 */
function sweepSpecs(a: ResultDocument, b: ResultDocument): Spec[] {
  const levelIn = (d: ResultDocument, n: number): Level | undefined =>
    d.sweep?.levels.find((l) => l.level === n);
  const common = (a.sweep?.levels ?? []).map((l) => l.level).filter((n) => levelIn(b, n) !== undefined);
  const figures: Record<string, (l: Level) => number | null> = {
    'http_reqs:rate': (l) => l.rps,
    'http_req_failed:rate': (l) => (l.requests > 0 ? l.errorRate : null),
    'http_req_duration:avg': (l) => l.latency.mean,
    'http_req_duration:med': (l) => l.latency.p50,
    'http_req_duration:p(95)': (l) => l.latency.p95,
    'http_req_duration:p(99)': (l) => l.latency.p99,
  };
  return common.flatMap((n) =>
    loadSpecs(
      (m) => `${m}{level:${n}}`,
      (d) => (levelIn(d, n)?.timeline ?? []) as unknown as Point[],
    ).map((spec) => {
      const read = figures[untagged(spec.metric)];
      return read === undefined
        ? spec
        : { ...spec, figure: (d: ResultDocument) => readLevel(levelIn(d, n), read) };
    }),
  );
}

function readLevel(l: Level | undefined, read: (l: Level) => number | null): number | null {
  const v = l === undefined ? null : read(l);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function specsOf(a: ResultDocument, b: ResultDocument): Spec[] {
  if (a.kind === 'sweep') return sweepSpecs(a, b);
  if (a.kind === 'bench') {
    const names = new Set((b.bench?.benches ?? []).map((x) => `${x.group}\u0000${x.name}`));
    return (a.bench?.benches ?? []).filter((x) => names.has(`${x.group}\u0000${x.name}`)).flatMap(benchSpecs);
  }
  const runWide = loadSpecs(
    (m) => m,
    (d) => (d.timeline ?? []) as unknown as Point[],
  );
  // One endpoint on both sides is the run itself (quick's): its rows would repeat the run's.
  const single = (a.endpoints ?? []).length === 1 && (b.endpoints ?? []).length === 1;
  const endpoints = (single ? [] : (a.endpoints ?? []))
    .filter(
      (e) =>
        Array.isArray(e.timeline) &&
        (b.endpoints ?? []).some((x) => x.name === e.name && x.method === e.method),
    )
    .flatMap((e) =>
      loadSpecs(
        (m) => `${m}{name:${e.name}}`,
        (d) =>
          ((d.endpoints ?? []).find((x) => x.name === e.name && x.method === e.method)?.timeline ??
            []) as unknown as Point[],
        false,
      ),
    );
  return [...runWide, ...endpoints];
}

/** What a result is, for comparing: `bench`, `monitor`, `sweep`, or `load` (quick and run). */
export function kindOf(d: ResultDocument): string {
  return d.kind === 'bench' || d.kind === 'monitor' || d.kind === 'sweep' ? d.kind : 'load';
}

/** One side of a comparison: one run, or several runs of the same test. */
export interface Side {
  docs: readonly ResultDocument[];
  label: string;
}

export interface CompareOptions {
  /** How much worse B may be before it is a regression (0.10 = 10 %); error rates: points. */
  budget: number;
  /** Changes under this are unchanged whatever their interval (default 0.02). */
  noise: number;
  /** Only these metrics (as --metric names them); default all. */
  metrics?: string[];
  /**
   * Per-metric budgets (`http_req_duration:p(95)` → 0.1), which win over `budget`; an untagged
   * key also covers each endpoint's row. Default: the candidate's test file's `regressions:`.
   */
  budgets?: Readonly<Record<string, number>>;
}

/** A test file's `regressions:` as its run's document keeps them (config.regressions). */
export function budgetsOf(doc: ResultDocument): Record<string, number> {
  const r = doc.config?.regressions;
  if (r === null || typeof r !== 'object') return {};
  return Object.fromEntries(
    Object.entries(r as Record<string, unknown>).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] >= 0,
    ),
  );
}

function sideKind(s: Side): string {
  if (s.docs.length === 0) throw new RangeError(`side ${s.label} has no runs`);
  const kinds = new Set(s.docs.map(kindOf));
  if (kinds.size > 1)
    throw new SquallError(
      'SQ_COMPARE_MISMATCH',
      `${s.label} mixes results of kinds ${[...kinds].join(' and ')}`,
      {
        hint: 'the runs of one side must be runs of the same test',
      },
    );
  return kindOf(s.docs[0]!);
}

/**
 * Compares a baseline A with a candidate B, each one run or several runs of a test; results of
 * different kinds are bad input (exit 2). With one run on a side, its per-second windows (a
 * bench's samples) are resampled; with several runs on both sides, the runs themselves are, so
 * that what differs between runs (a process's start, a machine's state) is in the interval.
 */
export function compareDocuments(a: Side, b: Side, o: CompareOptions): Comparison {
  const [ka, kb] = [sideKind(a), sideKind(b)];
  if (ka !== kb) {
    throw new SquallError(
      'SQ_COMPARE_MISMATCH',
      `cannot compare ${a.label} (a ${ka} result) with ${b.label} (a ${kb} result)`,
      {
        hint: 'compare two load runs, or two bench runs',
      },
    );
  }
  if (ka === 'monitor')
    throw new SquallError(
      'SQ_COMPARE_MISMATCH',
      `${a.label} and ${b.label} are monitor results, which have no load to compare`,
    );
  if (ka === 'sweep') sameSweepShape(a, b);
  let specs = specsOf(a.docs[0]!, b.docs[0]!);
  if (o.metrics && o.metrics.length > 0) {
    const wanted = new Set(o.metrics.map((m) => parseMetricReading(m).text));
    const unknown = [...wanted].filter((m) => !specs.some((s) => s.metric === m));
    if (unknown.length > 0) {
      throw new SquallError(
        'SQ_USAGE_BAD_FLAG',
        `--metric ${unknown.map((m) => `'${m}'`).join(', ')} is not a metric both results have`,
        {
          where: { flag: '--metric' },
          hint: `compared metrics: ${specs
            .map((s) => s.metric)
            .slice(0, 12)
            .join(', ')}${specs.length > 12 ? ', …' : ''}`,
        },
      );
    }
    specs = specs.filter((s) => wanted.has(s.metric));
  }
  const budgets = o.budgets ?? budgetsOf(b.docs[b.docs.length - 1]!);
  const budgetOf = (metric: string) => budgets[metric] ?? budgets[untagged(metric)] ?? o.budget;
  const rows = specs.map((s) => row(s, a.docs, b.docs, { ...o, budget: budgetOf(s.metric) }));
  return {
    a: a.label,
    b: b.label,
    kind: ka,
    runsA: a.docs.length,
    runsB: b.docs.length,
    ...(ka === 'bench' ? { processesA: benchProcesses(a.docs), processesB: benchProcesses(b.docs) } : {}),
    budget: o.budget,
    noise: o.noise,
    rows,
    verdict: worstVerdict(rows.map((r) => r.verdict)),
  };
}

/** Two sweeps compare level by level: the same mode, and at least one level in common. */
function sameSweepShape(a: Side, b: Side): void {
  const docs = [...a.docs, ...b.docs];
  const modes = new Set(docs.map((d) => d.sweep?.mode));
  if (modes.size > 1)
    throw new SquallError(
      'SQ_COMPARE_MISMATCH',
      `cannot compare a sweep of concurrency levels with a sweep of arrival rates (${a.label}, ${b.label})`,
      { hint: 'compare two sweeps run with the same --rate setting' },
    );
  const levels = (d: ResultDocument) => new Set((d.sweep?.levels ?? []).map((l) => l.level));
  const shared = [...levels(docs[0]!)].filter((n) => docs.every((d) => levels(d).has(n)));
  if (shared.length === 0)
    throw new SquallError('SQ_COMPARE_MISMATCH', `${a.label} and ${b.label} measured no level in common`, {
      hint: `levels: ${docs.map((d) => [...levels(d)].join(', ') || 'none').join(' against ')}`,
    });
}

/** `http_req_duration{name:GET /x}:p(95)` → `http_req_duration:p(95)`. */
function untagged(metric: string): string {
  return metric.replace(/\{.*\}(?=:[^:]*$)/, '');
}

const MIN_WINDOWS = 3;

/** The mean of each run's own figure: a side's figure; null when a run lacks it. */
function sideFigure(
  docs: readonly ResultDocument[],
  figure: (d: ResultDocument) => number | null,
): number | null {
  let sum = 0;
  for (const d of docs) {
    const v = figure(d);
    if (v === null) return null;
    sum += v;
  }
  return sum / docs.length;
}

function row(
  s: Spec,
  A: readonly ResultDocument[],
  B: readonly ResultDocument[],
  o: { budget: number; noise: number },
): CompareRow {
  const reading = parseMetricReading(s.metric);
  const figure = s.figure ?? ((d: ResultDocument) => readMetric(d, reading));
  const a = sideFigure(A, figure);
  const b = sideFigure(B, figure);
  const rules = { direction: s.direction, budget: o.budget, noise: o.noise };
  const base = { metric: s.metric, direction: s.direction, a, b, scale: s.scale, budget: o.budget };
  const exact = a === null || b === null ? null : s.scale === 'absolute' ? b - a : a === 0 ? null : b / a - 1;
  const processes = s.processes;
  const one = (v: number): Window => ({ value: v, weight: 1 });
  // A bench: each process's figure is one observation, over every run of the side. A load run:
  // with several runs on both sides, each run's figure; else a side's seconds, pooled.
  const windowsOf = (docs: readonly ResultDocument[]): Window[] =>
    processes
      ? docs.flatMap((d) => processes(d).map(one))
      : A.length >= 2 && B.length >= 2
        ? docs.map((d) => one(figure(d) ?? Number.NaN))
        : docs.flatMap((d) => s.windows(d));
  const wa = windowsOf(A);
  const wb = windowsOf(B);
  const overRuns = processes ? wa.length >= 2 && wb.length >= 2 : A.length >= 2 && B.length >= 2;
  // Fewer windows than this (seconds of a run) leave no spread to go by; a bench in one process
  // on a side has no spread between processes, which dwarfs the spread of its samples.
  if (
    exact === null ||
    (!overRuns && (processes !== undefined || wa.length < MIN_WINDOWS || wb.length < MIN_WINDOWS))
  ) {
    return { ...base, change: exact, low: null, high: null, verdict: 'inconclusive', runsNeeded: null };
  }
  const boot = compareMetric(wa, wb, {
    ...rules,
    statistic: overRuns ? 'mean' : s.statistic,
    scale: s.scale,
    resampling: overRuns ? 'values' : 'blocks',
  });
  // The bootstrap's interval, moved onto the documents' own change: by the same factor for a
  // relative change (B/A scales), by the same offset for an absolute one.
  const move =
    s.scale === 'absolute'
      ? (v: number) => exact + (v - boot.change)
      : (v: number) => ((1 + exact) * (1 + v)) / (1 + boot.change) - 1;
  const low = move(boot.low);
  const high = move(boot.high);
  // runsNeeded counts runs per side: over runs, the fewer side's; over one run's seconds, one.
  const j = verdictOf(exact, low, high, rules, overRuns ? Math.min(wa.length, wb.length) : 1);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    ...base,
    change: exact,
    low: finite(low),
    high: finite(high),
    verdict: j.verdict,
    runsNeeded: j.runsNeeded,
  };
}
