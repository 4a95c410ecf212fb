import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchSection, ResultDocument } from '../../src/result/schema.js';
import { explain, hasStackTrace, ROOT, requireBuiltCli, runCli } from '../helpers/run-cli.js';

/**
 * examples/bench/ as users run it, straight from the folder (the files they copy): the cache
 * speedup, the 20-in-flight bench and the sort complexity pass; the budget that fails on purpose
 * is skipped by discovery and exits 99 when named. Each file type-checks against 'squall'.
 */

const BENCH_DIR = join(ROOT, 'examples', 'bench');
type BenchDocument = ResultDocument & { bench: BenchSection; config: { files: string[] } };

beforeAll(() => requireBuiltCli());

describe('examples/bench', () => {
  it('every bench example type-checks against the squall API it imports', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const files = [
      'cache.bench.ts',
      'concurrency.bench.ts',
      'complexity.bench.ts',
      'failing/budget-fails.ts',
    ];
    const res = spawnSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--target',
        'ES2022',
        '--types',
        'node',
        ...files.map((f) => join(BENCH_DIR, f)),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(res.status, res.stdout + res.stderr).toBe(0);
  });

  it('squall bench examples/bench: the speedup, the concurrency bench and the complexity check pass', async () => {
    const r = await runCli(['bench', 'examples/bench', '--json'], { cwd: ROOT, timeoutMs: 60_000 });
    expect(r.code, explain(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as BenchDocument;
    expect(doc.passed).toBe(true);
    // The failing example is not found by discovery: its name does not end in .bench.ts.
    expect(doc.config.files.map((f) => f.split(/[\\/]/).pop()).sort()).toEqual([
      'cache.bench.ts',
      'complexity.bench.ts',
      'concurrency.bench.ts',
    ]);
    const names = doc.bench.benches.map((b) => `${b.group ?? ''}/${b.name}`);
    expect(names).toEqual(['template fetch/cold', 'template fetch/warm', '/resolve, 20 in flight']);
    for (const b of doc.bench.benches) {
      expect(b.error).toBeNull();
      expect(b.budgets.every((x) => x.ok)).toBe(true);
    }
    const [s] = doc.bench.speedups;
    expect(s).toMatchObject({ group: 'template fetch', name: 'warm', over: 'cold', atLeast: 10, ok: true });
    expect(s!.low).toBeGreaterThanOrEqual(10);
    expect(s!.low).toBeLessThanOrEqual(s!.factor!);
    expect(s!.factor).toBeLessThanOrEqual(s!.high!);
    const pool = doc.bench.benches[2]!;
    expect(pool.concurrency).toBe(20);
    expect(pool.concurrent!.opsPerSec).toBeGreaterThan(0);
    const [c] = doc.bench.complexity;
    expect(c).toMatchObject({ name: 'sort', expect: 'O(n log n)', ok: true, error: null });
    expect(c!.timesMs).toHaveLength(5);
  });

  it('the budget that fails on purpose exits 99 when named, with each verdict printed', async () => {
    const r = await runCli(['bench', 'examples/bench/failing/budget-fails.ts', '--no-color'], {
      cwd: ROOT,
      timeoutMs: 30_000,
    });
    expect(r.code, explain(r)).toBe(99);
    expect(r.stdout).toMatch(/✓ mean<10ms \(\d/);
    expect(r.stdout).toMatch(/✗ ops>1000 \([\d.,]+ ops\/s\)/);
    expect(r.stdout).toMatch(/✗ mean<1ms \(\d/);
    expect(r.stdout).toContain('FAILED');
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });
});
