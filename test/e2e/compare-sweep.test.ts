import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { explain, hasStackTrace, requireBuiltCli, runCli as run, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `squall compare` of two sweeps (issue 16, "for a sweep, each level"): real sweeps of servers on
 * 127.0.0.1, compared level by level, each row's interval from the level's own seconds.
 */

const dir = tempDir('squall-compare-sweep-');
const runCli = (args: string[]) => run(args, { cwd: dir.path, timeoutMs: 60_000 });
let fast: TargetServer;
let slow: TargetServer;

type Row = { metric: string; a: number | null; b: number | null; verdict: string };

const sweep = async (url: string, out: string, extra: string[] = []) => {
  const r = await runCli([
    'sweep',
    url,
    '--levels',
    '1,2',
    '--hold',
    '4s',
    '--warmup',
    '0s',
    '-q',
    '-o',
    `json=${out}`,
    ...extra,
  ]);
  expect(r.code, explain(r)).toBe(0);
  return JSON.parse(readFileSync(join(dir.path, out), 'utf8')) as ResultDocument;
};

beforeAll(async () => {
  requireBuiltCli();
  // 5 ms against 25 ms: a step that no contention on a shared machine hides.
  fast = await startTarget({ delayMs: 5 });
  slow = await startTarget({ delayMs: 25 });
});
afterAll(async () => {
  await fast?.close();
  await slow?.close();
  dir.remove();
});

describe('squall compare of two sweeps', () => {
  it('compares each level both sweeps measured, with figures read from the levels', async () => {
    const a = await sweep(fast.url, 'fast.json');
    const b = await sweep(slow.url, 'slow.json');
    for (const l of [...a.sweep!.levels, ...b.sweep!.levels])
      expect(l.timeline!.length).toBeGreaterThanOrEqual(3);
    const r = await runCli(['compare', 'fast.json', 'slow.json', '--json']);
    expect(r.code, explain(r)).toBe(99);
    const c = JSON.parse(r.stdout) as { kind: string; rows: Row[]; verdict: string };
    expect(c.kind).toBe('sweep');
    expect(c.verdict).toBe('regressed');
    for (const n of [1, 2]) {
      const la = a.sweep!.levels.find((l) => l.level === n)!;
      const lb = b.sweep!.levels.find((l) => l.level === n)!;
      const rowOf = (m: string) => c.rows.find((x) => x.metric === m.replace(':', `{level:${n}}:`))!;
      expect(rowOf('http_reqs:rate')).toMatchObject({ a: la.rps, b: lb.rps, verdict: 'regressed' });
      expect(rowOf('http_req_duration:med')).toMatchObject({
        a: la.latency.p50,
        b: lb.latency.p50,
        verdict: 'regressed',
      });
      expect(rowOf('http_req_duration:p(95)')).toMatchObject({ a: la.latency.p95, b: lb.latency.p95 });
      expect(rowOf('http_req_failed:rate')).toMatchObject({ a: la.errorRate, b: lb.errorRate });
    }
    const table = await runCli(['compare', 'fast.json', 'slow.json']);
    expect(table.stdout).toMatch(/http_req_duration\{level:2\}:med .* regressed/);
    const one = await runCli([
      'compare',
      'fast.json',
      'slow.json',
      '--metric',
      'http_reqs{level:1}:rate',
      '--json',
    ]);
    expect((JSON.parse(one.stdout) as { rows: Row[] }).rows.map((x) => x.metric)).toEqual([
      'http_reqs{level:1}:rate',
    ]);
  });

  it('refuses a sweep against a load run, and sweeps of different kinds of level', async () => {
    const q = await runCli(['quick', fast.url, '-n', '50', '-q', '-o', 'json=quick.json']);
    expect(q.code, explain(q)).toBe(0);
    const mixed = await runCli(['compare', 'fast.json', 'quick.json']);
    expect(mixed.code, explain(mixed)).toBe(2);
    expect(mixed.stderr).toMatch(
      /cannot compare fast\.json \(a sweep result\) with quick\.json \(a load result\)/,
    );
    expect(hasStackTrace(mixed.stderr)).toBe(false);
    await sweep(fast.url, 'rate.json', ['--rate', '--levels', '20,40']);
    const modes = await runCli(['compare', 'fast.json', 'rate.json']);
    expect(modes.code, explain(modes)).toBe(2);
    expect(modes.stderr).toMatch(/concurrency levels with a sweep of arrival rates/);
    expect(hasStackTrace(modes.stderr)).toBe(false);
  });
});
