import { Rng } from '../util/rng.js';
import { percentileInterval } from './bootstrap.js';

/**
 * Gunther's Universal Scalability Law, X(N) = λN / (1 + σ(N−1) + κN(N−1)): throughput X at
 * concurrency N from the throughput of one (λ), contention (σ: the share that is serialised) and
 * coherency (κ: the cost of keeping N parties in step, which makes throughput fall past a peak).
 */

export interface UslParams {
  lambda: number;
  sigma: number;
  kappa: number;
}

export interface UslPoint {
  n: number;
  /** Throughput at n, per second. */
  x: number;
}

/** A 95 % interval, or nulls when it could not be made (too few levels). */
export interface Interval {
  low: number | null;
  high: number | null;
}

export interface UslFit extends UslParams {
  /** 1 − SS_res / SS_tot of the throughput; 1 when the points are all equal and fitted exactly. */
  r2: number;
  /** Concurrency of peak throughput, √((1−σ)/κ) (at least 1); null when κ = 0 (throughput only levels off). */
  peakN: number | null;
  /** X(peakN); with κ = 0 the ceiling λ/σ it approaches (null when σ = 0 too: linear). */
  peakX: number | null;
  intervals: { lambda: Interval; sigma: Interval; kappa: Interval; peakN: Interval; peakX: Interval };
}

export function uslThroughput(p: UslParams, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

/** λ by least squares for given σ and κ (X is linear in λ), and the residual sum of squares. */
function profile(points: readonly UslPoint[], sigma: number, kappa: number): { lambda: number; sse: number } {
  let xg = 0;
  let gg = 0;
  for (const p of points) {
    const g = p.n / (1 + sigma * (p.n - 1) + kappa * p.n * (p.n - 1));
    xg += p.x * g;
    gg += g * g;
  }
  const lambda = gg > 0 ? xg / gg : 0;
  let sse = 0;
  for (const p of points) {
    const r = p.x - (lambda * p.n) / (1 + sigma * (p.n - 1) + kappa * p.n * (p.n - 1));
    sse += r * r;
  }
  return { lambda, sse };
}

const clampSigma = (s: number) => Math.min(1, Math.max(0, s));

/**
 * The least-squares (σ, κ), λ profiled out: a grid over σ ∈ [0, 1] and κ on a log scale (and 0)
 * finds the basin, then Nelder–Mead on (σ, log κ) polishes it. The grid makes the fit
 * deterministic and immune to the flat valleys a plain Gauss–Newton start falls into.
 */
function fitParams(points: readonly UslPoint[], start?: UslParams): UslParams {
  const maxN = Math.max(...points.map((p) => p.n));
  // κ beyond 1/maxN² already bends every measured level; below 1e-9 it bends none.
  const kMin = 1e-9;
  const kMax = Math.max(1, 10 / (maxN * maxN));
  let best = { sigma: 0, kappa: 0, sse: Number.POSITIVE_INFINITY };
  const tryAt = (sigma: number, kappa: number) => {
    const { sse } = profile(points, sigma, kappa);
    if (sse < best.sse) best = { sigma, kappa, sse };
  };
  if (start) tryAt(start.sigma, start.kappa);
  else {
    const steps = 60;
    for (let i = 0; i <= steps; i++) {
      const sigma = i / steps;
      tryAt(sigma, 0);
      for (let j = 0; j <= steps; j++) tryAt(sigma, kMin * (kMax / kMin) ** (j / steps));
    }
  }
  // Nelder–Mead over (σ, log10 κ); κ = 0 is kept when it wins outright.
  const f = (v: readonly number[]) => profile(points, clampSigma(v[0]!), 10 ** v[1]!).sse;
  const logK = Math.log10(Math.max(best.kappa, kMin));
  let simplex = [
    [best.sigma, logK],
    [clampSigma(best.sigma + 0.05), logK],
    [best.sigma, logK + 0.5],
  ].map((v) => ({ v, f: f(v) }));
  for (let iter = 0; iter < 400; iter++) {
    simplex.sort((a, b) => a.f - b.f);
    const [lo, mid, hi] = simplex as [(typeof simplex)[0], (typeof simplex)[0], (typeof simplex)[0]];
    if (Math.abs(hi.f - lo.f) <= 1e-12 * (1 + Math.abs(lo.f))) break;
    const c = [(lo.v[0]! + mid.v[0]!) / 2, (lo.v[1]! + mid.v[1]!) / 2];
    const at = (t: number) => [c[0]! + t * (hi.v[0]! - c[0]!), c[1]! + t * (hi.v[1]! - c[1]!)];
    const r = { v: at(-1), f: 0 };
    r.f = f(r.v);
    if (r.f < lo.f) {
      const e = { v: at(-2), f: 0 };
      e.f = f(e.v);
      simplex = [lo, mid, e.f < r.f ? e : r];
    } else if (r.f < mid.f) simplex = [lo, mid, r];
    else {
      const k = { v: at(r.f < hi.f ? -0.5 : 0.5), f: 0 };
      k.f = f(k.v);
      if (k.f < Math.min(r.f, hi.f)) simplex = [lo, mid, k];
      else
        simplex = [
          lo,
          ...[mid, hi].map((p) => {
            const v = [(lo.v[0]! + p.v[0]!) / 2, (lo.v[1]! + p.v[1]!) / 2];
            return { v, f: f(v) };
          }),
        ];
    }
  }
  simplex.sort((a, b) => a.f - b.f);
  const polished = simplex[0]!;
  const candidate =
    polished.f < best.sse
      ? { sigma: clampSigma(polished.v[0]!), kappa: 10 ** polished.v[1]! }
      : { sigma: best.sigma, kappa: best.kappa };
  // κ too small to bend the largest level by 0.1 % is no coherency cost: 0, and no peak.
  const kappa = candidate.kappa * maxN * maxN < 1e-3 ? 0 : candidate.kappa;
  const { lambda } = profile(points, candidate.sigma, kappa);
  return { lambda, sigma: candidate.sigma, kappa };
}

function peakOf(p: UslParams): { peakN: number | null; peakX: number | null } {
  if (p.kappa > 0) {
    // N ≥ 1: with σ = 1 (everything serialised) throughput only falls from one, its peak.
    const peakN = Math.max(1, Math.sqrt((1 - p.sigma) / p.kappa));
    return { peakN, peakX: uslThroughput(p, peakN) };
  }
  return { peakN: null, peakX: p.sigma > 0 ? p.lambda / p.sigma : null };
}

function rSquared(points: readonly UslPoint[], p: UslParams): number {
  const mean = points.reduce((s, q) => s + q.x, 0) / points.length;
  let res = 0;
  let tot = 0;
  for (const q of points) {
    res += (q.x - uslThroughput(p, q.n)) ** 2;
    tot += (q.x - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/**
 * Fits the USL to measured (N, X) by nonlinear least squares, with 95 % intervals from a
 * residual bootstrap (the fitted curve plus resampled residuals, refitted 200 times; an
 * interval is null where a refit has no such figure, as N* with κ = 0). Needs at least three
 * distinct levels; N ≥ 1 and X ≥ 0.
 */
export function fitUsl(points: readonly UslPoint[], o: { resamples?: number; seed?: number } = {}): UslFit {
  if (new Set(points.map((p) => p.n)).size < 3)
    throw new RangeError(`a USL fit needs at least three distinct concurrency levels, got ${points.length}`);
  for (const p of points)
    if (!(Number.isFinite(p.n) && p.n >= 1 && Number.isFinite(p.x) && p.x >= 0))
      throw new RangeError(`a level needs N ≥ 1 and a throughput ≥ 0, got N=${p.n}, X=${p.x}`);
  const fit = fitParams(points);
  const peak = peakOf(fit);
  const residuals = points.map((q) => q.x - uslThroughput(fit, q.n));
  const rng = new Rng(o.seed ?? 1);
  const resamples = o.resamples ?? 200;
  const draws = {
    lambda: [] as number[],
    sigma: [] as number[],
    kappa: [] as number[],
    peakN: [] as number[],
    peakX: [] as number[],
  };
  // With as many parameters as levels the residuals are all 0: no spread to resample.
  const spread = points.length > 3 && residuals.some((r) => r !== 0);
  for (let i = 0; spread && i < resamples; i++) {
    const sample = points.map((q) => ({
      n: q.n,
      x: Math.max(0, uslThroughput(fit, q.n) + residuals[Math.floor(rng.next() * residuals.length)]!),
    }));
    const b = fitParams(sample, fit);
    const bp = peakOf(b);
    draws.lambda.push(b.lambda);
    draws.sigma.push(b.sigma);
    draws.kappa.push(b.kappa);
    if (bp.peakN !== null) draws.peakN.push(bp.peakN);
    if (bp.peakX !== null) draws.peakX.push(bp.peakX);
  }
  const interval = (xs: number[]): Interval => {
    // An interval from fewer than nine in ten refits would describe only the refits that had it.
    if (!spread || xs.length < 0.9 * resamples) return { low: null, high: null };
    const { low, high } = percentileInterval(Float64Array.from(xs).sort(), 0.95);
    return { low, high };
  };
  return {
    ...fit,
    r2: rSquared(points, fit),
    ...peak,
    intervals: {
      lambda: interval(draws.lambda),
      sigma: interval(draws.sigma),
      kappa: interval(draws.kappa),
      peakN: interval(draws.peakN),
      peakX: interval(draws.peakX),
    },
  };
}
