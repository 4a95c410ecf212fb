import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { bestSplit, changePoints } from './change-points.js';

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** One run's figure per level, each off by a gaussian relative error of `noise` (sd). */
function history(seed: number, levels: readonly number[], noise = 0.03): number[] {
  const rng = new Rng(seed);
  return levels.map((level) => level * (1 + noise * gaussian(rng)));
}

const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
const step = [...Array(15).fill(100), ...Array(15).fill(120)];

describe('changePoints', () => {
  it('finds one change at run 16 (index 15 ± 1) in 15 runs at one level and 15 at 20 % more', () => {
    const found = seeds.map((s) => changePoints(history(s, step), { seed: s }));
    // Every history has a change point at the step...
    for (const points of found) expect(points.some((p) => Math.abs(p.index - 15) <= 1)).toBe(true);
    // ...and almost all have that one alone: each further split is a test at alpha = 0.01 on noise.
    const alone = found.filter((points) => points.length === 1).length;
    expect(alone).toBeGreaterThanOrEqual(seeds.length - 3);
    const [p] = found.find((points) => points.length === 1)!;
    expect(p!.before).toBeCloseTo(100, -1);
    expect(p!.after).toBeCloseTo(120, -1);
    expect(p!.shift).toBeGreaterThan(0.15);
    expect(p!.shift).toBeLessThan(0.25);
    expect(p!.pValue).toBeLessThanOrEqual(0.01);
  });

  it('finds none in 30 runs of one level, but for the rare false alarm alpha allows', () => {
    const flat = Array(30).fill(100);
    const alarms = seeds.filter((s) => changePoints(history(1000 + s, flat), { seed: s }).length > 0).length;
    expect(alarms).toBeLessThanOrEqual(2);
    expect(changePoints(history(1001, flat), { seed: 1 })).toEqual([]);
  });

  it('finds a slow drift of +0.5 % a run, though no step between runs comes near 10 %', () => {
    const drift = Array.from({ length: 40 }, (_, i) => 100 * 1.005 ** i);
    for (const s of seeds.slice(0, 10)) {
      const values = history(2000 + s, drift);
      const steps = values.slice(1).map((v, i) => Math.abs(v / values[i]! - 1));
      expect(Math.max(...steps)).toBeLessThan(0.2);
      const points = changePoints(values, { seed: s });
      expect(points.length).toBeGreaterThanOrEqual(1);
      expect(points.some((p) => p.shift > 0)).toBe(true);
    }
    // Without noise no step is larger than 0.5 %, and the drift is still found.
    expect(changePoints(drift).length).toBeGreaterThanOrEqual(1);
  });

  it('finds none in a series shorter than two segments or in a constant one', () => {
    expect(changePoints([])).toEqual([]);
    expect(changePoints([1, 2, 3, 10, 11])).toEqual([]);
    expect(changePoints([1, 1, 1, 9, 9], { minSize: 3 })).toEqual([]);
    expect(changePoints(Array(50).fill(7))).toEqual([]);
  });

  it('finds a clean step in a short series when alpha allows it', () => {
    const values = [1, 1, 1, 1, 9, 9, 9, 9];
    // Eight values have 70 orders, two of them as divergent: p ≈ 0.03, not ≤ 0.01.
    expect(changePoints(values)).toEqual([]);
    expect(changePoints(values, { alpha: 0.1 })).toMatchObject([{ index: 4, before: 1, after: 9, shift: 8 }]);
  });

  it('finds a step that comes back (a bump), sorted, with the means of the final segments', () => {
    const levels = [...Array(12).fill(100), ...Array(12).fill(130), ...Array(12).fill(100)];
    const points = changePoints(history(7, levels, 0.02));
    expect(points.map((p) => p.index)).toEqual([12, 24]);
    expect(points[0]!.after).toBe(points[1]!.before);
    expect(points[0]!.shift).toBeGreaterThan(0.2);
    expect(points[1]!.shift).toBeLessThan(-0.15);
  });

  it('is deterministic for a seed', () => {
    const values = history(3, step);
    expect(changePoints(values, { seed: 9 })).toEqual(changePoints(values, { seed: 9 }));
  });

  it('splits where the divergence is largest', () => {
    expect(bestSplit(Float64Array.from([0, 0, 0, 0, 5, 5, 5]), 2)?.at).toBe(4);
    expect(bestSplit(Float64Array.from([3, 3, 3, 3]), 2)).toBeUndefined();
    expect(bestSplit(Float64Array.from([1, 2, 3]), 2)).toBeUndefined();
  });

  it('refuses bad options and values', () => {
    expect(() => changePoints([1], { alpha: 0 })).toThrow(/alpha/);
    expect(() => changePoints([1], { permutations: 0 })).toThrow(/permutations/);
    expect(() => changePoints([1], { minSize: 2.5 })).toThrow(/minSize/);
    expect(() => changePoints([1, Number.NaN])).toThrow(/finite/);
  });
});
