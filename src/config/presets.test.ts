import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ExecutorPlan, Stage } from '../engine/plan.js';
import { executorDurationMs } from './executors.js';
import { expandPreset, PRESET_NAMES, PRESETS, presetTableMarkdown, scalabilitySweep } from './presets.js';
import { peakVUs } from './scale.js';

/** The presets' table is the contract: each shape is whole, and scales with --vus, --rate, --duration. */

function stagesOf(p: ExecutorPlan): Stage[] {
  return p.type === 'ramping-vus' || p.type === 'ramping-arrival-rate' ? p.stages : [];
}

function peakRate(p: ExecutorPlan): number {
  if (p.type === 'constant-arrival-rate') return p.rate;
  if (p.type === 'ramping-arrival-rate') return Math.max(p.startRate, ...p.stages.map((s) => s.target));
  return 0;
}

describe('the presets table', () => {
  it('lists the eight test types of DESIGN.md, and the sweep', () => {
    expect(PRESET_NAMES).toEqual([
      'smoke',
      'baseline',
      'stress',
      'spike',
      'burst',
      'soak',
      'endurance',
      'breakpoint',
      'scalability',
    ]);
  });

  it('scalability sweeps levels doubling to its size, each an equal share of the duration', () => {
    expect(scalabilitySweep({})).toEqual({ levels: '1,2,4,8,16,32', holdMs: 30_000, warmupMs: 5_000 });
    const s = scalabilitySweep({ vus: 20, durationMs: 60_000 });
    expect(s.levels).toBe('1,2,4,8,16,20');
    expect((s.holdMs + s.warmupMs) * 6).toBeLessThanOrEqual(60_000);
    expect(s.warmupMs).toBe(Math.round(10_000 / 7));
  });

  it.each(PRESET_NAMES)(
    '%s: shares add up to the whole test, levels stay within 0..1 and reach 1',
    (name) => {
      const spec = PRESETS[name];
      const total = spec.shape.reduce((sum, [share]) => sum + share, 0);
      expect(total).toBeCloseTo(1, 12);
      for (const [share, level] of spec.shape) {
        expect(share).toBeGreaterThan(0);
        expect(level).toBeGreaterThanOrEqual(0);
        expect(level).toBeLessThanOrEqual(1);
      }
      expect(Math.max(spec.start, ...spec.shape.map(([, l]) => l))).toBe(1);
    },
  );
});

describe('expandPreset at its default size', () => {
  it.each(PRESET_NAMES)('%s lasts its duration exactly and peaks at its size', (name) => {
    const spec = PRESETS[name];
    const plan = expandPreset(name, {});
    expect(executorDurationMs(plan)).toBe(spec.durationMs);
    if (spec.model === 'closed') expect(peakVUs(plan)).toBe(spec.peak);
    else expect(peakRate(plan)).toBe(spec.peak);
  });
});

describe('expandPreset scaled by --vus and --duration', () => {
  it.each(PRESET_NAMES.filter((n) => PRESETS[n].model === 'closed'))('%s', (name) => {
    const plan = expandPreset(name, { vus: 10, durationMs: 100_000 });
    expect(executorDurationMs(plan)).toBe(100_000);
    expect(peakVUs(plan)).toBe(10);
    // A level above 0 keeps at least one VU, so a small test keeps its shape.
    for (const s of stagesOf(plan)) expect(Number.isInteger(s.target)).toBe(true);
  });

  it('smoke is a constant-vus', () => {
    expect(expandPreset('smoke', { vus: 3, durationMs: 20_000 })).toEqual({
      type: 'constant-vus',
      vus: 3,
      durationMs: 20_000,
    });
  });

  it('stress steps up at 50%, 75% and 100%', () => {
    const plan = expandPreset('stress', { vus: 20, durationMs: 100_000 });
    expect(plan).toEqual({
      type: 'ramping-vus',
      startVUs: 0,
      gracefulRampDownMs: 30_000,
      stages: [
        { durationMs: 10_000, target: 10 },
        { durationMs: 20_000, target: 10 },
        { durationMs: 10_000, target: 15 },
        { durationMs: 20_000, target: 15 },
        { durationMs: 10_000, target: 20 },
        { durationMs: 20_000, target: 20 },
        { durationMs: 10_000, target: 0 },
      ],
    });
  });

  it('spike jumps from its base to the peak in seconds, and leaves time to recover', () => {
    const stages = stagesOf(expandPreset('spike', {}));
    const jump = stages.findIndex((s) => s.target === 100);
    expect(stages[jump - 1]!.target).toBe(10);
    expect(stages[jump]!.durationMs).toBe(6_000);
    // Hold, drop back to the base in seconds, then 43% of the test to watch the recovery.
    expect(stages.slice(jump + 1, jump + 4)).toEqual([
      { durationMs: 54_000, target: 100 },
      { durationMs: 6_000, target: 10 },
      { durationMs: 129_000, target: 10 },
    ]);
  });

  it('burst has three bursts to the peak', () => {
    const stages = stagesOf(expandPreset('burst', { vus: 50 }));
    const climbs = stages.filter((s, i) => s.target === 50 && (stages[i - 1]?.target ?? 0) < 50);
    expect(climbs).toHaveLength(3);
  });

  it('soak and endurance hold steady for 90% of a long test', () => {
    for (const name of ['soak', 'endurance'] as const) {
      const stages = stagesOf(expandPreset(name, { vus: 8 }));
      expect(stages[1]).toEqual({ durationMs: PRESETS[name].durationMs * 0.9, target: 8 });
      expect(PRESETS[name].monitor).toBe(true);
    }
  });
});

describe('expandPreset scaled by --rate (the open model)', () => {
  it('turns a closed preset into its ramping-arrival-rate twin with the same shape', () => {
    const closed = expandPreset('stress', { vus: 100, durationMs: 100_000 });
    const open = expandPreset('stress', { ratePerSec: 200, durationMs: 100_000 });
    expect(open.type).toBe('ramping-arrival-rate');
    expect(stagesOf(open).map((s) => s.durationMs)).toEqual(stagesOf(closed).map((s) => s.durationMs));
    expect(stagesOf(open).map((s) => s.target)).toEqual(stagesOf(closed).map((s) => s.target * 2));
  });

  it('smoke with a rate is a constant-arrival-rate', () => {
    expect(expandPreset('smoke', { ratePerSec: 5 })).toMatchObject({
      type: 'constant-arrival-rate',
      rate: 5,
      timeUnitMs: 1000,
      durationMs: 60_000,
      arrival: 'even',
    });
  });

  it('breakpoint ramps linearly from 0 to the rate; --vus caps the VUs', () => {
    expect(expandPreset('breakpoint', { ratePerSec: 500, durationMs: 300_000, vus: 250 })).toEqual({
      type: 'ramping-arrival-rate',
      startRate: 0,
      timeUnitMs: 1000,
      stages: [{ durationMs: 300_000, target: 500 }],
      preAllocatedVUs: 50,
      maxVUs: 250,
      arrival: 'even',
    });
    expect(expandPreset('breakpoint', {})).toMatchObject({ preAllocatedVUs: 100, maxVUs: 2000 });
  });
});

/** A markdown table's cells, whatever the padding a formatter gave it. */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^-+$/, '---')),
    );
}

describe('docs/presets.md', () => {
  it('shows the table of the code', () => {
    const doc = readFileSync(new URL('../../docs/presets.md', import.meta.url), 'utf8');
    const table = /<!-- presets-table:start -->\n([\s\S]*?)\n<!-- presets-table:end -->/.exec(doc)?.[1] ?? '';
    expect(cells(table)).toEqual(cells(presetTableMarkdown()));
  });
});
