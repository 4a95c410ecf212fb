// The shared suggester plus swapped letters (`spkie` → `spike`).

import type { ExecutorPlan, Stage, StopConditions } from '../engine/plan.js';
import { didYouMean } from '../flow/flow-shape.js';
import type { PresetName } from '../script-api/test-definition.js';
import { openModelVUs, type Sizes } from './scale.js';

/**
 * The named test types (DESIGN.md, `--preset`). Each is a shape over time, scaled by a size:
 * `--vus` (the most VUs it reaches), `--rate` (the highest arrival rate; turns a closed preset
 * into its open-model twin) and `--duration`. docs/presets.md shows the same table.
 */

/** A linear ramp over `share` of the test's duration, to `level` (a fraction of the peak). */
type Segment = readonly [share: number, level: number];

export interface PresetSpec {
  summary: string;
  /** closed: ramping VUs; open: ramping arrival rate (iterations started per second). */
  model: 'closed' | 'open';
  /** Default size: the peak VUs (closed model) or iterations started per second (open model). */
  peak: number;
  durationMs: number;
  /** Level at the start, as a fraction of the peak. */
  start: number;
  shape: readonly Segment[];
  /** Long and steady: worth running with --monitor-pid / --monitor-cmd. */
  monitor: boolean;
  /** Stops itself when the target breaks (stopConditions), and reports where. */
  stopsAtBreakingPoint: boolean;
  /**
   * A sweep (`squall sweep`): the test at concurrency levels doubling from 1 to the size, each
   * for an equal share of the duration; the shape is one level's (constant VUs).
   */
  sweep?: true;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

const RAMP_HOLD_DOWN: readonly Segment[] = [
  [0.05, 1],
  [0.9, 1],
  [0.05, 0],
];

/** One burst: a quick climb from the base (10%) to the peak, a short hold, back down. */
const BURST: readonly Segment[] = [
  [0.2, 0.1],
  [0.01, 1],
  [0.06, 1],
  [0.01, 0.1],
];

/* biome-ignore format: a table reads best aligned */
export const PRESETS: Readonly<Record<PresetName, PresetSpec>> = {
  smoke: {
    summary: 'a few VUs for a minute: does the test work at all?',
    model: 'closed', peak: 2, durationMs: 1 * MIN, monitor: false, stopsAtBreakingPoint: false,
    start: 1, shape: [[1, 1]],
  },
  baseline: {
    summary: 'the expected everyday load: ramp up, hold, ramp down; the numbers to compare against',
    model: 'closed', peak: 20, durationMs: 5 * MIN, monitor: false, stopsAtBreakingPoint: false,
    start: 0, shape: [[0.1, 1], [0.8, 1], [0.1, 0]],
  },
  stress: {
    summary: 'steps up past the expected peak: holds at 50%, 75% and 100% of the size, then ramps down',
    model: 'closed', peak: 100, durationMs: 10 * MIN, monitor: false, stopsAtBreakingPoint: false,
    start: 0, shape: [[0.1, 0.5], [0.2, 0.5], [0.1, 0.75], [0.2, 0.75], [0.1, 1], [0.2, 1], [0.1, 0]],
  },
  spike: {
    summary: 'a steady 10%, then up to the peak in seconds, a hold, a drop back, and time to watch the recovery',
    model: 'closed', peak: 100, durationMs: 5 * MIN, monitor: false, stopsAtBreakingPoint: false,
    start: 0, shape: [[0.05, 0.1], [0.25, 0.1], [0.02, 1], [0.18, 1], [0.02, 0.1], [0.43, 0.1], [0.05, 0]],
  },
  burst: {
    summary: 'three short bursts to the peak over a steady 10%',
    model: 'closed', peak: 100, durationMs: 5 * MIN, monitor: false, stopsAtBreakingPoint: false,
    start: 0, shape: [[0.04, 0.1], ...BURST, ...BURST, ...BURST, [0.08, 0.1], [0.04, 0]],
  },
  soak: {
    summary: 'the everyday load held for an hour: leaks, slow growth, exhaustion',
    model: 'closed', peak: 20, durationMs: 1 * HOUR, monitor: true, stopsAtBreakingPoint: false,
    start: 0, shape: RAMP_HOLD_DOWN,
  },
  endurance: {
    summary: 'a soak test four hours long',
    model: 'closed', peak: 20, durationMs: 4 * HOUR, monitor: true, stopsAtBreakingPoint: false,
    start: 0, shape: RAMP_HOLD_DOWN,
  },
  breakpoint: {
    summary: 'ramps the arrival rate from 0 until a stop condition trips, and reports the breaking point',
    model: 'open', peak: 1000, durationMs: 10 * MIN, monitor: false, stopsAtBreakingPoint: true,
    start: 0, shape: [[1, 1]],
  },
  scalability: {
    summary: 'a concurrency sweep: 1, 2, 4 … up to the size, each level held, then the USL fit, the knee and the capacity (squall sweep)',
    model: 'closed', peak: 32, durationMs: 6 * 35_000, monitor: false, stopsAtBreakingPoint: false,
    start: 1, shape: [[1, 1]], sweep: true,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** breakpoint's stop conditions unless the test says otherwise (issue 3). */
export const DEFAULT_STOP_CONDITIONS: StopConditions = {
  maxErrorRate: 0.1,
  maxP99Ms: 10_000,
  windowMs: 10_000,
};

export function isPresetName(name: unknown): name is PresetName {
  return typeof name === 'string' && Object.hasOwn(PRESETS, name);
}

/** `unknown preset 'spik' — did you mean 'spike'?; expected one of …` */
export function unknownPresetMessage(name: string): string {
  const guess = didYouMean(name, PRESET_NAMES);
  return `unknown preset '${name}'${guess ? ` — ${guess}` : ''}; expected one of ${PRESET_NAMES.join(', ')}`;
}

/** Segments as stages: boundaries rounded on the cumulative time, so the stages add up exactly. */
function toStages(shape: readonly Segment[], durationMs: number, level: (f: number) => number): Stage[] {
  let share = 0;
  let endMs = 0;
  return shape.map(([s, f]) => {
    share += s;
    const nextEnd = Math.round(share * durationMs);
    const stage = { durationMs: nextEnd - endMs, target: level(f) };
    endMs = nextEnd;
    return stage;
  });
}

function isFlat(spec: PresetSpec): boolean {
  return spec.start === 1 && spec.shape.every(([, f]) => f === 1);
}

/**
 * The executor of a preset at a size. Closed presets ramp VUs (a level above 0 is at least one
 * VU, so a small test keeps its shape); with a rate, or for breakpoint, they ramp the arrival
 * rate instead.
 */
export function expandPreset(
  name: PresetName,
  sizes: Sizes,
  arrival: 'even' | 'poisson' = 'even',
): ExecutorPlan {
  const spec = PRESETS[name];
  const durationMs = sizes.durationMs ?? spec.durationMs;
  if (spec.model === 'open' || sizes.ratePerSec !== undefined) {
    const rate = sizes.ratePerSec ?? spec.peak;
    const vus = openModelVUs(rate, sizes.vus);
    if (isFlat(spec)) {
      return { type: 'constant-arrival-rate', rate, timeUnitMs: 1000, durationMs, ...vus, arrival };
    }
    const level = (f: number) => Math.round(f * rate * 1e6) / 1e6;
    return {
      type: 'ramping-arrival-rate',
      startRate: level(spec.start),
      timeUnitMs: 1000,
      stages: toStages(spec.shape, durationMs, level),
      ...vus,
      arrival,
    };
  }
  const vus = sizes.vus ?? spec.peak;
  if (isFlat(spec)) return { type: 'constant-vus', vus, durationMs };
  const level = (f: number) => (f === 0 ? 0 : Math.max(1, Math.ceil(f * vus - 1e-9)));
  return {
    type: 'ramping-vus',
    startVUs: level(spec.start),
    stages: toStages(spec.shape, durationMs, level),
    gracefulRampDownMs: 30_000,
  };
}

const percent = (f: number) => `${Math.round(f * 1000) / 10}%`;

function wholeUnits(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 60_000 && ms % 30_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

/**
 * The sweep a `scalability` test runs: levels doubling from 1 to the peak VUs (the peak last),
 * and each level's share of the duration, a seventh of it a warm-up (5 s of 35 s by default).
 */
export function scalabilitySweep(sizes: Sizes): { levels: string; holdMs: number; warmupMs: number } {
  const spec = PRESETS.scalability;
  const peak = sizes.vus ?? spec.peak;
  const levels: number[] = [];
  for (let n = 1; n < peak; n *= 2) levels.push(n);
  levels.push(peak);
  const per = Math.floor((sizes.durationMs ?? spec.durationMs) / levels.length);
  const warmupMs = Math.round(per / 7);
  return { levels: levels.join(','), holdMs: per - warmupMs, warmupMs };
}

/** `from 0%: → 50% in 10% · hold 20% · …` (levels of the peak, times of the whole test). */
export function describeShape(spec: PresetSpec): string {
  let level = spec.start;
  const parts = spec.shape.map(([share, to]) => {
    const part = to === level ? `hold ${percent(share)}` : `→ ${percent(to)} in ${percent(share)}`;
    level = to;
    return part;
  });
  return `from ${percent(spec.start)}: ${parts.join(' · ')}`;
}

/** The table of docs/presets.md, from the table above (a test keeps the two the same). */
export function presetTableMarkdown(): string {
  const rows = PRESET_NAMES.map((name) => {
    const s = PRESETS[name];
    const size = s.model === 'closed' ? `${s.peak} VUs` : `${s.peak}/s`;
    const executor = s.sweep
      ? 'a sweep'
      : s.model === 'closed'
        ? isFlat(s)
          ? 'constant-vus'
          : 'ramping-vus'
        : 'ramping-arrival-rate';
    const shape = s.sweep
      ? 'levels 1, 2, 4 … doubling to 100%, each for an equal share: a warm-up of a seventh of it, then the hold'
      : describeShape(s);
    return `| \`${name}\` | ${executor} | ${size} | ${wholeUnits(s.durationMs)} | ${shape} |`;
  });
  return [
    '| preset | executor | default size | default duration | shape (levels of the size, times of the duration) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
