import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchSection, ResultDocument } from '../../src/result/schema.js';
import {
  type CliOptions,
  explain,
  hasStackTrace,
  requireBuiltCli,
  runCli as run,
  type SignalPlan,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * `squall bench` end to end: real bench files in a temp folder, run by the built CLI. Sampling
 * is kept short (--time 50ms); no figure is asserted beyond being positive.
 */

const dir = tempDir('squall-bench-');
const at = (...p: string[]) => join(dir.path, ...p);
const ok = at('ok');
const BENCH = ['bench', '--time', '50ms'];
/** squall run from the temp folder, so that files are named relative to it. */
const runCli = (cwd: string, args: string[], opts: CliOptions & { signal?: SignalPlan } = {}) =>
  run(args, { cwd, ...opts });

beforeAll(() => {
  requireBuiltCli();
  mkdirSync(ok);
  writeFileSync(
    join(ok, 'math.bench.ts'),
    `import { bench, group } from 'squall';
const xs: number[] = Array.from({ length: 100 }, (_, i) => i);
bench('sum sync', () => xs.reduce((a, b) => a + b, 0));
bench('tick async', async () => { await new Promise<void>((r) => setImmediate(r)); });
group('arrays', () => {
  bench('map', () => xs.map((x) => x * 2));
});
console.log('noise from a bench file');
`,
  );
  writeFileSync(
    join(ok, 'plain.bench.mjs'),
    `import { bench } from 'squall';
bench('json mjs', () => JSON.stringify({ a: 1 }));
`,
  );
  mkdirSync(at('throws'));
  writeFileSync(
    at('throws', 'mixed.bench.ts'),
    `import { bench } from 'squall';
bench('fine', () => JSON.stringify({ n: 1 }));
bench('broken', () => { throw new Error('database is down'); });
`,
  );
  mkdirSync(at('empty', 'node_modules', 'pkg'), { recursive: true });
  // Inside node_modules: never searched, so the folder holds no bench file.
  writeFileSync(
    at('empty', 'node_modules', 'pkg', 'x.bench.ts'),
    `import { bench } from 'squall'; bench('x', () => 1);\n`,
  );
  writeFileSync(at('none.bench.ts'), `export const nothing = 1;\n`);
  writeFileSync(
    at('badopt.bench.ts'),
    `import { bench } from 'squall';
bench('pool', async () => 1, { concurrency: 0 });
`,
  );
  mkdirSync(at('cx'));
  writeFileSync(
    at('cx', 'sum.bench.ts'),
    `import { complexity } from 'squall';
complexity('sum', {
  sizes: [1000, 2000, 4000],
  setup: (n: number) => Array.from({ length: n }, (_, i) => i),
  fn: (xs: number[]) => xs.reduce((a, b) => a + b, 0),
  expect: 'O(n)',
});
`,
  );
  mkdirSync(at('exits'));
  writeFileSync(
    at('exits', 'exit.bench.ts'),
    `import { bench } from 'squall';
bench('before', () => 2 * 2);
bench('quits', () => process.exit(3));
`,
  );
  mkdirSync(at('slow'));
  writeFileSync(
    at('slow', 'slow.bench.ts'),
    `import { bench } from 'squall';
bench('quick one', () => 1 + 1);
bench('hangs', () => new Promise((r) => setTimeout(r, 60_000)));
`,
  );
});
afterAll(() => dir.remove());

type BenchDocument = ResultDocument & {
  bench: BenchSection;
  config: { command: string; files: string[]; filter: string | null; timeMs: number | null };
};

describe('squall bench', () => {
  it('finds the bench files of a folder and reports sync, async and grouped benches with figures', async () => {
    const r = await runCli(dir.path, [...BENCH, ok]);
    expect(r.code, explain(r)).toBe(0);
    // One table per group: the grouped bench sits under its group's title.
    expect(r.stdout).toMatch(/^ {2}ARRAYS\n.*\n {4}map /m);
    for (const name of ['sum sync', 'tick async', 'map', 'json mjs']) {
      const row = r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${name} `));
      expect(row, `${name}\n${explain(r)}`).toBeDefined();
      // A time with its unit in the median column.
      expect(row).toMatch(/\d+(\.\d+)? (ns|µs|ms|s)\b/);
    }
    // The bench file's own output is kept off stdout.
    expect(r.stdout).not.toContain('noise from a bench file');
    expect(r.stderr).toContain('noise from a bench file');
  });

  it('with --json prints only the document, in the agreed shape', async () => {
    const r = await runCli(dir.path, [...BENCH, '--json', ok]);
    expect(r.code, explain(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as BenchDocument;
    expect(doc).toMatchObject({
      schema: 2,
      tool: 'squall',
      kind: 'bench',
      endReason: 'completed',
      passed: true,
    });
    expect(doc.config).toMatchObject({ command: 'bench', filter: null, timeMs: 50 });
    expect(doc.config.files.sort()).toEqual([join('ok', 'math.bench.ts'), join('ok', 'plain.bench.mjs')]);
    expect(doc.bench.environment.gcExposed).toBe(true);
    const byName = new Map(doc.bench.benches.map((b) => [b.name, b]));
    expect([...byName.keys()].sort()).toEqual(['json mjs', 'map', 'sum sync', 'tick async']);
    const sync = byName.get('sum sync')!;
    const async_ = byName.get('tick async')!;
    expect(sync).toMatchObject({ group: null, async: false, concurrency: 1, error: null });
    expect(async_).toMatchObject({ async: true, error: null });
    expect(byName.get('map')).toMatchObject({ group: 'arrays' });
    for (const b of [sync, async_]) {
      expect(b.stats!.samples).toBeGreaterThan(0);
      expect(b.stats!.median).toBeGreaterThan(0);
      expect(b.stats!.opsPerSec).toBeGreaterThan(0);
      expect(b.stats!.min).toBeLessThanOrEqual(b.stats!.max);
      expect(b.iterationsPerSample).toBeGreaterThanOrEqual(1);
      expect(b.totalIterations).toBeGreaterThanOrEqual(b.stats!.samples);
    }
    expect(doc.bench.speedups).toEqual([]);
    expect(doc.bench.complexity).toEqual([]);
  });

  it('times a complexity check at each size and reports a fit', async () => {
    const r = await runCli(dir.path, [...BENCH, '--json', 'cx']);
    expect(r.code, explain(r)).toBe(0);
    const [c] = (JSON.parse(r.stdout) as BenchDocument).bench.complexity;
    expect(c).toMatchObject({
      file: join('cx', 'sum.bench.ts'),
      name: 'sum',
      sizes: [1000, 2000, 4000],
      expect: 'O(n)',
      error: null,
    });
    expect(c!.timesMs).toHaveLength(3);
    for (const t of c!.timesMs) expect(t).toBeGreaterThan(0);
    expect(c!.best).toMatch(/^O\(/);
    expect(c!.fits.length).toBeGreaterThan(0);
  });

  it('-t/--filter runs only the benches whose name matches', async () => {
    const r = await runCli(dir.path, [...BENCH, '--json', '-t', '^arrays map$|json', ok]);
    expect(r.code, explain(r)).toBe(0);
    const names = JSON.parse(r.stdout).bench.benches.map((b: { name: string }) => b.name);
    expect(names.sort()).toEqual(['json mjs', 'map']);
  });

  it('exits 1 when a bench throws, still measuring and reporting the others', async () => {
    const r = await runCli(dir.path, [...BENCH, at('throws')]);
    expect(r.code, explain(r)).toBe(1);
    expect(r.stdout).toMatch(/^ +fine .*\d+(\.\d+)? (ns|µs|ms)/m);
    expect(r.stdout).toContain('broken');
    expect(r.stdout).toContain('database is down');
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    const j = await runCli(dir.path, [...BENCH, '--json', at('throws')]);
    expect(j.code, explain(j)).toBe(1);
    const doc = JSON.parse(j.stdout);
    expect(doc.passed).toBe(false);
    const broken = doc.bench.benches.find((b: { name: string }) => b.name === 'broken');
    expect(broken.error.message).toContain('database is down');
    expect(doc.bench.benches.find((b: { name: string }) => b.name === 'fine').stats.median).toBeGreaterThan(
      0,
    );
  });

  it('exits 2 naming the folder when it holds no bench file (node_modules is not searched)', async () => {
    const r = await runCli(dir.path, [...BENCH, at('empty')]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('SQ_BENCH_EMPTY');
    expect(r.stderr).toContain(at('empty'));
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('exits 2 naming a missing path', async () => {
    const r = await runCli(dir.path, [...BENCH, at('nope.bench.ts')]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('SQ_CONFIG_FILE_NOT_FOUND');
    expect(r.stderr).toContain('nope.bench.ts');
  });

  it('exits 1 naming the bench that ended the process, with what was measured before it', async () => {
    const r = await runCli(dir.path, [...BENCH, 'exits']);
    expect(r.code, explain(r)).toBe(1);
    expect(r.stdout).toMatch(/^ +before .*\d/m);
    expect(r.stdout).toMatch(/quits: .*the bench process ended \(code 3\)/);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });

  it('exits 2 naming a bench file that registers no benchmark, before measuring anything', async () => {
    const r = await runCli(dir.path, [...BENCH, ok, at('none.bench.ts')]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('SQ_BENCH_EMPTY');
    expect(r.stderr).toContain('none.bench.ts');
    expect(r.stdout).toBe('');
  });

  it('exits 2 naming the file and the bench for a bad option, before measuring anything', async () => {
    const r = await runCli(dir.path, [...BENCH, ok, 'badopt.bench.ts']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('SQ_CONFIG_INVALID');
    expect(r.stderr).toContain("'pool' in badopt.bench.ts");
    expect(r.stderr).toContain('concurrency');
    expect(r.stdout).toBe('');
  });

  it('exits 2 naming the flag for a bad --time, an unknown option or a bad --filter', async () => {
    const t = await runCli(dir.path, ['bench', '--time', 'soon', ok]);
    expect(t.code, explain(t)).toBe(2);
    expect(t.stderr).toContain('--time');
    expect(t.stderr).toContain('soon');
    const u = await runCli(dir.path, ['bench', '--tiem', '1s', ok]);
    expect(u.code, explain(u)).toBe(2);
    expect(u.stderr).toContain('--tiem');
    const f = await runCli(dir.path, ['bench', '-t', '(', ok]);
    expect(f.code, explain(f)).toBe(2);
    expect(f.stderr).toContain('--filter');
  });

  it('exits 130 on Ctrl-C and still reports what was measured', async () => {
    const r = await runCli(dir.path, [...BENCH, at('slow')], {
      signal: { name: 'SIGINT', whenStderr: /running hangs/, afterMs: 200 },
    });
    expect(r.code, explain(r)).toBe(130);
    expect(r.stdout).toMatch(/^ +quick one .*\d/m);
  });

  it('--help shows examples', async () => {
    const r = await runCli(dir.path, ['bench', '--help']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--filter');
  });
});
