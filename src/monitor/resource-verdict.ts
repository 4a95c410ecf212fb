import { round } from '../util/units.js';
import { findJumps, type Jump, type SeriesPoint } from './jumps.js';
import { median, type Point, type SlopeEstimate, theilSen } from './theil-sen.js';
import type { MonitorShape, MonitorStep, MonitorVerdict, ResourceVerdict } from './types.js';
import { findWarmup } from './warmup.js';

/**
 * The leak test of one resource (memory, descriptors or threads), the same for each:
 *
 * 1. Warm-up: given, or found from the data (warmup.ts); the rest is judged.
 * 2. Jumps (jumps.ts): two or more drops make a GC-like sawtooth, judged over whole cycles only
 *    (from the first drop to the last); one jump up is a step, judged with the step taken out;
 *    repeated jumps up are a staircase, judged as they are.
 * 3. Trend: the Theil–Sen slope with an interval widened for autocorrelation. A leak is growth
 *    whose interval stays above zero, that is not slowing down (the last third grows at least
 *    half as fast as the whole), and that is material: over the budget per hour, and more than
 *    the smallest growth worth a word over the judged time. Healthy is growth confidently under
 *    the budget, or growth that slowed and whose last third holds zero ("settled").
 * 4. Memory under load: RSS is fitted against the request count too; when that explains the
 *    growth better than time, the leak is per request and projected at the tested rate.
 */

export interface ResourceSpec {
  unit: ResourceVerdict['unit'];
  /** What the sentence calls it: "memory", "open file descriptors", "threads". */
  name: string;
  /** Growth per hour below which a trend is not material. */
  budgetPerHour: number;
  /** Smallest jump counted as a step or a drop. */
  minJump: number;
  /** Smallest growth over the judged part worth calling a leak (and a warm-up). */
  minGrowth: number;
  /** The likely cause, said after a leak. */
  hint?: string;
  /** The name is plural ("threads grow"). */
  plural?: boolean;
}

export interface ResourcePoint extends SeriesPoint {
  /** Requests answered so far, when a load ran. */
  reqs?: number;
}

export interface JudgeOptions {
  /** --monitor-warmup: samples before this are left out; otherwise the warm-up is found. */
  warmupSec?: number;
}

/** Fewer samples than this after the warm-up say nothing reliable about a trend. */
export const MIN_JUDGED_SAMPLES = 6;
/** Not slowing down: the last third grows at least this share as fast as the whole. */
export const SLOWING_SHARE = 0.5;
/** The request count must leave residuals this much smaller than time to explain the growth. */
const PER_REQUEST_BETTER = 0.8;
/** No estimate of more minutes beyond a day: at that point the budget is the question. */
const MAX_MORE_MINUTES = 24 * 60;
const KIB_PER_MIB = 1024;

interface Trend {
  fit: SlopeEstimate;
  tail: SlopeEstimate | undefined;
  /** Multiplies a slope into growth per hour. */
  perHour: number;
  verdict: MonitorVerdict;
  settled: boolean | null;
  slowing: boolean;
  /** Minutes the judged points span. */
  spanMin: number;
  moreMinutes: number | null;
}

const num = (v: number, unit: ResourceVerdict['unit']) => {
  const a = Math.abs(v);
  const digits = unit === 'MiB' ? (a >= 100 ? 0 : 1) : a >= 10 ? 0 : 1;
  return v.toFixed(digits).replace(/^-0(\.0+)?$/, '0$1');
};
const signed = (v: number, unit: ResourceVerdict['unit']) => `${v > 0 ? '+' : ''}${num(v, unit)}`;
const unitText = (unit: ResourceVerdict['unit']) => (unit === 'MiB' ? ' MiB' : ` ${unit}`);
const amount = (v: number, unit: ResourceVerdict['unit']) => `${signed(v, unit)}${unitText(unit)}`;
const rate = (v: number, unit: ResourceVerdict['unit'], per: string) =>
  `${num(v, unit)}${unitText(unit)}/${per}`;
const secs = (s: number) => `${Math.round(s)} s`;

/** The points' span in minutes. */
const spanMinutes = (pts: readonly ResourcePoint[]) =>
  pts.length > 1 ? (pts[pts.length - 1]!.t - pts[0]!.t) / 60 : 0;

/**
 * Minutes more a run would need for the interval to exclude the nearer decision boundary, from
 * how its half-width shrinks with the span (as span^-3/2 for a trend). Null when the slope sits
 * on the boundary or a day would not do.
 */
function moreMinutesFor(t: Pick<Trend, 'fit' | 'perHour' | 'spanMin'>, budgetPerHour: number): number | null {
  const half = ((t.fit.high - t.fit.low) / 2) * t.perHour;
  const growth = t.fit.slope * t.perHour;
  const needed = growth >= budgetPerHour ? growth : budgetPerHour - growth;
  if (!(half > 0) || !(needed > 0) || t.spanMin <= 0) return null;
  const total = t.spanMin * (half / needed) ** (2 / 3);
  const more = Math.ceil(total - t.spanMin);
  return more > MAX_MORE_MINUTES ? null : Math.max(1, more);
}

/** The trend test on points whose x is minutes or requests; `perHour` turns a slope per x into per hour. */
function trendOf(
  pts: readonly ResourcePoint[],
  xy: readonly Point[],
  perHour: number,
  spec: ResourceSpec,
): Trend | undefined {
  const fit = theilSen(xy, { correlated: true });
  if (!fit) return undefined;
  const tailPts = xy.slice(Math.floor((xy.length * 2) / 3));
  const tail = tailPts.length >= 4 ? theilSen(tailPts, { correlated: true }) : undefined;
  const spanMin = spanMinutes(pts);
  const ys = pts.map((p) => p.y);
  const range = Math.max(...ys) - Math.min(...ys);
  const xSpan = xy[xy.length - 1]!.x - xy[0]!.x;
  const growthPerHour = fit.slope * perHour;
  const shows = (spec.budgetPerHour * spanMin) / 60 >= spec.minGrowth;
  const material = growthPerHour > spec.budgetPerHour && fit.slope * xSpan >= spec.minGrowth;
  const settled = tail ? tail.low <= 0 : null;
  const slowing = tail ? tail.slope < SLOWING_SHARE * fit.slope : false;
  let verdict: MonitorVerdict;
  if (fit.low > 0 && material && !slowing && settled !== true) verdict = 'leak';
  // A range under the smallest growth worth a word is flat, once a growth at the budget would
  // have shown: in a short run it says nothing.
  else if (fit.high * perHour <= spec.budgetPerHour || (range < spec.minGrowth && shows)) verdict = 'healthy';
  else if (slowing && settled && tail && tail.high * perHour <= spec.budgetPerHour) verdict = 'healthy';
  else verdict = 'inconclusive';
  const trend: Trend = { fit, tail, perHour, verdict, settled, slowing, spanMin, moreMinutes: null };
  if (verdict === 'inconclusive') trend.moreMinutes = moreMinutesFor(trend, spec.budgetPerHour);
  return trend;
}

const byMinute = (pts: readonly ResourcePoint[]): Point[] => pts.map((p) => ({ x: p.t / 60, y: p.y }));

function trendByTime(pts: readonly ResourcePoint[], spec: ResourceSpec): Trend | undefined {
  return trendOf(pts, byMinute(pts), 60, spec);
}

/** Median absolute residual of a line through the points. */
function residualSize(xy: readonly Point[], fit: SlopeEstimate): number {
  return median(xy.map((p) => Math.abs(p.y - fit.slope * p.x - fit.intercept)));
}

/**
 * The trend against the request count, when every point has one, the load answered requests,
 * and the count explains the growth clearly better than time.
 */
function trendByRequests(
  pts: readonly ResourcePoint[],
  byTime: Trend,
  spec: ResourceSpec,
): { trend: Trend; reqsPerSec: number } | undefined {
  if (pts.some((p) => typeof p.reqs !== 'number')) return undefined;
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  const reqs = last.reqs! - first.reqs!;
  const seconds = last.t - first.t;
  if (reqs <= 0 || seconds <= 0 || byTime.fit.slope <= 0) return undefined;
  const xy = pts.map((p) => ({ x: p.reqs!, y: p.y }));
  const byReqs = theilSen(xy, { correlated: true });
  if (!byReqs) return undefined;
  if (residualSize(xy, byReqs) >= PER_REQUEST_BETTER * residualSize(byMinute(pts), byTime.fit))
    return undefined;
  const reqsPerSec = reqs / seconds;
  const trend = trendOf(pts, xy, reqsPerSec * 3600, spec);
  return trend ? { trend, reqsPerSec } : undefined;
}

function shapeOf(t: Trend, spec: ResourceSpec): MonitorShape {
  if (t.verdict === 'leak') return 'growing';
  if (t.fit.high * t.perHour < -spec.budgetPerHour) return 'shrinking';
  if (t.fit.low > 0 && t.slowing && t.settled) return 'settling';
  if (t.verdict === 'healthy') return 'flat';
  return t.fit.slope > 0 ? 'growing' : 'flat';
}

/** The verb for a subject: "memory grows", "threads grow". */
const verbFor = (plural: boolean, singular: string, many: string) => (plural ? many : singular);

/** "grows 5.0 MiB/min (95% CI 4.8 to 5.2)", or "is flat (0.0 fds/min, 95% CI 0.0 to 0.0)". */
function slopeText(t: Trend, unit: ResourceVerdict['unit'], plural = false): string {
  const perMin = t.perHour / 60;
  const ci = `95% CI ${num(t.fit.low * perMin, unit)} to ${num(t.fit.high * perMin, unit)}`;
  const speed = rate(Math.abs(t.fit.slope) * perMin, unit, 'min');
  if (t.fit.low <= 0 && t.fit.high >= 0 && t.verdict === 'healthy') {
    return `${verbFor(plural, 'is', 'are')} flat (${rate(t.fit.slope * perMin, unit, 'min')}, ${ci})`;
  }
  const still = num(t.fit.slope * perMin, unit).replace(/^-/, '') === num(0, unit);
  const verb = still
    ? verbFor(plural, 'changes by', 'change by')
    : t.fit.slope > 0
      ? verbFor(plural, 'grows', 'grow')
      : verbFor(plural, 'shrinks', 'shrink');
  return `${verb} ${speed} (${ci})`;
}

/** "the 32 MiB/h budget": budgets are round numbers, shown without decimals when they are. */
function budgetText(spec: ResourceSpec): string {
  const b = spec.budgetPerHour;
  return `the ${Number.isInteger(b) ? String(b) : num(b, spec.unit)}${unitText(spec.unit)}/h budget`;
}

/** The part of a sentence that says what the trend means against the budget. */
function trendClause(t: Trend, spec: ResourceSpec, plural = spec.plural === true): string {
  const u = spec.unit;
  const perHour = t.fit.slope * t.perHour;
  const budget = budgetText(spec);
  const slope = slopeText(t, u, plural);
  const is = verbFor(plural, 'is', 'are');
  const tailText = t.tail ? `${rate(t.tail.slope * (t.perHour / 60), u, 'min')} over the last third` : '';
  switch (t.verdict) {
    case 'leak':
      return `${slope} and ${is} not slowing (${tailText}): ${rate(perHour, u, 'h')}, over ${budget}`;
    case 'healthy':
      if (t.slowing && t.settled && !(t.fit.high * t.perHour <= spec.budgetPerHour)) {
        // Healthy by its end: grown and levelled off, or no growth to speak of from the start.
        return t.fit.low > 0
          ? `${slope} but levelled off (${tailText}): settled, like a cache or pool filling up`
          : `${slope}, and not growing at the end (${tailText})`;
      }
      return slope.includes(' flat ')
        ? `${slope}, within ${budget}`
        : `${slope}, within ${budget}: not a leak`;
    default: {
      const more = t.moreMinutes === null ? 'run longer' : `run about ${t.moreMinutes} min more to tell`;
      if (t.fit.low > 0 && t.settled) {
        return `${slope}, but the last third cannot be told from flat (${tailText}): it may be levelling off; ${more}`;
      }
      if (t.fit.low > 0 && t.slowing) {
        return `${slope} but ${is} slowing (${tailText}) and not settled: ${more}`;
      }
      return `${slope}: too uncertain to tell from ${budget}; ${more}`;
    }
  }
}

function stepText(j: Jump, unit: ResourceVerdict['unit']): string {
  return `${amount(j.size, unit)} at ${secs(j.atSec)}`;
}

/** The points with one jump taken out: every point after it moved back by its size. */
function withoutJump(pts: readonly ResourcePoint[], j: Jump): ResourcePoint[] {
  return pts.map((p, i) => (i >= j.endIndex ? { ...p, y: p.y - j.size } : p));
}

interface Judged {
  trend: Trend | undefined;
  shape: MonitorShape;
  sentence: string;
  cycles: number;
  perRequest: ResourceVerdict['perRequest'];
}

/** With this many drops the trend is that of the floors GC leaves (the live set), one per cycle. */
const MIN_FLOORS = 4;

/**
 * A sawtooth: the trend over whole cycles only (from the first drop to the last), so that where
 * the run happens to cut a cycle does not read as growth. With enough cycles, the trend is that of
 * the floor each drop lands on: what the collector could not free is what leaks.
 */
function judgeSawtooth(pts: readonly ResourcePoint[], drops: Jump[], spec: ResourceSpec): Judged {
  const first = drops[0]!;
  const lastDrop = drops[drops.length - 1]!;
  const cycles = drops.length;
  const u = spec.unit;
  const floors = drops.length >= MIN_FLOORS;
  const judged = floors
    ? drops.map((d) => pts[d.endIndex]!)
    : pts.slice(first.endIndex, lastDrop.endIndex + 1);
  const deepest = amount(Math.min(...drops.map((d) => d.size)), u);
  const intro = `a sawtooth of ${cycles} drops (GC-like, up to ${deepest})`;
  const trend =
    judged.length >= (floors ? MIN_FLOORS : MIN_JUDGED_SAMPLES) ? trendByTime(judged, spec) : undefined;
  const over = floors ? 'the floor after each drop' : 'whole cycles';
  return {
    trend,
    shape: 'sawtooth',
    cycles,
    perRequest: null,
    sentence: trend
      ? `${spec.name}: ${intro}; over ${over} it ${trendClause(trend, spec, false)}`
      : `${spec.name}: ${intro}, but too few samples over whole cycles to judge; run longer`,
  };
}

/** The memory verdict per request, when the request count explains the growth better than time. */
function judgeByRequests(
  pts: readonly ResourcePoint[],
  trend: Trend,
  spec: ResourceSpec,
  besides = '',
): Judged | undefined {
  if (spec.unit !== 'MiB') return undefined;
  const u = spec.unit;
  const per = trendByRequests(pts, trend, spec);
  if (!per) return undefined;
  const kib = per.trend.fit.slope * KIB_PER_MIB;
  const perHour = per.trend.fit.slope * per.trend.perHour;
  const verdict = per.trend.verdict;
  const what =
    `${spec.name} grows ≈ ${kib.toFixed(1)} KiB per request (the request count explains it better than ` +
    `time): ${rate(perHour, u, 'h')} at the tested ${per.reqsPerSec.toFixed(1)} req/s`;
  const tail =
    verdict === 'leak'
      ? `, over ${budgetText(spec)} and not slowing`
      : verdict === 'healthy'
        ? `, within ${budgetText(spec)}`
        : `; too uncertain to tell from the budget; ${per.trend.moreMinutes === null ? 'run longer' : `run about ${per.trend.moreMinutes} min more`}`;
  return {
    trend: per.trend,
    shape: verdict === 'leak' ? 'growing' : shapeOf(per.trend, spec),
    cycles: 0,
    perRequest: {
      kibPerRequest: round(kib, 2),
      reqsPerSec: round(per.reqsPerSec, 2),
      projectedPerHour: round(perHour, 2),
    },
    sentence: what + tail + besides,
  };
}

/**
 * Stairs that keep coming: the last came no later than about one usual gap before the end. A
 * staircase's last third holds few stairs, so its own interval says little either way.
 */
function stairsContinue(pts: readonly ResourcePoint[], ups: readonly Jump[]): boolean {
  const times = [pts[0]!.t, ...ups.map((j) => j.atSec)];
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const usual = median(gaps);
  return pts[pts.length - 1]!.t - ups[ups.length - 1]!.atSec <= 1.5 * usual;
}

function judgeSeries(pts: readonly ResourcePoint[], spec: ResourceSpec): Judged {
  const u = spec.unit;
  const jumps = findJumps(pts, spec.minJump);
  const drops = jumps.filter((j) => j.size < 0);
  const ups = jumps.filter((j) => j.size > 0);
  if (drops.length >= 2) return judgeSawtooth(pts, drops, spec);

  if (drops.length === 1) {
    // One drop is at most one cycle: a trend across it is only trusted when it is flat anyway.
    const trend = trendByTime(pts, spec);
    const drop = stepText(drops[0]!, u);
    if (trend?.verdict === 'healthy') {
      return {
        trend,
        shape: 'flat',
        cycles: 1,
        perRequest: null,
        sentence: `${spec.name} ${trendClause(trend, spec)} (one drop, ${drop})`,
      };
    }
    const cycle = drops[0]!.atSec - pts[0]!.t;
    const more = Math.max(1, Math.ceil((2 * cycle - (pts[pts.length - 1]!.t - pts[0]!.t)) / 60));
    if (trend) {
      trend.verdict = 'inconclusive';
      trend.moreMinutes = more;
    }
    return {
      trend,
      shape: 'sawtooth',
      cycles: 1,
      perRequest: null,
      sentence:
        `${spec.name}: one drop (${drop}), GC-like: a trend is judged over whole cycles, and that needs ` +
        `at least two drops; run about ${more} min more`,
    };
  }

  if (ups.length === 1) {
    const step = ups[0]!;
    const flattened = withoutJump(pts, step);
    const trend = trendByTime(flattened, spec);
    const text = `one step of ${stepText(step, u)}`;
    const per = trend && judgeByRequests(flattened, trend, spec, `, besides ${text}`);
    if (per) return per;
    if (!trend)
      return { trend, shape: 'step', cycles: 0, perRequest: null, sentence: `${spec.name}: ${text}` };
    if (trend.verdict === 'leak') {
      return {
        trend,
        shape: 'growing',
        cycles: 0,
        perRequest: null,
        sentence: `${spec.name} ${trendClause(trend, spec)}, besides ${text}`,
      };
    }
    const around =
      trend.verdict === 'healthy' ? 'flat before and after' : 'and around it the trend is unclear';
    const meaning =
      trend.verdict === 'healthy'
        ? ': a one-time allocation (a cache, a pool, a buffer), not a leak'
        : `: ${trendClause(trend, spec)}`;
    return {
      trend,
      shape: 'step',
      cycles: 0,
      perRequest: null,
      sentence: `${spec.name}: ${text}, ${around}${meaning}`,
    };
  }

  const trend = trendByTime(pts, spec);
  if (!trend)
    return {
      trend,
      shape: 'unknown',
      cycles: 0,
      perRequest: null,
      sentence: `${spec.name}: no trend to judge`,
    };
  if (ups.length >= 2) {
    // Under a load whose rate varied, a heap growing in steps can still be growth per request.
    const stepsText = `, besides ${ups.length} steps (${ups.map((j) => stepText(j, u)).join(', ')})`;
    const per = judgeByRequests(pts, trend, spec, stepsText);
    if (per) return per;
    const each = ups.reduce((a, j) => a + j.size, 0) / ups.length;
    const stairs = `a staircase of ${ups.length} steps (${amount(each, u)} each on average, the last at ${secs(ups[ups.length - 1]!.atSec)})`;
    const perHour = trend.fit.slope * trend.perHour;
    const material = perHour > spec.budgetPerHour && trend.fit.slope * trend.spanMin >= spec.minGrowth;
    if (trend.fit.low > 0 && material && stairsContinue(pts, ups)) {
      trend.verdict = 'leak';
      trend.settled = false;
      trend.moreMinutes = null;
      return {
        trend,
        shape: 'staircase',
        cycles: 0,
        perRequest: null,
        sentence:
          `${spec.name}: ${stairs}, and they keep coming; it ${slopeText(trend, u)}: ` +
          `${rate(perHour, u, 'h')}, over ${budgetText(spec)}`,
      };
    }
    const clause = trendClause(trend, spec, false);
    return {
      trend,
      shape: 'staircase',
      cycles: 0,
      perRequest: null,
      sentence: `${spec.name}: ${stairs}; it ${clause}`,
    };
  }

  const per = judgeByRequests(pts, trend, spec);
  if (per) return per;
  return {
    trend,
    shape: shapeOf(trend, spec),
    cycles: 0,
    perRequest: null,
    sentence: `${spec.name} ${trendClause(trend, spec)}`,
  };
}

/** The leak test of one resource's series (time in seconds since monitoring started). */
export function judgeResource(
  points: readonly ResourcePoint[],
  spec: ResourceSpec,
  opts: JudgeOptions = {},
): ResourceVerdict {
  const ys = points.map((p) => p.y);
  const base = {
    unit: spec.unit,
    start: ys.length > 0 ? ys[0]! : null,
    end: ys.length > 0 ? ys[ys.length - 1]! : null,
    peak: ys.length > 0 ? Math.max(...ys) : null,
    budgetPerHour: round(spec.budgetPerHour, 2),
  };
  let index = 0;
  let warmupSource: ResourceVerdict['warmupSource'] = 'none';
  let warmupGrowth: number | null = null;
  if (opts.warmupSec !== undefined) {
    warmupSource = 'given';
    index = points.findIndex((p) => p.t >= opts.warmupSec!);
    if (index < 0) index = points.length;
    if (index > 0 && index < points.length) warmupGrowth = points[index]!.y - points[0]!.y;
  } else {
    const found = findWarmup(points, spec.minGrowth);
    if (found) {
      warmupSource = 'found';
      index = found.index;
      warmupGrowth = found.growth;
    }
  }
  const warmupSec = opts.warmupSec ?? (index > 0 ? points[index]!.t : 0);
  const judged = points.slice(index);
  const after =
    warmupSource === 'none'
      ? ''
      : ` after the warm-up (${warmupGrowth === null ? '' : `${amount(warmupGrowth, spec.unit)} in `}the first ${secs(warmupSec)})`;
  const empty: ResourceVerdict = {
    ...base,
    verdict: 'inconclusive',
    sentence: '',
    shape: 'unknown',
    warmupSec: round(warmupSec, 3),
    warmupSource,
    warmupGrowth: warmupGrowth === null ? null : round(warmupGrowth, 2),
    slopePerMin: null,
    ciPerMin: null,
    tailSlopePerMin: null,
    tailCiPerMin: null,
    settled: null,
    projectedPerHour: null,
    steps: [],
    cycles: 0,
    effectiveSamples: null,
    moreMinutes: null,
    perRequest: null,
  };
  if (judged.length < MIN_JUDGED_SAMPLES) {
    return {
      ...empty,
      sentence:
        `${spec.name}: only ${judged.length} samples${after}, too few to judge a trend ` +
        `(at least ${MIN_JUDGED_SAMPLES} are needed): monitor for longer${warmupSource === 'given' ? ' or shorten the warm-up' : ''}`,
    };
  }
  const j = judgeSeries(judged, { ...spec, name: `${spec.name}${after}` });
  const steps: MonitorStep[] = findJumps(judged, spec.minJump).map((s) => ({
    atSec: round(s.atSec, 3),
    size: round(s.size, 2),
  }));
  const t = j.trend;
  // The figures are per minute of time even when the request count decided (the trend's x).
  const perMin = t ? t.perHour / 60 : 1;
  const r2 = (v: number) => round(v, 2);
  return {
    ...empty,
    verdict: t ? t.verdict : 'inconclusive',
    sentence: t?.verdict === 'leak' && spec.hint ? `${j.sentence}: ${spec.hint}` : j.sentence,
    shape: j.shape,
    slopePerMin: t ? r2(t.fit.slope * perMin) : null,
    ciPerMin: t ? [r2(t.fit.low * perMin), r2(t.fit.high * perMin)] : null,
    tailSlopePerMin: t?.tail ? r2(t.tail.slope * perMin) : null,
    tailCiPerMin: t?.tail ? [r2(t.tail.low * perMin), r2(t.tail.high * perMin)] : null,
    settled: t ? t.settled : null,
    projectedPerHour: t ? r2(t.fit.slope * t.perHour) : null,
    steps,
    cycles: j.cycles,
    effectiveSamples: t ? round(t.fit.effectiveN, 1) : null,
    moreMinutes: t && t.verdict === 'inconclusive' ? t.moreMinutes : null,
    perRequest: j.perRequest,
  };
}
