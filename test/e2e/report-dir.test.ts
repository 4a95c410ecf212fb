import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `--report-dir DIR` on quick, run and bench, and the exports for benchmark trackers
 * (`-o bencher=`, `-o github-benchmark=`), through the real CLI against a server on 127.0.0.1
 * and real bench files: the files' names, and their figures read back against the document.
 */

const dir = tempDir('squall-report-dir-');
const at = (...p: string[]) => join(dir.path, ...p);
let server: TargetServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startTarget();
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

/** `YYYYMMDD_HHMMSS` of the document's start, in UTC: what the files must be named after. */
const stampOf = (doc: ResultDocument) =>
  doc.startedAt
    .replace(/\.\d+Z$/, '')
    .replace(/-|:/g, '')
    .replace('T', '_');

const SUFFIXES = ['.json', '.html', '.md', '_stats.csv', '_stats_history.csv', '_failures.csv'];

/** The report folder's files, checked to be the six of one run named NAME_STAMP; returns its document. */
function reportFolder(folder: string, name: string): ResultDocument {
  const files = readdirSync(folder).sort();
  const json = files.find((f) => f.endsWith('.json'));
  expect(json, files.join(', ')).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}_\\d{8}_\\d{6}\\.json$`));
  const doc = JSON.parse(readFileSync(join(folder, json!), 'utf8')) as ResultDocument;
  const base = `${name}_${stampOf(doc)}`;
  expect(files).toEqual(SUFFIXES.map((s) => `${base}${s}`).sort());
  expect(readFileSync(join(folder, `${base}.html`), 'utf8').startsWith('<!doctype html>')).toBe(true);
  expect(readFileSync(join(folder, `${base}.md`), 'utf8').startsWith('### ')).toBe(true);
  return doc;
}

type Bmf = Record<string, Record<string, { value: number; lower_value?: number; upper_value?: number }>>;
type Gab = { name: string; unit: string; value: number; range?: string; extra?: string }[];
const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.abs(b) * 1e-5 + 1e-9);

describe('squall quick --report-dir', () => {
  it('writes json, html, md and the CSVs as METHOD-host-path_YYYYMMDD_HHMMSS (the start, UTC), making the folder', async () => {
    const folder = at('quick', 'reports');
    const run = await runCli(['quick', '-d', '1s', '-c', '2', '--report-dir', folder, `${server.url}health`]);
    expect(run.code, explain(run)).toBe(0);
    const host = new URL(server.url).host.replace(/:/g, '-');
    const doc = reportFolder(folder, `get-${host}-health`);
    expect(doc.config.command).toBe('quick');
    const base = join(folder, `get-${host}-health_${stampOf(doc)}`);
    expect(run.stderr).toContain(`wrote ${base}.json`);
    // The CSV is Locust's, of the same run.
    const rows = parseCsv(readFileSync(`${base}_stats.csv`, 'utf8')) as string[][];
    expect(rows.at(-1)!.slice(1, 3)).toEqual(['Aggregated', String(doc.metrics.http_reqs.count)]);
  });

  it('refuses a --report-dir that is a file: exit 2 naming the flag, before any request', async () => {
    const file = at('not-a-folder');
    writeFileSync(file, 'x');
    const before = server.count();
    const run = await runCli(['quick', '-d', '1s', '--report-dir', file, server.url]);
    expect(run.code, explain(run)).toBe(2);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stderr).toContain('--report-dir');
    expect(run.stderr).toContain(`${file} is a file, not a folder`);
    expect(server.count()).toBe(before);
  });
});

describe('squall run --report-dir, -o bencher=, -o github-benchmark=', () => {
  let doc: ResultDocument;
  let bmf: Bmf;
  let gab: Gab;

  beforeAll(async () => {
    const test = at('checkout.yaml');
    writeFileSync(
      test,
      `target: ${server.url}
scenarios:
  browse:
    executor: constant-vus
    vus: 2
    duration: 1s
    users:
      - name: U
        flow:
          - get: /items
          - post: /orders
`,
    );
    const run = await runCli([
      'run',
      test,
      '--report-dir',
      at('run-reports'),
      '-o',
      `bencher=${at('run.bmf.json')}`,
      '-o',
      `github-benchmark=${at('run.gab.json')}`,
    ]);
    expect(run.code, explain(run)).toBe(0);
    doc = reportFolder(at('run-reports'), 'checkout');
    bmf = JSON.parse(readFileSync(at('run.bmf.json'), 'utf8'));
    gab = JSON.parse(readFileSync(at('run.gab.json'), 'utf8'));
  });

  it('names the report files after the test file', () => {
    expect(doc.config.command).toBe('run');
    expect(doc.endpoints.map((e) => e.name).sort()).toEqual(['GET /items', 'POST /orders']);
  });

  it("-o bencher= holds the run and each endpoint, latency in ns, the document's figures", () => {
    expect(Object.keys(bmf)).toEqual(['checkout', ...doc.endpoints.map((e) => `checkout › ${e.name}`)]);
    const dur = doc.metrics.http_req_duration;
    near(bmf.checkout!.latency!.value, dur.mean! * 1e6);
    near(bmf.checkout!['latency-p95']!.value, dur.p95! * 1e6);
    near(bmf.checkout!['latency-p99']!.value, dur.p99! * 1e6);
    near(bmf.checkout!.throughput!.value, doc.metrics.http_reqs.rate);
    expect(bmf.checkout!['error-rate']!.value).toBe(0);
    for (const e of doc.endpoints) {
      const b = bmf[`checkout › ${e.name}`]!;
      near(b.latency!.value, e.latency.mean! * 1e6);
      near(b.throughput!.value, e.rps);
    }
  });

  it('-o github-benchmark= holds mean, p95, p99 in ms and the error rate in %, as customSmallerIsBetter reads them', () => {
    const byName = new Map(gab.map((e) => [e.name, e]));
    const dur = doc.metrics.http_req_duration;
    expect(byName.get('checkout')).toMatchObject({ unit: 'ms' });
    near(byName.get('checkout')!.value, dur.mean!);
    near(byName.get('checkout (p95)')!.value, dur.p95!);
    expect(byName.get('checkout (error rate)')).toMatchObject({ unit: '%', value: 0 });
    expect(byName.get('checkout')!.extra).toContain(`${doc.metrics.http_reqs.count} requests`);
    for (const e of doc.endpoints) near(byName.get(`checkout › ${e.name} (p99)`)!.value, e.latency.p99!);
  });
});

describe('squall bench --report-dir, -o bencher=, -o github-benchmark=', () => {
  it('writes bench_STAMP.* and the exports, each bench with its mean and margin of error', async () => {
    const benchDir = at('benches');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(benchDir);
    writeFileSync(
      join(benchDir, 'json.bench.ts'),
      `import { bench, group } from 'squall';
group('json', () => {
  bench('stringify', () => JSON.stringify({ a: [1, 2, 3], b: 'x' }));
});
bench('parse', () => JSON.parse('{"a":[1,2,3]}'));
`,
    );
    const run = await runCli(
      [
        'bench',
        '--time',
        '50ms',
        '--report-dir',
        'reports',
        '-o',
        'bencher=bmf.json',
        '-o',
        'github-benchmark=gab.json',
      ],
      { cwd: benchDir },
    );
    expect(run.code, explain(run)).toBe(0);
    const doc = reportFolder(join(benchDir, 'reports'), 'bench');
    expect(doc.kind).toBe('bench');
    const bmf = JSON.parse(readFileSync(join(benchDir, 'bmf.json'), 'utf8')) as Bmf;
    const gab = JSON.parse(readFileSync(join(benchDir, 'gab.json'), 'utf8')) as Gab;
    expect(Object.keys(bmf).sort()).toEqual(['json › stringify', 'parse']);
    for (const b of doc.bench!.benches) {
      const key = b.group ? `${b.group} › ${b.name}` : b.name;
      const s = b.stats!;
      const latency = bmf[key]!.latency!;
      near(latency.value, s.mean * 1e6);
      near(latency.lower_value!, Math.max(0, s.mean - s.moe!) * 1e6);
      near(latency.upper_value!, (s.mean + s.moe!) * 1e6);
      near(bmf[key]!.throughput!.value, s.opsPerSec);
      const entry = gab.find((e) => e.name === key)!;
      expect(entry.unit).toBe('ms');
      near(entry.value, s.mean);
      expect(entry.range).toMatch(/^± \d/);
    }
  });
});

describe('squall report of a monitor document', () => {
  it('-o bencher= and -o github-benchmark= write {} and []: a process was watched, no speed measured', async () => {
    const { ROOT } = await import('../helpers/run-cli.js');
    const run = await runCli([
      'report',
      join(ROOT, 'test/fixtures/results/monitor-died.json'),
      '-o',
      `bencher=${at('m.bmf.json')}`,
      '-o',
      `github-benchmark=${at('m.gab.json')}`,
    ]);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    expect(readResult(at('m.bmf.json'))).toEqual({});
    expect(readResult(at('m.gab.json'))).toEqual([]);
  });
});
