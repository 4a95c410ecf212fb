import type { SweepFit, SweepLevel } from '../result/sweep-schema.js';
import { fitUsl } from './usl.js';

/**
 * What a sweep's levels say together: the knee, the capacity within budget, Little's law at each
 * level, the USL fit and a plain verdict. Pure: the levels in, figures out.
 */

/** A step that gains less than this share of the throughput its added concurrency would give ideally has stopped scaling. */
export const KNEE_EFFICIENCY = 0.25;
/** Little's law holds at a level when X × R is within this share of its concurrency. */
export const LITTLE_TOLERANCE = 0.1;

type Measured = Pick<SweepLevel, 'level' | 'rps' | 'latency' | 'saturated' | 'allFailed'>;

/**
 * The knee: the first level after which throughput grows by less than KNEE_EFFICIENCY of the
 * growth its extra concurrency would give (X_{i+1}/X_i − 1 against N_{i+1}/N_i − 1) while the
 * median latency climbs by 10 % or more. Null when every step scales, or with fewer than two
 * usable levels (saturated or all-failed ones are skipped).
 */
export function findKnee(levels: readonly Measured[]): number | null {
  const usable = levels.filter((l) => !l.saturated && !l.allFailed && l.rps > 0);
  for (let i = 0; i + 1 < usable.length; i++) {
    const a = usable[i]!;
    const b = usable[i + 1]!;
    const ideal = b.level / a.level - 1;
    if (!(ideal > 0)) continue;
    const efficiency = (b.rps / a.rps - 1) / ideal;
    const p50a = a.latency.p50;
    const p50b = b.latency.p50;
    const climbs = p50a !== null && p50b !== null && p50b >= p50a * 1.1;
    if (efficiency < KNEE_EFFICIENCY && climbs) return a.level;
  }
  return null;
}

/**
 * The capacity within budget: the highest level such that it and every level below it held all
 * thresholds. Null without thresholds; 0 when the first level already failed.
 */
export function findCapacity(levels: readonly Pick<SweepLevel, 'level' | 'withinBudget'>[]): number | null {
  if (levels.length === 0 || levels.every((l) => l.withinBudget === null)) return null;
  let capacity = 0;
  for (const l of levels) {
    if (l.withinBudget !== true) break;
    capacity = l.level;
  }
  return capacity;
}

/** Little's law at a closed-model level: X (per s) × mean response time (ms). */
export function littleCheck(
  mode: 'concurrency' | 'rate',
  level: number,
  rps: number,
  meanMs: number | null,
): { littleN: number | null; littleOk: boolean | null } {
  if (meanMs === null || !(rps > 0)) return { littleN: null, littleOk: null };
  const littleN = (rps * meanMs) / 1000;
  if (mode === 'rate') return { littleN, littleOk: null };
  return { littleN, littleOk: Math.abs(littleN - level) <= LITTLE_TOLERANCE * level };
}

/** The USL fitted to the usable levels of a concurrency sweep; null with fewer than three. */
export function fitSweep(mode: 'concurrency' | 'rate', levels: readonly Measured[]): SweepFit | null {
  if (mode !== 'concurrency') return null;
  const usable = levels.filter((l) => !l.saturated && !l.allFailed);
  if (new Set(usable.map((l) => l.level)).size < 3) return null;
  const fit = fitUsl(usable.map((l) => ({ n: l.level, x: l.rps })));
  return { ...fit, levels: usable.map((l) => l.level) };
}

const num = (v: number, digits = 2) => Number(v.toPrecision(digits)).toLocaleString('en-US');

/** One plain paragraph: where throughput stops growing and why (the fit), and the capacity. */
export function sweepVerdict(p: {
  mode: 'concurrency' | 'rate';
  levels: readonly Pick<SweepLevel, 'level' | 'rps' | 'saturated' | 'allFailed' | 'littleOk'>[];
  fit: SweepFit | null;
  knee: number | null;
  capacity: number | null;
  budget: string | null;
}): string {
  const unit = p.mode === 'rate' ? 'requests/s' : 'concurrent requests';
  const parts: string[] = [];
  const best = p.levels.reduce<(typeof p.levels)[number] | null>(
    (m, l) => (!l.allFailed && (m === null || l.rps > m.rps) ? l : m),
    null,
  );
  if (p.knee !== null) parts.push(`throughput stops growing at about ${p.knee} ${unit}`);
  else if (best) parts.push(`throughput still grew at the highest level measured (${best.level} ${unit})`);
  if (best) parts.push(`the most measured was ${num(best.rps, 4)} requests/s at ${best.level}`);
  if (parts.length === 0)
    parts.push(p.levels.length === 0 ? 'no level was measured' : 'every request failed at the first level');
  let sentence = parts.join('; ');
  if (p.fit) {
    const f = p.fit;
    const peak =
      f.peakN !== null && f.peakX !== null
        ? `, a peak of about ${num(f.peakX, 3)}/s at ${num(f.peakN, 2)}`
        : f.peakX !== null
          ? `, no peak: throughput levels off towards ${num(f.peakX, 3)}/s`
          : ', no limit in the levels measured';
    sentence += `: contention σ=${num(f.sigma)}, coherency κ=${num(f.kappa)}${peak} (USL fit, R²=${f.r2.toFixed(3)})`;
  }
  const out = [`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`];
  if (p.capacity !== null && p.budget !== null)
    out.push(
      p.capacity === 0 ? `No level held ${p.budget}.` : `${p.budget} holds up to ${p.capacity} ${unit}.`,
    );
  const saturated = p.levels.filter((l) => l.saturated).map((l) => l.level);
  if (saturated.length > 0)
    out.push(`At ${saturated.join(', ')} squall itself was the limit: left out of the fit.`);
  const little = p.levels.filter((l) => l.littleOk === false).map((l) => l.level);
  if (little.length > 0)
    out.push(
      `Little's law does not hold at ${little.join(', ')}: requests waited outside the measured path.`,
    );
  return out.join(' ');
}
