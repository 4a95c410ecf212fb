import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliResult,
  explain,
  hasStackTrace,
  requireBuiltCli,
  runCli as run,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * `squall bench --baseline NAME` (issue 16): a bench's verdict comes from the figures of several
 * processes (`--forks`, 5 by default with --save and --baseline), since one process's samples
 * cannot show how much the next process differs: two runs of the same nanosecond bench, one
 * process each, once read +70 % "regressed". The bench busy-waits a known time, set by WORK.
 */

const dir = tempDir('squall-bench-baseline-');
const runCli = (args: string[], work = '1') =>
  run(args, {
    cwd: dir.path,
    env: { SQUALL_STORE: undefined, SQUALL_SAVE: undefined, WORK: work },
    timeoutMs: 60_000,
  });

type Doc = {
  passed: boolean;
  bench: { benches: { name: string; forks: { samples: number; mean: number; median: number }[] }[] };
  comparison?: {
    verdict: string;
    processesA?: number;
    processesB?: number;
    rows: { metric: string; change: number; verdict: string }[];
  };
};
const docOf = (r: CliResult): Doc => {
  try {
    return JSON.parse(r.stdout) as Doc;
  } catch {
    throw new Error(`stdout is not a document\n${explain(r)}`);
  }
};

beforeAll(async () => {
  requireBuiltCli();
  writeFileSync(
    join(dir.path, 'spin.bench.ts'),
    `import { bench } from 'squall';
const spin = (us: number) => {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end);
};
const us = 40 * Number(process.env.WORK ?? '1');
bench('spin', () => spin(us));
`,
  );
  const saved = await runCli(['bench', '--time', '500ms', '--save', '--json', 'spin.bench.ts']);
  expect(saved.code, explain(saved)).toBe(0);
  const set = await runCli(['baseline', 'set', 'main', 'last']);
  expect(set.code, explain(set)).toBe(0);
}, 90_000);
afterAll(() => dir.remove());

describe('squall bench --baseline', () => {
  it('--save runs 5 processes and keeps each one figures', async () => {
    const r = await runCli(['history', 'export', '1']);
    expect(r.code, explain(r)).toBe(0);
    const [spin] = docOf(r).bench.benches;
    expect(spin?.forks).toHaveLength(5);
    for (const f of spin!.forks) {
      expect(f.samples).toBeGreaterThan(1);
      // Busy-waits 40 µs: no process reads less, and none reads over twice that as its median.
      expect(f.median).toBeGreaterThanOrEqual(0.04);
      expect(f.median).toBeLessThan(0.08);
    }
  });

  it('the same bench again is no regression, judged over 5 processes against 5', async () => {
    const r = await runCli(['bench', '--time', '500ms', '--json', '--baseline', 'main', 'spin.bench.ts']);
    const doc = docOf(r);
    const detail = `${JSON.stringify(doc.comparison)}\n${explain(r)}`;
    expect(r.code, detail).toBe(0);
    expect(doc.comparison?.processesA, detail).toBe(5);
    expect(doc.comparison?.processesB, detail).toBe(5);
    expect(doc.comparison?.rows.map((x) => x.metric)).toEqual(['spin:avg', 'spin:med']);
    for (const row of doc.comparison!.rows) expect(row.verdict, detail).not.toBe('regressed');
    expect(doc.passed).toBe(true);
  });

  it('a bench made 50 % slower is regressed: exit 99, passed false', async () => {
    const r = await runCli(
      ['bench', '--time', '500ms', '--json', '--baseline', 'main', 'spin.bench.ts'],
      '1.5',
    );
    const doc = docOf(r);
    const detail = `${JSON.stringify(doc.comparison)}\n${explain(r)}`;
    expect(r.code, detail).toBe(99);
    expect(doc.passed).toBe(false);
    expect(doc.comparison?.verdict).toBe('regressed');
    const med = doc.comparison!.rows.find((x) => x.metric === 'spin:med')!;
    expect(med.verdict, detail).toBe('regressed');
    expect(med.change, detail).toBeGreaterThan(0.3);
  });

  it('with one process the change has no interval: inconclusive, and the summary says why', async () => {
    const r = await runCli(
      ['bench', '--time', '300ms', '--forks', '1', '--no-color', '--baseline', 'main', 'spin.bench.ts'],
      '1.5',
    );
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/^ +spin:med .*\? inconclusive/m);
    expect(r.stdout).toContain(
      'one process on a side gives a bench no interval: run squall bench with --forks 5',
    );
  });

  it('--forks 0 is exit 2 naming the flag, before anything runs', async () => {
    const r = await runCli(['bench', '--forks', '0', 'spin.bench.ts']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('--forks "0" is not a whole number from 1 to 100');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).not.toContain('running spin');
  });
});
