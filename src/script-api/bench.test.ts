import { beforeEach, describe, expect, it } from 'vitest';
import { bench, benchRegistry, complexity, group } from './bench.js';

describe('bench registry', () => {
  beforeEach(() => {
    benchRegistry().entries = [];
    benchRegistry().group = null;
  });

  it('records benches in order, with the group whose body registered them', () => {
    const f = () => 1;
    bench('a', f);
    group('g', () => {
      bench('b', f, { concurrency: 3 });
      complexity('c', { sizes: [1, 2], setup: (n) => n, fn: (n) => n });
    });
    bench('d', f);
    expect(benchRegistry().entries.map((e) => [e.kind, e.group, e.name])).toEqual([
      ['bench', null, 'a'],
      ['bench', 'g', 'b'],
      ['complexity', 'g', 'c'],
      ['bench', null, 'd'],
    ]);
  });

  it('is one registry per process, found by its global symbol by any copy of the module', () => {
    const key = Symbol.for('squall.bench.registry');
    expect((globalThis as Record<symbol, unknown>)[key]).toBe(benchRegistry());
  });

  it('ends the group even when its body throws', () => {
    expect(() =>
      group('g', () => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(benchRegistry().group).toBeNull();
  });

  it('rejects a bench with no name or no function', () => {
    expect(() => bench('', () => 1)).toThrow(/name/);
    expect(() => bench('x', undefined as unknown as () => void)).toThrow(/function/);
  });
});
