import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { refusedPort, startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `--json`: stdout carries the result document and nothing else; progress and notes go to
 * stderr (DESIGN.md, streams). The document has every required field of schema 2.
 */

const dir = tempDir();
let server: TargetServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const TREND_FIELDS = ['count', 'min', 'mean', 'stdev', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;

/** The whole of stdout must parse: one document, no summary or progress around it. */
function parseStdout(stdout: string, why: string): ResultDocument {
  try {
    return JSON.parse(stdout) as ResultDocument;
  } catch (e) {
    throw new Error(`stdout is not one JSON document (${(e as Error).message})\n${why}`);
  }
}

function expectNumber(v: unknown, what: string, why: string): void {
  expect(typeof v, `${what} should be a number\n${why}`).toBe('number');
  expect(Number.isFinite(v), `${what} should be finite\n${why}`).toBe(true);
}

/**
 * A latency figure: a number, or null exactly when nothing was measured (no sample, no response),
 * so that no reader takes 0 for a measured latency.
 */
function expectStat(v: unknown, what: string, measured: boolean, why: string): void {
  if (measured) expectNumber(v, what, why);
  else expect(v, `${what} should be null: nothing was measured\n${why}`).toBeNull();
}

/** The required fields of DESIGN.md's result document, with their types. */
function expectSchema(r: ResultDocument, why: string): void {
  expect(r.schema, why).toBe(2);
  expect(r.tool, why).toBe('squall');
  expect(typeof r.version, why).toBe('string');
  for (const k of ['startedAt', 'endedAt'] as const) {
    expect(Number.isNaN(Date.parse(r[k])), `${k} is ISO-8601\n${why}`).toBe(false);
    expect(r[k], why).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  }
  expect(Date.parse(r.endedAt), why).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
  expectNumber(r.durationSec, 'durationSec', why);
  expect(typeof r.config, why).toBe('object');
  expect(r.config, why).not.toBeNull();

  const m = r.metrics;
  expectNumber(m.http_reqs.count, 'http_reqs.count', why);
  expectNumber(m.http_reqs.rate, 'http_reqs.rate', why);
  const timed = m.http_req_duration.count > 0;
  for (const f of TREND_FIELDS) {
    if (f === 'count') expectNumber(m.http_req_duration[f], `http_req_duration.${f}`, why);
    else expectStat(m.http_req_duration[f], `http_req_duration.${f}`, timed, why);
  }
  for (const f of ['rate', 'fails', 'total'] as const) {
    expectNumber(m.http_req_failed[f], `http_req_failed.${f}`, why);
  }

  expect(Array.isArray(r.endpoints), why).toBe(true);
  for (const ep of r.endpoints) {
    expect(typeof ep.name, why).toBe('string');
    for (const f of ['count', 'failures', 'rps'] as const) expectNumber(ep[f], `endpoint.${f}`, why);
    expect(typeof ep.statusCodes, why).toBe('object');
    const answered = Object.values(ep.statusCodes).some((n) => n > 0);
    for (const f of ['p50', 'p95', 'p99', 'max', 'mean'] as const) {
      expectStat(ep.latency[f], `endpoint.latency.${f}`, answered, why);
    }
  }
  expect(Array.isArray(r.errors), why).toBe(true);
  for (const e of r.errors) {
    expect(typeof e.kind, why).toBe('string');
    expectNumber(e.count, 'error.count', why);
    expect(typeof e.example, why).toBe('string');
  }
  expect(Array.isArray(r.timeline), why).toBe(true);
  for (const p of r.timeline) {
    for (const f of ['t', 'rps', 'errors', 'vus'] as const) expectNumber(p[f], `timeline.${f}`, why);
    // A second whose requests all went unanswered has no latency.
    const answered = p.max !== null;
    for (const f of ['p50', 'p95', 'p99'] as const) expectStat(p[f], `timeline.${f}`, answered, why);
  }
  expect(Array.isArray(r.thresholds), why).toBe(true);
  for (const t of r.thresholds) expect(typeof t.aggregation, why).toBe('string');
  // Schema 2: every metric says its kind and unit; every trend and endpoint carries its histogram.
  for (const [name, metric] of Object.entries(m)) {
    expect(['counter', 'rate', 'trend', 'gauge'], `${name}.kind\n${why}`).toContain(metric.kind);
    expect(['ms', 'bytes', '1/s', 'ratio', 'count'], `${name}.unit\n${why}`).toContain(metric.unit);
    if (metric.kind === 'trend') expect((metric as { histogram?: unknown }).histogram, name).toMatch(/^HIST/);
  }
  for (const ep of r.endpoints) {
    expect(ep.histogram, why).toMatch(/^HIST/);
    if (ep.count === 0) continue;
    // The busiest endpoints' own timelines: one bucket per point of the run's, at the same t.
    expect(
      ep.timeline?.map((p) => p.t),
      why,
    ).toEqual(r.timeline.map((p) => p.t));
    expect(
      ep.timeline!.reduce((n, p) => n + p.requests, 0),
      why,
    ).toBe(ep.count);
  }
  expect(typeof r.passed, why).toBe('boolean');
  expect('monitor' in r, why).toBe(true);
  expect('breakingPoint' in r, why).toBe(true);
}

describe('--json', () => {
  it('prints only the result document on stdout; progress goes to stderr', async () => {
    server = await startTarget();
    const n = 50;
    const run = await runCli(['quick', '-c', '2', '-n', String(n), '--json', server.url]);
    expect(run.code, explain(run)).toBe(0);
    const r = parseStdout(run.stdout, explain(run));
    expectSchema(r, explain(run));

    expect(r.metrics.http_reqs.count, explain(run)).toBe(server.count());
    expect(server.count()).toBe(n);
    expect(r.endpoints.map((e) => e.name)).toEqual(['GET /']);
    expect(r.passed).toBe(true);
    // The live view and the run's description are on stderr, not mixed into the document.
    expect(run.stderr, explain(run)).toMatch(/squall quick: GET/);
    expect(run.stdout, explain(run)).not.toMatch(/TOTAL RESULTS|squall quick:/);
  });

  it('the document on stdout is the one -o json= writes', async () => {
    server = await startTarget();
    const out = `${dir.path}/both.json`;
    const run = await runCli(['quick', '-c', '2', '-n', '30', '--json', '-o', `json=${out}`, server.url]);
    expect(run.code, explain(run)).toBe(0);
    const printed = parseStdout(run.stdout, explain(run));
    const written = JSON.parse(readFileSync(out, 'utf8')) as ResultDocument;
    expect(printed).toEqual(written);
    // The "wrote PATH" note is for people: stderr.
    expect(run.stderr).toContain('both.json');
  });

  it('a failed threshold: exit 99, stdout still only the document, with passed false', async () => {
    server = await startTarget({ delayMs: 5 });
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-n',
      '20',
      '--threshold',
      'http_req_duration:max<1',
      '--json',
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(99);
    const r = parseStdout(run.stdout, explain(run));
    expectSchema(r, explain(run));
    expect(r.passed).toBe(false);
    expect(r.thresholds).toEqual([
      {
        metric: 'http_req_duration',
        expr: 'max<1',
        ok: false,
        actual: r.metrics.http_req_duration.max,
        aggregation: 'max',
      },
    ]);
  });

  it('an all-failed run: exit 0, stdout only the document, errors listed', async () => {
    const url = `http://127.0.0.1:${await refusedPort()}/`;
    const run = await runCli(['quick', '-c', '2', '-n', '10', '--json', url]);
    expect(run.code, explain(run)).toBe(0);
    const r = parseStdout(run.stdout, explain(run));
    expectSchema(r, explain(run));
    expect(r.errors.map((e) => e.kind)).toEqual(['ECONNREFUSED']);
    expect(r.metrics.http_req_failed).toEqual({ kind: 'rate', unit: 'ratio', rate: 1, fails: 10, total: 10 });
  });

  it('-q --json: still the document, and no progress', async () => {
    server = await startTarget();
    const run = await runCli(['quick', '-q', '-n', '10', '--json', server.url]);
    expect(run.code, explain(run)).toBe(0);
    expectSchema(parseStdout(run.stdout, explain(run)), explain(run));
    expect(run.stderr, explain(run)).not.toMatch(/reqs [\d,]+/);
  });

  it('secrets in headers never reach the document', async () => {
    server = await startTarget();
    const secret = 's3cret-token-value';
    const run = await runCli([
      'quick',
      '-n',
      '5',
      '-H',
      `Authorization: Bearer ${secret}`,
      '-H',
      'X-Trace: visible',
      '--json',
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).not.toContain(secret);
    const r = parseStdout(run.stdout, explain(run));
    expect(JSON.stringify(r.config)).toContain('visible');
  });
});
