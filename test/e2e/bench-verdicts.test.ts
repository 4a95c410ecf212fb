import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchSection, ResultDocument } from '../../src/result/schema.js';
import {
  type CliOptions,
  type CliResult,
  explain,
  hasStackTrace,
  readResult,
  requireBuiltCli,
  runCli as run,
  type SignalPlan,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * `squall bench`'s verdicts end to end: budgets, speedups and complexity expectations (exit 99),
 * the bad options found before anything is measured (exit 2), Ctrl-C with -o (exit 130) and the
 * distribution column of a wide terminal. Real bench files in a temp folder, run by the built
 * CLI. The functions busy-wait known times or do work whose growth is known, so that a verdict
 * cannot go the other way on a loaded machine: a budget of 1 µs for 200 µs of work, a claimed
 * 1000× for a 10× difference, sizes spanning a factor of 16–32 for the complexity fits.
 */

const dir = tempDir('squall-bench-verdicts-');
const at = (...p: string[]) => join(dir.path, ...p);
const BENCH = ['bench', '--time', '50ms'];
const runCli = (args: string[], opts: CliOptions & { signal?: SignalPlan } = {}) =>
  run(args, { cwd: dir.path, ...opts });

type BenchDocument = ResultDocument & { bench: BenchSection };
const docOf = (r: CliResult): BenchDocument => {
  try {
    return JSON.parse(r.stdout) as BenchDocument;
  } catch {
    throw new Error(`stdout is not a document\n${explain(r)}`);
  }
};

/** Busy-waits `us` microseconds on the monotonic clock: a bench of a known time. */
const SPIN = `const spin = (us: number) => {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end);
};`;

/** A nested loop, O(n^2), checked against `expect`. */
// '| 0' keeps the sum a small integer: a sum that outgrows one turns into a double mid-run
// and slows the biggest sizes down, which reads as a faster-growing class.
const nestedLoop = (expect: string) => `complexity('nested loop', {
  sizes: [100, 200, 400, 800, 1600],
  setup: (n: number) => n,
  fn: (n: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s = (s + (i ^ j)) | 0;
    return s;
  },
  expect: '${expect}',
});`;

function write(rel: string, body: string): void {
  mkdirSync(join(dir.path, rel, '..'), { recursive: true });
  writeFileSync(at(rel), `import { bench, group, complexity } from 'squall';\n${body}\n`);
}

beforeAll(() => {
  requireBuiltCli();
  write(
    'budget/pass.bench.ts',
    `${SPIN}
bench('spin 20us', () => spin(20), { budget: ['mean<1s', 'ops>1', 'p(99)<1s'] });`,
  );
  write(
    'budget/fail.bench.ts',
    `${SPIN}
bench('tiny', () => Math.sqrt(2), { budget: 'mean<1s' });
bench('spin 200us', () => spin(200), { budget: ['mean<1µs', 'ops>1e9'] });`,
  );
  const speedFile = (atLeast: number) => `${SPIN}
group('spin', () => {
  bench('slow', () => spin(100));
  bench('fast', () => spin(10), { speedup: { over: 'slow', atLeast: ${atLeast} } });
});`;
  write('speed/holds.bench.ts', speedFile(2));
  write('speed/fails.bench.ts', speedFile(1000));
  write(
    'speed-unmeasurable/zero.bench.ts',
    `${SPIN}
group('zero', () => {
  bench('work', () => spin(5));
  bench('nothing', () => {}, { speedup: { over: 'work', atLeast: 2 } });
});`,
  );
  write(
    'speed-unmeasurable/one.bench.ts',
    `${SPIN}
group('one sample', () => {
  bench('slow', () => spin(50));
  bench('fast', () => spin(5), { iterations: 1, warmup: false, speedup: { over: 'slow', atLeast: 2 } });
});`,
  );
  write(
    'cx/right.bench.ts',
    `// A Map lookup: the same 64 keys, spread over the map. Up to 4,096 entries the map stays within
// a core's L2 cache and a few pages; at 16,000, on a loaded machine, its cache and TLB misses
// added half again to the biggest size and the fit read O(log n).
complexity('map lookup', {
  sizes: [256, 512, 1024, 2048, 4096],
  setup: (n: number) => {
    const m = new Map<number, number>();
    for (let i = 0; i < n; i++) m.set(i, i);
    return { m, keys: Array.from({ length: 64 }, (_, i) => Math.floor((i * n) / 64)) };
  },
  fn: (x: { m: Map<number, number>; keys: number[] }) => {
    let s = 0;
    for (const k of x.keys) s += x.m.get(k)!;
    return s;
  },
  expect: 'O(1)',
});
// A counting loop: O(n) in registers alone. An array sum was O(n) only while its array stayed
// in one cache level: past a core's L1 (or half of it, with the hyperthread busy) its time per
// element rose by a third at the biggest sizes, on CI and on a loaded machine, which reads as
// O(n log n). That is the machine's real cost, not a misfit, so the fixture holds no data.
complexity('counting loop', {
  sizes: [1000, 2000, 4000, 8000, 16000, 32000],
  setup: (n: number) => n,
  fn: (n: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = (s + (i ^ 0x5bd1)) | 0;
    return s;
  },
  expect: 'O(n)',
});
${nestedLoop('O(n^2)')}`,
  );
  write('cx/wrong.bench.ts', nestedLoop('O(n)'));
  // A burst of load while the biggest size is timed, once: its first input (setup runs once per
  // size and round) does the work three times over. The other rounds time it at its true cost.
  write(
    'cx/burst.bench.ts',
    `const built = new Map<number, number>();
complexity('count, one slow stretch', {
  sizes: [5000, 10000, 20000, 40000, 80000],
  setup: (n: number) => {
    built.set(n, (built.get(n) ?? 0) + 1);
    return { n, reps: n === 80000 && built.get(n) === 1 ? 3 : 1 };
  },
  fn: (x: { n: number; reps: number }) => {
    let s = 0;
    for (let r = 0; r < x.reps; r++) for (let i = 0; i < x.n; i++) s = (s + (i ^ 0x5bd1)) | 0;
    return s;
  },
  expect: 'O(n)',
});`,
  );
  write('bad/budget-op.bench.ts', `bench('lt', () => 1, { budget: 'mean<<5ms' });`);
  write('bad/budget-pct.bench.ts', `bench('pct', () => 1, { budget: ['p(42)<1ms'] });`);
  write('bad/budget-unit.bench.ts', `bench('unit', () => 1, { budget: ['mean<5 parsecs'] });`);
  write(
    'bad/over.bench.ts',
    `group('g', () => {
  bench('a', () => 1);
  bench('b', () => 1, { speedup: { over: 'nobody' } });
});`,
  );
  write(
    'bad/expect.bench.ts',
    `complexity('fact', { sizes: [10, 20, 40], setup: (n: number) => n, fn: (n: number) => n, expect: 'O(n!)' });`,
  );
  write(
    'bad/sizes.bench.ts',
    `complexity('tiny', { sizes: [1, 2], setup: (n: number) => n, fn: (n: number) => n });`,
  );
  write(
    'slow/slow.bench.ts',
    `bench('quick one', () => JSON.stringify({ n: 1 }));
bench('hangs', () => new Promise((r) => setTimeout(r, 60_000)));`,
  );
  write(
    'warn/suspect.bench.ts',
    `${SPIN}
bench('empty', () => {}, { time: 50 });
let turn = 0;
// Six samples of 20 µs or 1 ms in turn: the margin of error is most of the mean.
bench('erratic', () => spin(turn++ % 2 === 0 ? 20 : 1000), { iterations: 6, warmup: false });`,
  );
  write(
    'conc/timer.bench.ts',
    `bench('timer 20ms', () => new Promise<void>((r) => setTimeout(r, 20)), { concurrency: 20 });`,
  );
});
afterAll(() => dir.remove());

describe('squall bench budgets', () => {
  it('a budget that holds exits 0, each budget with its verdict and the measured figure', async () => {
    const r = await runCli([...BENCH, '--json', 'budget/pass.bench.ts']);
    expect(r.code, explain(r)).toBe(0);
    const doc = docOf(r);
    expect(doc.passed).toBe(true);
    const [b] = doc.bench.benches;
    expect(b!.budgets.map((x) => [x.expr, x.ok])).toEqual([
      ['mean<1s', true],
      ['ops>1', true],
      ['p(99)<1s', true],
    ]);
    // The actual figures are the bench's own: mean in ms, ops/s, p99 in ms.
    expect(b!.budgets[0]!.actual).toBe(b!.stats!.mean);
    expect(b!.budgets[1]!.actual).toBe(b!.stats!.opsPerSec);
    expect(b!.budgets[2]!.actual).toBe(b!.stats!.p99);
  });

  it('a budget that cannot hold exits 99, shows ✗ with the figure, and every -o file is written', async () => {
    const out = (ext: string) => at('budget', `out.${ext}`);
    const r = await runCli([
      ...BENCH,
      'budget/fail.bench.ts',
      '-o',
      `json=${out('json')}`,
      '-o',
      `md=${out('md')}`,
      '-o',
      `junit=${out('xml')}`,
      '-o',
      `csv=${out('csv')}`,
      '-o',
      `html=${out('html')}`,
    ]);
    expect(r.code, explain(r)).toBe(99);
    // The verdict line quotes the budget and the measured figure with its unit.
    expect(r.stdout).toMatch(/spin 200us: ✗ mean<1µs \(\d+(\.\d+)? µs\)/);
    expect(r.stdout).toMatch(/spin 200us: ✗ ops>1e9 \([\d,.]+k? ops\/s\)/);
    expect(r.stdout).toMatch(/tiny: ✓ mean<1s/);
    expect(r.stdout).toContain('FAILED');

    const doc = readResult(out('json'), r) as BenchDocument;
    expect(doc.passed).toBe(false);
    const spin = doc.bench.benches.find((b) => b.name === 'spin 200us')!;
    expect(spin.budgets.map((x) => x.ok)).toEqual([false, false]);
    expect(spin.budgets[0]!.actual).toBeGreaterThan(0.001);
    expect(doc.bench.benches.find((b) => b.name === 'tiny')!.budgets[0]!.ok).toBe(true);

    const md = readFileSync(out('md'), 'utf8');
    expect(md).toContain('spin 200us');
    expect(md).toMatch(/✗ mean&lt;1µs|✗ mean<1µs/);
    // CSV is written Locust-style: PATH_stats.csv and its companions.
    const csv = readFileSync(`${out('csv')}_stats.csv`, 'utf8');
    expect(csv).toMatch(/spin 200us.*FAILED mean<1µs/);
    expect(readFileSync(out('html'), 'utf8')).toContain('spin 200us');

    // JUnit: one case per bench; the failing one carries a <failure> naming its budget.
    const xml = readFileSync(out('xml'), 'utf8');
    expect(xml).toMatch(/<testsuite [^>]*tests="2" failures="1"/);
    expect(xml).toMatch(/<testcase name="tiny"[^>]*\/>/);
    expect(xml).toMatch(
      /<testcase name="spin 200us"[^>]*>\s*<failure message="budget ✗ mean&lt;1µs \([^"]*µs\)" type="budget">/,
    );

    // The saved document renders, and judges, the same.
    const rep = await runCli(['report', out('json')]);
    expect(rep.code, explain(rep)).toBe(99);
    expect(rep.stdout).toMatch(/spin 200us: ✗ mean<1µs/);
  });
});

describe('squall bench speedups', () => {
  it('a speedup that holds exits 0, with its factor and 95 % interval', async () => {
    const r = await runCli([...BENCH, '--json', 'speed/holds.bench.ts']);
    expect(r.code, explain(r)).toBe(0);
    const [s] = docOf(r).bench.speedups;
    expect(s).toMatchObject({ group: 'spin', name: 'fast', over: 'slow', atLeast: 2, ok: true });
    expect(s!.low).toBeGreaterThanOrEqual(2);
    expect(s!.low).toBeLessThanOrEqual(s!.factor!);
    expect(s!.factor).toBeLessThanOrEqual(s!.high!);
  });

  it('a speedup that cannot be measured fails its atLeast (exit 99) and says why', async () => {
    // No --time: it would take the place of the one-sample bench's iterations. One run gives the
    // document and the console: an empty function timed twice read under 0.5 ns once and just
    // over it the other time, on a loaded CI machine.
    const json = at('speed-unmeasurable', 'out.json');
    const r = await runCli(['bench', '--no-color', '-o', `json=${json}`, 'speed-unmeasurable']);
    expect(r.code, explain(r)).toBe(99);
    const doc = readResult(json, r) as BenchDocument;
    // one.bench.ts runs before zero.bench.ts (files in name order).
    expect(doc.bench.speedups).toEqual([
      expect.objectContaining({ name: 'fast', over: 'slow', factor: null, ok: false }),
      expect.objectContaining({
        name: 'nothing',
        over: 'work',
        factor: null,
        low: null,
        high: null,
        ok: false,
      }),
    ]);
    expect(doc.warnings).toEqual([
      expect.stringMatching(/'fast' over 'slow' not measured: too few samples \(\d+ and 1/),
      expect.stringMatching(/'nothing' over 'work' not measured: 'nothing' reads under 0.5 ns/),
    ]);
    expect(r.stdout).toContain('nothing over work: not measured, expected ≥ 2× ✗');
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });

  it('a speedup that cannot hold exits 99, and -t of the claimant still runs the bench it is over', async () => {
    const r = await runCli([...BENCH, '-t', 'fast', 'speed/fails.bench.ts']);
    expect(r.code, explain(r)).toBe(99);
    expect(r.stdout).toMatch(
      /fast is \d+(\.\d+)?× faster than slow \(95 % CI [\d.]+–[\d.]+×\), expected ≥ 1000× ✗/,
    );
    // Both were measured: a speedup needs the two.
    expect(r.stdout).toMatch(/^ +slow +\d/m);
    expect(r.stdout).toMatch(/^ +fast +\d/m);
  });
});

describe('squall bench complexity', () => {
  it('names O(1) for a Map lookup, O(n) for a counting loop and O(n^2) for a nested loop', async () => {
    const r = await runCli(['bench', '--time', '1500ms', '--json', 'cx/right.bench.ts'], {
      timeoutMs: 40_000,
    });
    const doc = docOf(r);
    const best = Object.fromEntries(doc.bench.complexity.map((c) => [c.name, c.best]));
    const detail = `${JSON.stringify(doc.bench.complexity, null, 1)}\n${explain(r)}`;
    expect(best, detail).toEqual({ 'map lookup': 'O(1)', 'counting loop': 'O(n)', 'nested loop': 'O(n^2)' });
    expect(r.code, detail).toBe(0);
    for (const c of doc.bench.complexity) {
      expect(c.ok).toBe(true);
      expect(c.timesMs).toHaveLength(c.sizes.length);
    }
  }, 45_000);

  it('a wrong expect exits 99 and names the check, its expectation and the fit', async () => {
    const r = await runCli(['bench', '--time', '500ms', 'cx/wrong.bench.ts']);
    expect(r.code, explain(r)).toBe(99);
    // The fit (O(n^2); O(n^3) or O(n log n) when the machine slows a size down) grows faster
    // than O(n): that is the verdict.
    expect(r.stdout).toMatch(/^ +nested loop: O\((n\^[23]|n log n)\), RMS [\d.]+ %, expected O\(n\) ✗$/m);
  });

  it('a size slowed down once (a burst of load) does not bend the fit: sizes are timed in rounds', async () => {
    const r = await runCli(['bench', '--time', '750ms', '--json', 'cx/burst.bench.ts']);
    const [c] = docOf(r).bench.complexity;
    const detail = `${JSON.stringify(c)}\n${explain(r)}`;
    expect(c!.best, detail).toBe('O(n)');
    expect(r.code, detail).toBe(0);
  });
});

describe('squall bench bad options exit 2 before measuring, naming the file and the bench', () => {
  const cases: [string, string, RegExp[]][] = [
    ['budget-op', 'SQ_THRESHOLD_SYNTAX', [/'lt'/, /mean<<5ms/]],
    ['budget-pct', 'SQ_THRESHOLD_SYNTAX', [/'pct'/, /p\(42\)/]],
    ['budget-unit', 'SQ_THRESHOLD_SYNTAX', [/'unit'/, /parsecs/]],
    ['over', 'SQ_CONFIG_INVALID', [/'g › b'/, /speedup\.over/, /nobody/]],
    ['expect', 'SQ_CONFIG_INVALID', [/'fact'/, /O\(n!\)/]],
    ['sizes', 'SQ_CONFIG_INVALID', [/'tiny'/, /sizes/, /\[1,2\]/]],
  ];
  for (const [name, code, patterns] of cases) {
    it(`${name}: ${code}`, async () => {
      const file = `bad/${name}.bench.ts`;
      const r = await runCli([...BENCH, file]);
      expect(r.code, explain(r)).toBe(2);
      expect(r.stderr).toContain(code);
      expect(r.stderr).toContain(file);
      for (const p of patterns) expect(r.stderr).toMatch(p);
      expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
      // Nothing was measured: no bench started, no table.
      expect(r.stderr).not.toContain('running');
      expect(r.stdout).toBe('');
    });
  }

  it('an unknown -o kind names -o, before measuring', async () => {
    const r = await runCli([...BENCH, 'budget/pass.bench.ts', '-o', 'pdf=x.pdf']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('-o');
    expect(r.stderr).toContain('pdf');
    expect(r.stderr).not.toContain('running');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(existsSync(at('x.pdf'))).toBe(false);
  });
});

describe('squall bench, interrupted and wide', () => {
  it('Ctrl-C exits 130 and -o json still holds the benches measured before', async () => {
    const out = at('slow', 'out.json');
    const r = await runCli([...BENCH, 'slow', '-o', `json=${out}`], {
      signal: { name: 'SIGINT', whenStderr: /running hangs/, afterMs: 200 },
    });
    expect(r.code, explain(r)).toBe(130);
    const doc = readResult(out, r) as BenchDocument;
    expect(doc.endReason).toBe('interrupted');
    const quick = doc.bench.benches.find((b) => b.name === 'quick one');
    expect(quick?.stats?.median, explain(r)).toBeGreaterThan(0);
  });

  it('a wide terminal gets a distribution column drawn in blocks; a default one does not', async () => {
    const wide = await runCli([...BENCH, 'budget/pass.bench.ts'], { env: { COLUMNS: '160' } });
    expect(wide.code, explain(wide)).toBe(0);
    expect(wide.stdout).toMatch(/^ +bench .*distribution$/m);
    expect(wide.stdout).toMatch(/^ +spin 20us .*[▁▂▃▄▅▆▇█]{2,}/m);
    const plain = await runCli([...BENCH, 'budget/pass.bench.ts'], { env: { COLUMNS: undefined } });
    expect(plain.code, explain(plain)).toBe(0);
    expect(plain.stdout).not.toContain('distribution');
    expect(plain.stdout).not.toMatch(/[▁▂▃▄▅▆▇█]/);
  });
});

describe('squall bench warnings', () => {
  it('warns of a function faster than squall can time, and of a noisy one, on the bench and in the console', async () => {
    // No --time: it would take the place of the erratic bench's own iterations.
    const r = await runCli(['bench', '--json', 'warn']);
    expect(r.code, explain(r)).toBe(0);
    const doc = docOf(r);
    const [empty, erratic] = doc.bench.benches;
    // An empty function is inlined into squall's loop: nothing is left to time, and it says so,
    // with no claim about the spread or the shape of what is the clock's noise.
    expect(empty!.stats!.median * 1e6).toBeLessThan(5);
    expect(empty!.warnings).toEqual([expect.stringContaining('faster than squall can time')]);
    expect(erratic!.stats!.samples).toBe(6);
    expect(erratic!.warnings.some((w) => w.startsWith('noisy:'))).toBe(true);
    const text = await runCli(['bench', '--no-color', 'warn']);
    expect(text.stdout).toMatch(/! empty: faster than squall can time/);
    expect(text.stdout).toMatch(/! erratic: noisy: the 95 % margin of error is ±\d+/);
  });
});

describe("squall bench concurrency: Little's law", () => {
  it('20 calls in flight of a 20 ms timer: mean ≈ 20 ms and throughput = 20 / mean within 5 %', async () => {
    const r = await runCli(['bench', '--time', '1s', '--json', 'conc']);
    expect(r.code, explain(r)).toBe(0);
    const [b] = docOf(r).bench.benches;
    expect(b).toMatchObject({ concurrency: 20, async: true, error: null });
    const c = b!.concurrent!;
    const little = 20 / (c.latency.mean / 1000);
    const msg = `mean ${c.latency.mean} ms, ${c.opsPerSec} ops/s, 20 / mean = ${little}/s`;
    // Node may fire a timer up to ~1 ms early; a loaded machine makes calls late, never early.
    expect(c.latency.mean, msg).toBeGreaterThanOrEqual(19);
    expect(c.latency.mean, msg).toBeLessThan(40);
    expect(Math.abs(c.opsPerSec / little - 1), msg).toBeLessThan(0.05);
  });
});
