import type { ExecutorPlan, Stage } from '../engine/plan.js';
import { stagesDurationMs } from './executors.js';

/**
 * The size of a load, from the flags (`--vus`, `--duration`, `--iterations`, `--rate`) or a
 * preset's defaults, and how an executor takes it: the file gives the shape, the size overrides
 * its scale (docs/test-file.md, "Flags and the file").
 */

export interface Sizes {
  vus?: number;
  durationMs?: number;
  iterations?: number;
  /** Iterations started per second (open model). */
  ratePerSec?: number;
}

export function hasSizes(s: Sizes): boolean {
  return (
    s.vus !== undefined ||
    s.durationMs !== undefined ||
    s.iterations !== undefined ||
    s.ratePerSec !== undefined
  );
}

/** Iterations a pre-allocated VU is assumed to serve per second (100 ms each). */
const ITERATIONS_PER_VU_PER_SEC = 10;
/** Default cap of an open-model plan: 2 s of iterations in flight at the peak rate, at least 100. */
const MAX_VUS_SECONDS_IN_FLIGHT = 2;
const MIN_MAX_VUS = 100;
/** shared-iterations' maxDuration when nothing else gives one (k6's default). */
export const DEFAULT_MAX_DURATION_MS = 600_000;

/**
 * VUs for an open-model plan at `peakPerSec`: `--vus` caps them when given; otherwise enough for
 * slow iterations without holding thousands of idle VUs up front.
 */
export function openModelVUs(peakPerSec: number, vus?: number): { preAllocatedVUs: number; maxVUs: number } {
  const maxVUs = vus ?? Math.max(MIN_MAX_VUS, Math.ceil(peakPerSec * MAX_VUS_SECONDS_IN_FLIGHT));
  const wanted = Math.max(1, Math.ceil(peakPerSec / ITERATIONS_PER_VU_PER_SEC));
  return { preAllocatedVUs: Math.min(maxVUs, wanted), maxVUs };
}

/** Stretches (or shrinks) stages to last `totalMs`, in proportion; the sum is exact. */
export function stretchStages(stages: readonly Stage[], totalMs: number): Stage[] {
  const total = stagesDurationMs(stages);
  if (total === 0) return stages.map((s) => ({ ...s }));
  let used = 0;
  const lastTimed = stages.findLastIndex((s) => s.durationMs > 0);
  return stages.map((s, i) => {
    const durationMs = i === lastTimed ? totalMs - used : Math.round((s.durationMs * totalMs) / total);
    used += durationMs;
    return { ...s, durationMs };
  });
}

/** Scales a level (VUs or a rate) by `factor`; VU counts stay whole and above 0 when they were. */
function scaleLevel(level: number, factor: number, whole: boolean): number {
  if (!whole) return Math.round(level * factor * 1e6) / 1e6;
  const out = Math.round(level * factor);
  return level > 0 && out === 0 ? 1 : out;
}

function peakOf(start: number, stages: readonly Stage[]): number {
  return Math.max(start, ...stages.map((s) => s.target));
}

function scaleStages(stages: readonly Stage[], factor: number, whole: boolean): Stage[] {
  return stages.map((s) => ({ ...s, target: scaleLevel(s.target, factor, whole) }));
}

/** The most VUs a closed-model plan runs, or an open plan may use. */
export function peakVUs(p: ExecutorPlan): number {
  switch (p.type) {
    case 'constant-vus':
    case 'per-vu-iterations':
    case 'shared-iterations':
      return p.vus;
    case 'ramping-vus':
      return peakOf(p.startVUs, p.stages);
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return p.maxVUs;
  }
}

function totalIterations(p: ExecutorPlan): number | undefined {
  if (p.type === 'shared-iterations') return p.iterations;
  if (p.type === 'per-vu-iterations') return p.iterations * p.vus;
  return undefined;
}

/** Iterations a ramp of arrival rates starts: the area under its rate line (per timeUnit). */
export function rampArea(startRate: number, stages: readonly Stage[], timeUnitMs: number): number {
  let from = startRate;
  let area = 0;
  for (const st of stages) {
    area += ((from + st.target) / 2) * (st.durationMs / timeUnitMs);
    from = st.target;
  }
  return area;
}

/**
 * `--iterations N` with `--rate`: the ramp stretched until its area holds N iterations (k6's
 * ramping-arrival-rate starts one each time the area grows by one), the shape kept.
 */
function stretchToIterations(startRate: number, stages: Stage[], timeUnitMs: number, n: number): Stage[] {
  const area = rampArea(startRate, stages, timeUnitMs);
  let totalMs = Math.max(1, Math.ceil((stagesDurationMs(stages) * n) / area));
  let out = stretchStages(stages, totalMs);
  // Whole milliseconds may leave the area a hair short of N: lengthen by a millisecond at a time.
  for (let i = 0; i < 1000 && rampArea(startRate, out, timeUnitMs) < n - 1e-9; i++) {
    out = stretchStages(stages, ++totalMs);
  }
  return out;
}

/** `--iterations N` at `ratePerSec`: how long a constant rate takes to start them, ms. */
function lengthOf(iterations: number, ratePerSec: number): number {
  return Math.max(1, Math.round((iterations / ratePerSec) * 1000));
}

/**
 * `--rate`: the open-model form of the same shape, its peak at `ratePerSec`. With `--iterations`
 * the length is what starts N iterations at that rate (resolve-test refuses `--duration` too).
 */
function toOpenModel(p: ExecutorPlan, s: Sizes & { ratePerSec: number }): ExecutorPlan {
  const R = s.ratePerSec;
  const capVUs = (pre: number, max: number) =>
    s.vus === undefined
      ? { preAllocatedVUs: pre, maxVUs: max }
      : { preAllocatedVUs: Math.min(pre, s.vus), maxVUs: s.vus };
  switch (p.type) {
    case 'constant-arrival-rate':
      return {
        ...p,
        rate: (R * p.timeUnitMs) / 1000,
        durationMs: s.iterations !== undefined ? lengthOf(s.iterations, R) : (s.durationMs ?? p.durationMs),
        ...capVUs(p.preAllocatedVUs, p.maxVUs),
      };
    case 'ramping-arrival-rate': {
      const factor = (R * p.timeUnitMs) / 1000 / peakOf(p.startRate, p.stages);
      const startRate = scaleLevel(p.startRate, factor, false);
      const stages = scaleStages(p.stages, factor, false);
      return {
        ...p,
        startRate,
        stages: resize(startRate, stages, p.timeUnitMs, s),
        ...capVUs(p.preAllocatedVUs, p.maxVUs),
      };
    }
    case 'ramping-vus': {
      const factor = R / peakOf(p.startVUs, p.stages);
      const startRate = scaleLevel(p.startVUs, factor, false);
      const stages = scaleStages(p.stages, factor, false);
      return {
        type: 'ramping-arrival-rate',
        startRate,
        timeUnitMs: 1000,
        stages: resize(startRate, stages, 1000, s),
        ...openModelVUs(R, s.vus),
        arrival: 'even',
      };
    }
    default: {
      // constant-vus keeps its length; the iteration executors run their iterations at the rate.
      const iterations = s.iterations ?? totalIterations(p);
      const durationMs =
        s.iterations !== undefined
          ? lengthOf(s.iterations, R)
          : (s.durationMs ?? (p.type === 'constant-vus' ? p.durationMs : lengthOf(iterations ?? 1, R)));
      return {
        type: 'constant-arrival-rate',
        rate: R,
        timeUnitMs: 1000,
        durationMs,
        ...openModelVUs(R, s.vus),
        arrival: 'even',
      };
    }
  }
}

/** A ramp's stages at the flags' length: N iterations' worth, or `--duration`, or as they are. */
function resize(startRate: number, stages: Stage[], timeUnitMs: number, s: Sizes): Stage[] {
  if (s.iterations !== undefined) return stretchToIterations(startRate, stages, timeUnitMs, s.iterations);
  return s.durationMs === undefined ? stages : stretchStages(stages, s.durationMs);
}

/** `--iterations` without `--rate`: N iterations in total, shared by the VUs. */
function toSharedIterations(p: ExecutorPlan, s: Sizes & { iterations: number }): ExecutorPlan {
  const vus = s.vus ?? Math.min(peakVUs(p), s.iterations);
  const iterationBased = p.type === 'per-vu-iterations' || p.type === 'shared-iterations';
  return {
    type: 'shared-iterations',
    vus,
    iterations: s.iterations,
    maxDurationMs: s.durationMs ?? (iterationBased ? p.maxDurationMs : DEFAULT_MAX_DURATION_MS),
  };
}

/**
 * Applies the size flags to an executor, keeping its shape: `--vus` sets the VUs (the peak of a
 * ramp, the cap of an open model), `--duration` the length (stages stretched in proportion),
 * `--rate` switches to or rescales the open model, `--iterations` makes the iterations the limit.
 */
export function scaleExecutor(p: ExecutorPlan, s: Sizes): ExecutorPlan {
  if (s.ratePerSec !== undefined) return toOpenModel(p, { ...s, ratePerSec: s.ratePerSec });
  if (s.iterations !== undefined) return toSharedIterations(p, { ...s, iterations: s.iterations });
  switch (p.type) {
    case 'constant-vus':
      return { ...p, vus: s.vus ?? p.vus, durationMs: s.durationMs ?? p.durationMs };
    case 'ramping-vus': {
      const factor = s.vus === undefined ? 1 : s.vus / peakOf(p.startVUs, p.stages);
      const stages = scaleStages(p.stages, factor, true);
      return {
        ...p,
        startVUs: scaleLevel(p.startVUs, factor, true),
        stages: s.durationMs === undefined ? stages : stretchStages(stages, s.durationMs),
      };
    }
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const vus =
        s.vus === undefined ? {} : { preAllocatedVUs: Math.min(p.preAllocatedVUs, s.vus), maxVUs: s.vus };
      if (p.type === 'constant-arrival-rate')
        return { ...p, durationMs: s.durationMs ?? p.durationMs, ...vus };
      return {
        ...p,
        stages: s.durationMs === undefined ? p.stages : stretchStages(p.stages, s.durationMs),
        ...vus,
      };
    }
    case 'per-vu-iterations':
    case 'shared-iterations':
      return { ...p, vus: s.vus ?? p.vus, maxDurationMs: s.durationMs ?? p.maxDurationMs };
  }
}

/**
 * `--duration D` over scenarios that start at different times: the whole timeline (start times
 * and lengths) scaled so that the last scenario ends at D, its shape kept (issue 18: a file with
 * a second scenario at 60 s given `-d 6s` ran 66 s). Returns each scenario's start and length.
 */
export function fitTimeline(
  parts: ReadonlyArray<{ startTimeMs: number; lengthMs: number }>,
  totalMs: number,
): Array<{ startTimeMs: number; lengthMs: number }> {
  const end = Math.max(...parts.map((p) => p.startTimeMs + p.lengthMs));
  const f = end > 0 ? totalMs / end : 1;
  return parts.map((p) => {
    const startTimeMs = Math.min(totalMs - 1, Math.round(p.startTimeMs * f));
    return {
      startTimeMs,
      lengthMs: Math.max(1, Math.min(totalMs - startTimeMs, Math.round(p.lengthMs * f))),
    };
  });
}
