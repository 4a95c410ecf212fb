import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchEntry, BenchSection } from '../../src/result/bench-schema.js';
import type { ResultDocument } from '../../src/result/schema.js';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * `squall bench` against functions whose time is known (issue 15, "Done when"): busy-waits of
 * 50 µs and 500 µs on process.hrtime.bigint() read within 2 % on their median, `() => {}` reads
 * under 5 ns, the 500/50 ratio reads 10.0 ± 0.3, and 20 calls in flight of a 20 ms timer read a
 * mean of 20–23 ms with a throughput of 20 / mean within 5 % (Little's law). Strict bounds: run
 * on a quiet machine with `npm run test:accuracy`. Every figure is printed, pass or fail.
 */

const dir = tempDir('squall-bench-accuracy-');
let doc: ResultDocument & { bench: BenchSection };
let byName: Map<string, BenchEntry>;
const figures: string[] = [];

beforeAll(async () => {
  requireBuiltCli();
  writeFileSync(
    join(dir.path, 'known.bench.ts'),
    `import { bench } from 'squall';
const spin = (us: number) => {
  const end = process.hrtime.bigint() + BigInt(us * 1000);
  while (process.hrtime.bigint() < end);
};
bench('noop', () => {}, { time: 2000 });
bench('spin 50us', () => spin(50), { time: 2000 });
bench('spin 500us', () => spin(500), { time: 2000 });
bench('timer 20ms', () => new Promise<void>((r) => setTimeout(r, 20)), { concurrency: 20, time: 2000 });
`,
  );
  const r = await runCli(['bench', '--json', 'known.bench.ts'], { cwd: dir.path, timeoutMs: 60_000 });
  expect(r.code, explain(r)).toBe(0);
  doc = JSON.parse(r.stdout);
  byName = new Map(doc.bench.benches.map((b) => [b.name, b]));
}, 90_000);
afterAll(() => {
  console.log(
    `squall bench accuracy (${doc?.bench.environment.cpu}, node ${doc?.bench.environment.node}):\n  ${figures.join('\n  ')}`,
  );
  dir.remove();
});

const median = (name: string): number => byName.get(name)!.stats!.median;

describe('squall bench reads known times', () => {
  it('busy-waits of 50 µs and 500 µs read within 2 % on their median', () => {
    for (const [name, us] of [
      ['spin 50us', 50],
      ['spin 500us', 500],
    ] as const) {
      const got = median(name) * 1000;
      const b = byName.get(name)!;
      const line = `${name}: median ${got.toFixed(3)} µs (${(((got - us) / us) * 100).toFixed(2)} %), mean ${(b.stats!.mean * 1000).toFixed(3)} µs ± ${((b.stats!.rme ?? 0) * 100).toFixed(2)} %, ${b.stats!.samples} samples × ${b.iterationsPerSample}`;
      figures.push(line);
      expect(Math.abs(got / us - 1), line).toBeLessThan(0.02);
    }
  });

  it('() => {} reads under 5 ns', () => {
    const ns = median('noop') * 1e6;
    const b = byName.get('noop')!;
    const line = `noop: median ${ns.toFixed(3)} ns, min ${(b.stats!.min * 1e6).toFixed(3)} ns, ${b.stats!.samples} samples × ${b.iterationsPerSample}; timer resolution ${doc.bench.environment.timerResolutionNs} ns; warnings: ${b.warnings.join('; ') || 'none'}`;
    figures.push(line);
    expect(ns, line).toBeGreaterThanOrEqual(0);
    expect(ns, line).toBeLessThan(5);
  });

  it('the 500 µs / 50 µs ratio reads 10.0 ± 0.3', () => {
    const ratio = median('spin 500us') / median('spin 50us');
    const line = `ratio 500us/50us: ${ratio.toFixed(4)}`;
    figures.push(line);
    expect(Math.abs(ratio - 10), line).toBeLessThanOrEqual(0.3);
  });

  it("20 calls in flight of a 20 ms timer: mean 20–23 ms, throughput = 20 / mean within 5 % (Little's law)", () => {
    const c = byName.get('timer 20ms')!.concurrent!;
    const little = 20 / (c.latency.mean / 1000);
    const line = `timer 20ms ×20: mean ${c.latency.mean.toFixed(3)} ms, p50 ${c.latency.p50.toFixed(3)} ms, p99 ${c.latency.p99.toFixed(3)} ms, ${c.opsPerSec.toFixed(1)} ops/s vs 20 / mean = ${little.toFixed(1)}/s (${((c.opsPerSec / little - 1) * 100).toFixed(2)} %), ${c.completed} calls in ${c.windowMs.toFixed(0)} ms`;
    figures.push(line);
    expect(c.latency.mean, line).toBeGreaterThanOrEqual(20);
    expect(c.latency.mean, line).toBeLessThanOrEqual(23);
    expect(Math.abs(c.opsPerSec / little - 1), line).toBeLessThan(0.05);
  });
});
