import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, requireBuiltCli, runCli as run, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `--baseline NAME` on run and quick, a test file's `regressions:` budgets, and compare with
 * several runs on a side (issue 16), through the CLI against real servers on 127.0.0.1.
 */

const dir = tempDir('squall-baseline-');
const runCli = (args: string[]) =>
  run(args, { cwd: dir.path, env: { SQUALL_STORE: undefined, SQUALL_SAVE: undefined }, timeoutMs: 60_000 });
let fast: TargetServer;
let slow: TargetServer;

const testFile = (target: string) => {
  const file = join(dir.path, 'api.yaml');
  writeFileSync(
    file,
    [
      'name: api flow',
      `target: ${target}`,
      'vus: 4',
      'duration: 4s',
      'regressions:',
      "  'http_reqs:rate': 60%",
      "  'http_req_duration:med': 10%",
      'users:',
      '  - name: reader',
      '    flow:',
      '      - get: /items',
      '',
    ].join('\n'),
  );
  return file;
};

type Doc = {
  passed: boolean;
  comparison?: {
    a: string;
    verdict: string;
    runsA: number;
    runsB: number;
    rows: { metric: string; a: number; b: number; budget: number; verdict: string }[];
  };
  metrics: { http_req_duration: { p50: number } };
};

beforeAll(async () => {
  requireBuiltCli();
  fast = await startTarget({ delayMs: 10 });
  slow = await startTarget({ delayMs: 25 });
});
afterAll(async () => {
  await fast?.close();
  await slow?.close();
  dir.remove();
});

describe('--baseline and regressions: budgets', () => {
  it('run --baseline: the comparison is in the document with the file’s per-metric budgets; a regression is exit 99', async () => {
    const base = await runCli(['run', testFile(fast.url), '-q', '--save']);
    expect(base.code, explain(base)).toBe(0);
    // The file's name: names the run in the history.
    expect(base.stderr).toContain('saved as run 1 (api flow)');
    expect((await runCli(['baseline', 'set', 'main', 'last'])).code).toBe(0);
    const out = join(dir.path, 'slow.json');
    const r = await runCli([
      'run',
      testFile(slow.url),
      '--baseline',
      'main',
      '-o',
      `json=${out}`,
      '--no-color',
    ]);
    expect(r.code, explain(r)).toBe(99);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as Doc;
    expect(doc.passed).toBe(false);
    const c = doc.comparison!;
    expect(c.a).toBe('baseline main (run 1)');
    expect(c.verdict).toBe('regressed');
    const row = (m: string) => c.rows.find((x) => x.metric === m)!;
    // The file's budgets win over --max-regression (10 %); an endpoint's row takes its metric's.
    expect(row('http_reqs:rate').budget).toBeCloseTo(0.6, 10);
    expect(row('http_req_duration:med').budget).toBeCloseTo(0.1, 10);
    expect(row('http_req_duration:p(95)').budget).toBeCloseTo(0.1, 10);
    expect(row('http_req_duration:med').verdict).toBe('regressed');
    expect(row('http_req_duration:med').b).toBe(doc.metrics.http_req_duration.p50);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('quick --baseline against an unchanged server is not a regression; an unknown baseline is exit 2 before the load', async () => {
    const a = await runCli(['quick', fast.url, '-d', '4s', '-c', '4', '-q', '--save', '--name', 'q']);
    expect(a.code, explain(a)).toBe(0);
    expect((await runCli(['baseline', 'set', 'quick-main', 'last'])).code).toBe(0);
    const out = join(dir.path, 'same.json');
    const b = await runCli([
      'quick',
      fast.url,
      '-d',
      '4s',
      '-c',
      '4',
      '-q',
      '--baseline',
      'quick-main',
      '-o',
      `json=${out}`,
    ]);
    expect(b.code, explain(b)).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as Doc;
    expect(doc.comparison!.verdict).not.toBe('regressed');
    // quick's one endpoint is the run: no repeated per-endpoint rows.
    expect(doc.comparison!.rows.every((x) => !x.metric.includes('{'))).toBe(true);
    const before = fast.count();
    const bad = await runCli(['quick', fast.url, '-d', '1s', '--baseline', 'nope']);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toContain("the baseline 'nope' is not in the history");
    const typo = await runCli(['quick', fast.url, '-d', '1s', '--baseline', 'quick-mian']);
    expect(typo.code, explain(typo)).toBe(2);
    expect(typo.stderr).toContain("did you mean 'quick-main'?");
    expect(fast.count()).toBe(before);
    const noBase = await runCli(['quick', fast.url, '-d', '1s', '--max-regression', '5%']);
    expect(noBase.code).toBe(2);
    expect(noBase.stderr).toContain('add --baseline NAME');
  });

  it('a bad regressions: entry names the file, line and what is expected', async () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(
      file,
      `target: ${fast.url}\nvus: 1\nduration: 1s\nregressions:\n  'http_req_duration:p(95)': 10\nusers:\n  - name: r\n    flow:\n      - get: /\n`,
    );
    const r = await runCli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected a percentage such as '10%'[\s\S]*bad\.yaml:5:\d+/);
  });

  it('compare with several runs on each side: each side is the mean of its runs, the interval over runs', async () => {
    const ids: number[] = [];
    for (const url of [fast.url, fast.url, fast.url, slow.url, slow.url, slow.url]) {
      const r = await runCli(['quick', url, '-d', '2s', '-c', '4', '-q', '--save', '--name', 'multi']);
      expect(r.code, explain(r)).toBe(0);
      ids.push(Number(/saved as run (\d+)/.exec(r.stderr)![1]));
    }
    const c = await runCli([
      'compare',
      ids.slice(0, 3).join(','),
      `${ids[3]}..${ids[5]}`,
      '--metric',
      'http_req_duration:med',
      '--json',
    ]);
    expect(c.code === 0 || c.code === 99, explain(c)).toBe(true);
    const cmp = JSON.parse(c.stdout) as NonNullable<Doc['comparison']>;
    expect([cmp.runsA, cmp.runsB]).toEqual([3, 3]);
    const medians: number[] = [];
    for (const id of ids) {
      const e = await runCli(['history', 'export', String(id)]);
      medians.push((JSON.parse(e.stdout) as Doc).metrics.http_req_duration.p50);
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(cmp.rows[0]!.a).toBeCloseTo(mean(medians.slice(0, 3)), 9);
    expect(cmp.rows[0]!.b).toBeCloseTo(mean(medians.slice(3)), 9);
    expect(cmp.rows[0]!.verdict).not.toBe('improved');
    const last = await runCli(['compare', 'last:2', `${ids[0]}`, '--json']);
    expect(last.code === 0 || last.code === 99, explain(last)).toBe(true);
    expect((JSON.parse(last.stdout) as NonNullable<Doc['comparison']>).runsA).toBe(2);
    const overlap = await runCli(['compare', `${ids[0]},${ids[1]}`, `${ids[1]}`]);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toContain('on both sides');
  });
});
