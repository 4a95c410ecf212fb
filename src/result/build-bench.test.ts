import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchSection } from './bench-schema.js';
import { buildResult } from './build-result.js';
import { firstResultProblem } from './validate.js';

const stored = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../test/fixtures/results/bench.json'), 'utf8'),
) as { bench: BenchSection };

const build = (bench: BenchSection) =>
  buildResult({
    kind: 'bench',
    startedAt: new Date('2026-01-01T00:00:00Z'),
    endedAt: new Date('2026-01-01T00:00:01.5Z'),
    endReason: 'completed',
    config: { command: 'bench', files: [], filter: null, timeMs: null },
    warnings: ['noisy'],
    bench,
  });

/** The fixture with every expectation met and nothing thrown. */
function allPassing(): BenchSection {
  const b = structuredClone(stored.bench);
  b.benches = b.benches.filter((e) => e.error === null);
  for (const e of b.benches) for (const x of e.budgets) x.ok = true;
  for (const s of b.speedups) s.ok = true;
  for (const c of b.complexity) c.ok = true;
  return b;
}

describe('buildResult for kind "bench"', () => {
  it('keeps the load-test fields, empty, so that every reader reads it', () => {
    const doc = build(allPassing());
    expect(doc).toMatchObject({
      schema: 2,
      tool: 'squall',
      kind: 'bench',
      durationSec: 1.5,
      warnings: ['noisy'],
    });
    expect(doc.endpoints).toEqual([]);
    expect(doc.timeline).toEqual([]);
    expect(doc.thresholds).toEqual([]);
    expect(doc.metrics.http_reqs).toMatchObject({ count: 0 });
    expect(firstResultProblem(JSON.parse(JSON.stringify(doc)))).toBeUndefined();
  });

  it('passes when every budget, speedup and complexity expectation holds and nothing threw', () => {
    expect(build(allPassing()).passed).toBe(true);
  });

  const spoilers: [string, (b: BenchSection) => void][] = [
    [
      'a failed budget',
      (b) => {
        b.benches[0]!.budgets = [{ expr: 'mean<1ms', ok: false, actual: 2 }];
      },
    ],
    [
      'a failed speedup',
      (b) => {
        b.speedups[0]!.ok = false;
      },
    ],
    [
      'a failed complexity expectation',
      (b) => {
        b.complexity[0]!.ok = false;
      },
    ],
    [
      'a bench that threw',
      (b) => {
        b.benches[0]!.error = { phase: 'run', message: 'boom' };
      },
    ],
  ];
  it.each(spoilers)('fails on %s', (_name, spoil) => {
    const b = allPassing();
    spoil(b);
    expect(build(b).passed).toBe(false);
  });

  it('reads a speedup or complexity without an expectation (ok null) as no verdict', () => {
    const b = allPassing();
    b.speedups[0]!.ok = null;
    b.complexity[0]!.ok = null;
    expect(build(b).passed).toBe(true);
  });
});
