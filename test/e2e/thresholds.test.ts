import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { refusedPort, startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Thresholds are performance budgets: all met -> exit 0, any missed -> exit 99 (k6's code), and
 * the result document records each with ok and the actual value it was judged on.
 */

const dir = tempDir();
let server: TargetServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const th = (t: string) => ['--threshold', t];

describe('thresholds', () => {
  it('all met: exit 0, passed, each entry ok with its actual value', async () => {
    server = await startTarget();
    const n = 100;
    const out = `${dir.path}/pass.json`;
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-n',
      String(n),
      ...th('http_req_duration:p(95)<5000'),
      ...th('http_req_failed:rate<0.5'),
      ...th(`http_reqs:count>=${n}`),
      ...th('http_req_duration{name:GET /}:max<5s'),
      '-o',
      `json=${out}`,
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const why = `thresholds: ${JSON.stringify(r.thresholds)}\n${explain(run)}`;

    expect(r.passed, why).toBe(true);
    expect(r.thresholds, why).toHaveLength(4);
    for (const t of r.thresholds) {
      expect(t.ok, why).toBe(true);
      expect(typeof t.actual, why).toBe('number');
    }
    const byMetric = (m: string, expr: string) => r.thresholds.find((t) => t.metric === m && t.expr === expr);
    expect(byMetric('http_req_duration', 'p(95)<5000')?.actual, why).toBe(r.metrics.http_req_duration.p95);
    expect(byMetric('http_req_failed', 'rate<0.5')?.actual, why).toBe(0);
    expect(byMetric('http_reqs', `count>=${n}`)?.actual, why).toBe(server.count());
    expect(byMetric('http_req_duration{name:GET /}', 'max<5s')?.ok, why).toBe(true);
  });

  it('one missed: exit 99, not passed, the failing entry says by how much', async () => {
    const delayMs = 20;
    server = await startTarget({ delayMs });
    const out = `${dir.path}/fail.json`;
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-n',
      '40',
      ...th('http_req_duration:p(95)<1'),
      ...th('http_req_failed:rate<0.5'),
      '-o',
      `json=${out}`,
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(99);
    const r = readResult(out, run);
    const why = `thresholds: ${JSON.stringify(r.thresholds)}\n${explain(run)}`;

    expect(r.passed, why).toBe(false);
    const p95 = r.thresholds.find((t) => t.expr === 'p(95)<1');
    expect(p95, why).toMatchObject({ metric: 'http_req_duration', ok: false });
    expect(p95!.actual, why).toBeGreaterThanOrEqual(delayMs);
    expect(
      r.thresholds.find((t) => t.expr === 'rate<0.5'),
      why,
    ).toMatchObject({ ok: true, actual: 0 });
    // The summary names the budget that was missed; no crash output.
    expect(run.stdout, why).toContain('p(95)<1');
    expect(hasStackTrace(run.stdout + run.stderr), why).toBe(false);
  });

  it('an all-failed run passes without thresholds but fails an error budget with 99', async () => {
    const url = `http://127.0.0.1:${await refusedPort()}/`;
    const out = `${dir.path}/fail-errors.json`;
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-n',
      '10',
      ...th('http_req_failed:rate<0.1'),
      '-o',
      `json=${out}`,
      url,
    ]);
    expect(run.code, explain(run)).toBe(99);
    const r = readResult(out, run);
    expect(r.thresholds, explain(run)).toEqual([
      { metric: 'http_req_failed', expr: 'rate<0.1', ok: false, actual: 1, aggregation: 'rate' },
    ]);
  });

  it('-q prints nothing on success but the summary when a threshold fails', async () => {
    server = await startTarget();
    const ok = await runCli(['quick', '-q', '-n', '20', ...th('http_req_duration:p(95)<5000'), server.url]);
    expect(ok.code, explain(ok)).toBe(0);
    expect(ok.stdout.trim(), explain(ok)).toBe('');
    const bad = await runCli(['quick', '-q', '-n', '20', ...th('http_reqs:count>1000000'), server.url]);
    expect(bad.code, explain(bad)).toBe(99);
    expect(bad.stdout, explain(bad)).toContain('count>1000000');
  });

  // DESIGN.md: "a metric may carry tag filters {name:…, status:…, scenario:…}". squall accepts
  // {status:200} but never matches it, so the budget reads n/a and a healthy run exits 99.
  it('a {status:200} tag filter is evaluated over the 200 responses', async () => {
    server = await startTarget();
    const out = `${dir.path}/status-tag.json`;
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-n',
      '50',
      ...th('http_req_duration{status:200}:p(95)<5000'),
      '-o',
      `json=${out}`,
      server.url,
    ]);
    const r = readResult(out, run);
    const why = `thresholds: ${JSON.stringify(r.thresholds)}\n${explain(run)}`;
    expect(r.thresholds[0], why).toMatchObject({ metric: 'http_req_duration{status:200}', ok: true });
    expect(typeof r.thresholds[0]!.actual, why).toBe('number');
    expect(run.code, why).toBe(0);
  });
});

describe('tag filters', () => {
  it('{status:…} and {expected_response:…} select the responses with those codes', async () => {
    // Every fourth response is a 500: the filters must split the run exactly as the server did.
    let n = 0;
    let errors = 0;
    const mixed = http.createServer((_req, res) => {
      n++;
      if (n % 4 === 0) errors++;
      res.statusCode = n % 4 === 0 ? 500 : 200;
      res.end('x');
    });
    await new Promise<void>((r) => mixed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(mixed.address() as AddressInfo).port}/`;
    try {
      const out = `${dir.path}/tags.json`;
      const run = await runCli([
        'quick',
        '-c',
        '2',
        '-n',
        '200',
        ...th('http_reqs{status:500}:count>0'),
        ...th('http_req_failed{expected_response:true}:rate==0'),
        ...th('http_req_failed{status:500}:rate==1'),
        ...th('http_req_duration{status:200}:p(99)<5000'),
        '-o',
        `json=${out}`,
        url,
      ]);
      const r = readResult(out, run);
      const why = `thresholds: ${JSON.stringify(r.thresholds)}\n${explain(run)}`;
      expect(run.code, why).toBe(0);
      expect(r.thresholds[0]!.actual, why).toBe(errors);
      expect(r.endpoints[0]!.statusCodes['500'], why).toBe(errors);
      expect(r.endpoints[0]!.statusCodes['200'], why).toBe(n - errors);
      expect(r.thresholds.every((t) => t.ok)).toBe(true);
    } finally {
      await new Promise((r) => mixed.close(r));
    }
  });

  it('a tag squall does not keep is bad input (exit 2), with the nearest tag suggested', async () => {
    const run = await runCli([
      'quick',
      '-n',
      '5',
      ...th('http_req_duration{stauts:200}:p(95)<1'),
      'http://127.0.0.1:9/',
    ]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toContain("'stauts'");
    expect(run.stderr).toContain("did you mean 'status'");
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});
