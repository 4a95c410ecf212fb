import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, requireBuiltCli, runCli as run, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * The history end to end (issue 16): real quick runs against servers on 127.0.0.1 kept with
 * --save in a SQLite store of a temp folder, then listed, shown, exported, trended, named as
 * baselines, compared and removed through the CLI.
 */

const dir = tempDir('squall-history-');
const runCli = (args: string[], env: Record<string, string | undefined> = {}) =>
  run(args, {
    cwd: dir.path,
    env: { SQUALL_STORE: undefined, SQUALL_SAVE: undefined, ...env },
    timeoutMs: 60_000,
  });
let fast: TargetServer;
let slow: TargetServer;

const quick = (url: string, extra: string[] = []) =>
  runCli(['quick', url, '-d', '6s', '-c', '4', '-q', '--save', '--name', 'api', ...extra]);

beforeAll(async () => {
  requireBuiltCli();
  fast = await startTarget({ delayMs: 20 });
  slow = await startTarget({ delayMs: 30 });
});
afterAll(async () => {
  await fast?.close();
  await slow?.close();
  dir.remove();
});

describe('squall history, baseline and compare', () => {
  it('--save keeps runs with their name, labels and facts; history list, show and export read them', async () => {
    for (const label of ['try=1', 'try=2']) {
      const r = await quick(fast.url, ['--label', label, '--label', 'env=test']);
      expect(r.code, explain(r)).toBe(0);
      expect(r.stderr).toMatch(/saved as run \d+ \(api\)/);
    }
    expect(existsSync(join(dir.path, '.squall', 'history.db'))).toBe(true);
    const list = await runCli(['history', 'list', '--json']);
    expect(list.code, explain(list)).toBe(0);
    const runs = JSON.parse(list.stdout) as {
      id: number;
      meta: { name: string; kind: string; labels: Record<string, string>; node: string };
    }[];
    expect(runs.map((x) => x.id)).toEqual([2, 1]);
    expect(runs[0]!.meta).toMatchObject({
      name: 'api',
      kind: 'quick',
      labels: { try: '2', env: 'test' },
      node: process.version,
    });
    const table = await runCli(['history', 'list']);
    expect(table.stdout).toMatch(/^2 +\S+ \S+ +quick +passed .* api +try=2 env=test$/m);
    const exported = await runCli(['history', 'export', '1']);
    expect(exported.code, explain(exported)).toBe(0);
    const doc = JSON.parse(exported.stdout);
    expect(doc.metrics.http_reqs.count).toBeGreaterThan(0);
    const show = await runCli(['history', 'show', '1', '--no-color']);
    expect(show.code, explain(show)).toBe(0);
    expect(show.stdout).toContain('run 1: api (quick)');
    expect(show.stdout).toContain('http_req_duration');
  });

  it('baseline set/list/rm, and compare of two runs of one server is not a regression', async () => {
    const set = await runCli(['baseline', 'set', 'main', '1']);
    expect(set.code, explain(set)).toBe(0);
    const list = await runCli(['baseline', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'main', id: 1 })]);
    const c = await runCli(['compare', 'baseline:main', 'last', '--json']);
    expect(c.code, explain(c)).toBe(0);
    const cmp = JSON.parse(c.stdout) as {
      verdict: string;
      rows: { metric: string; verdict: string; low: number | null; high: number | null }[];
    };
    expect(cmp.rows.map((r) => r.metric)).toContain('http_req_duration:p(95)');
    expect(cmp.rows.every((r) => r.verdict !== 'regressed')).toBe(true);
    const p95 = cmp.rows.find((r) => r.metric === 'http_req_duration:p(95)')!;
    expect(p95.low).not.toBeNull();
    expect(p95.low!).toBeLessThanOrEqual(p95.high!);
  });

  it('a server 50 % slower is regressed: exit 99, the table says so, -o md writes a PR comment', async () => {
    const r = await quick(slow.url);
    expect(r.code, explain(r)).toBe(0);
    const md = join(dir.path, 'comment.md');
    const c = await runCli([
      'compare',
      'baseline:main',
      'last',
      '--metric',
      'http_req_duration:p(95)',
      '--metric',
      'http_req_duration:med',
      '-o',
      `md=${md}`,
    ]);
    expect(c.code, explain(c)).toBe(99);
    expect(c.stdout).toMatch(/http_req_duration:med .* ✗ regressed/);
    // Six seconds are two blocks of p95s: its interval may still straddle the budget, never below it.
    expect(c.stdout).toMatch(/http_req_duration:p\(95\) .* (✗ regressed|\? inconclusive)/);
    const text = readFileSync(md, 'utf8');
    expect(text).toMatch(/^### ❌ squall compare: ✗ regressed: [12] regressed/);
    expect(text).toMatch(/\| http_req_duration:med \| [\d.]+ \| [\d.]+ \| \+\d+\.\d % ↑🔴 \|/);
  });

  it('history trend and changes read one metric across the runs', async () => {
    const t = await runCli([
      'history',
      'trend',
      '--name',
      'api',
      '--metric',
      'http_req_duration:med',
      '--json',
    ]);
    expect(t.code, explain(t)).toBe(0);
    const series = JSON.parse(t.stdout) as { id: number; value: number }[];
    expect(series.map((x) => x.id)).toEqual([1, 2, 3]);
    expect(series[2]!.value).toBeGreaterThan(series[0]!.value);
    const ch = await runCli(['history', 'changes', '--name', 'api', '--metric', 'http_req_duration:med']);
    expect(ch.code, explain(ch)).toBe(0);
    expect(ch.stdout).toContain('too few runs');
  });

  it('compare of two result files works without a store; different kinds are exit 2', async () => {
    const a = join(dir.path, 'a.json');
    writeFileSync(a, (await runCli(['history', 'export', '1'])).stdout);
    const b = join(dir.path, 'b.json');
    writeFileSync(b, (await runCli(['history', 'export', '2'])).stdout);
    const c = await runCli(['compare', a, b, '--store', join(dir.path, 'nowhere', 'x.db')]);
    expect(c.code, explain(c)).toBe(0);
    const bench = join(dir.path, 'bench.json');
    writeFileSync(
      bench,
      JSON.stringify({
        ...JSON.parse(readFileSync(a, 'utf8')),
        kind: 'bench',
        bench: { benches: [], speedups: [], complexity: [] },
      }),
    );
    const bad = await runCli(['compare', a, bench]);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toContain('SQ_COMPARE_MISMATCH');
  });

  it('bad input: an unknown run, a bad metric, a store that is not SQLite (before any load)', async () => {
    const unknown = await runCli(['history', 'show', '99']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('run 99 is not in the history');
    const metric = await runCli(['history', 'trend', '--name', 'api', '--metric', 'p95']);
    expect(metric.code).toBe(2);
    expect(metric.stderr).toContain('--metric');
    const notDb = join(dir.path, 'not-a-db.txt');
    writeFileSync(notDb, 'hello, not SQLite\n'.repeat(100));
    const before = fast.count();
    const r = await runCli(['quick', fast.url, '-d', '1s', '--save', '--store', notDb]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('SQ_STORE_OPEN');
    expect(fast.count()).toBe(before);
    // Reading a history that is not there says so, and makes no empty one.
    const empty = tempDir('squall-no-history-');
    try {
      for (const args of [
        ['history', 'list'],
        ['baseline', 'list'],
        ['quick', fast.url, '-d', '1s', '--baseline', 'main'],
      ]) {
        const none = await run(args, {
          cwd: empty.path,
          env: { SQUALL_STORE: undefined, SQUALL_SAVE: undefined },
        });
        expect(none.code, explain(none)).toBe(2);
        expect(none.stderr).toContain(
          `there is no history at ${join(empty.path, '.squall', 'history.db')} yet`,
        );
        expect(hasStackTrace(none.stderr)).toBe(false);
      }
      expect(existsSync(join(empty.path, '.squall'))).toBe(false);
      expect(fast.count()).toBe(before);
    } finally {
      empty.remove();
    }
    for (const x of [unknown, metric, r]) expect(hasStackTrace(x.stderr)).toBe(false);
  });

  it('SQUALL_SAVE=1 keeps a run without the flag; history rm removes it and the baselines on it', async () => {
    const r = await runCli(['quick', fast.url, '-d', '1s', '-q', '--name', 'env-saved'], {
      SQUALL_SAVE: '1',
    });
    expect(r.code, explain(r)).toBe(0);
    const id = Number(/saved as run (\d+)/.exec(r.stderr)![1]);
    await runCli(['baseline', 'set', 'tmp', String(id)]);
    const rm = await runCli(['history', 'rm', String(id)]);
    expect(rm.code, explain(rm)).toBe(0);
    const list = JSON.parse((await runCli(['history', 'list', '--name', 'env-saved', '--json'])).stdout);
    expect(list).toEqual([]);
    const baselines = JSON.parse((await runCli(['baseline', 'list', '--json'])).stdout) as { name: string }[];
    expect(baselines.map((b) => b.name)).toEqual(['main']);
  });
});
