import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResultDocument } from '../../src/result/build-run.js';
import {
  explain,
  hasStackTrace,
  ROOT,
  readResult,
  requireBuiltCli,
  runCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * Every suite in examples/ runs against the real demo API, scaled down to a few seconds with the
 * size flags, straight from examples/ (the files users copy, not copies of them): it must exit 0,
 * evaluate its thresholds and hit the endpoints it is about.
 */

const EXAMPLES_DIR = join(ROOT, 'examples');
const dir = tempDir('squall-examples-');
let demo: ChildProcess | undefined;
let host = '';

/** Starts `node dist/demo/main.js --port 0` and reads its URL from its one stdout line. */
function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'demo', 'main.js'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`demo API did not start in 10 s\n${out}\n${err}`)),
      10_000,
    );
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /squall demo API listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo API exited with ${code} before listening\n${out}\n${err}`));
    });
  });
}

/** A port nothing listens on (bound, then released). */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  requireBuiltCli();
  const started = await startDemo();
  demo = started.child;
  host = started.url;
});

afterAll(() => {
  demo?.kill('SIGTERM');
  dir.remove();
});

interface ExampleRun {
  r: RunResultDocument;
  stdout: string;
  why: string;
}

/** `squall run examples/FILE --host <demo> ...flags -o json=…`, from the project root. */
async function runExample(file: string, flags: string[], hostUrl = host): Promise<ExampleRun> {
  const out = join(dir.path, `${file}.json`);
  // A relative path from the root: the file in examples/ itself is what runs.
  const run = await runCli(['run', `examples/${file}`, '--host', hostUrl, ...flags, '-o', `json=${out}`], {
    timeoutMs: 30_000,
  });
  expect(run.code, explain(run)).toBe(0);
  expect(hasStackTrace(run.stdout + run.stderr), explain(run)).toBe(false);
  const r = readResult(out, run) as RunResultDocument;
  const why = `endpoints: ${JSON.stringify(r.endpoints)}\nthresholds: ${JSON.stringify(r.thresholds)}\nscenarios: ${JSON.stringify(r.scenarios)}\n${explain(run)}`;
  expect(r.config.file, why).toBe(`examples/${file}`);
  expect(r.config.target, why).toBe(hostUrl);
  return { r, stdout: run.stdout, why };
}

const endpointNames = (r: RunResultDocument) => r.endpoints.map((e) => e.name).sort();
const endpoint = (r: RunResultDocument, name: string) => r.endpoints.find((e) => e.name === name);

/** Every threshold was judged (has a value) and held; `expected` are the `metric: expr` pairs. */
function expectThresholdsMet(r: RunResultDocument, expected: string[], why: string): void {
  expect(r.thresholds.map((t) => `${t.metric}: ${t.expr}`).sort(), why).toEqual([...expected].sort());
  for (const t of r.thresholds) {
    expect(t.actual, `${t.metric} ${t.expr} was not evaluated\n${why}`).not.toBeNull();
    expect(t.ok, `${t.metric} ${t.expr} failed with ${t.actual}\n${why}`).toBe(true);
  }
  expect(r.passed, why).toBe(true);
}

function expectNoFailures(x: ExampleRun): void {
  for (const ep of x.r.endpoints) {
    expect(ep.count, x.why).toBeGreaterThan(0);
    expect(ep.failures, x.why).toBe(0);
    expect(x.stdout, x.why).toContain(ep.name);
  }
  expect(x.r.errors, x.why).toEqual([]);
  for (const c of x.r.checks) expect(c.fails, `check '${c.name}'\n${x.why}`).toBe(0);
}

describe('examples/', () => {
  it('holds exactly the example suites this file runs, and a README naming each', () => {
    const files = readdirSync(EXAMPLES_DIR).sort();
    expect(files).toEqual([
      'README.md',
      'bench',
      'breakpoint.yaml',
      'ci',
      'crud-budgets.yaml',
      'health-budget.yaml',
      'soak.yaml',
      'spike.yaml',
      'weighted-users.ts',
    ]);
    const readme = readFileSync(join(EXAMPLES_DIR, 'README.md'), 'utf8');
    for (const f of files.filter((x) => !['README.md', 'bench', 'ci'].includes(x)))
      expect(readme).toContain(`squall run examples/${f}`);
    // The CI workflows are run step by step by ci-workflow.test.ts and ci-shards-workflow.test.ts.
    expect(readdirSync(join(EXAMPLES_DIR, 'ci')).sort()).toEqual([
      'github-actions-shards.yml',
      'github-actions.yml',
    ]);
    expect(readme).toContain('ci/github-actions.yml');
    expect(readme).toContain('ci/github-actions-shards.yml');
    // The micro-benchmarks (squall bench) have their own folder, documented in docs/bench.md.
    expect(readme).toContain('squall bench examples/bench');
  });

  it('weighted-users.ts type-checks against the squall API it imports', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const res = spawnSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--target',
        'ES2022',
        '--types',
        'node',
        join(EXAMPLES_DIR, 'weighted-users.ts'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(res.status, res.stdout + res.stderr).toBe(0);
  });

  it('health-budget.yaml: p95 < 100 ms, > 50 requests/s and > 99.9% success, all met', async () => {
    const seconds = 2;
    const x = await runExample('health-budget.yaml', ['--duration', `${seconds}s`]);
    const { r, why } = x;
    expectThresholdsMet(
      r,
      [
        'http_req_duration{name:GET /health}: p(95)<100',
        'http_reqs: rate>50',
        'http_req_failed: rate<0.001',
        'checks: rate>0.999',
      ],
      why,
    );
    expect(endpointNames(r), why).toEqual(['GET /health']);
    expectNoFailures(x);
    // 100 arrivals per second, whatever the server does.
    expect(r.metrics.http_reqs.count, why).toBeGreaterThanOrEqual(0.9 * 100 * seconds);
    expect(r.metrics.http_reqs.rate, why).toBeGreaterThan(50);
  });

  it('crud-budgets.yaml: one budget per operation, the id captured from the create', async () => {
    const x = await runExample('crud-budgets.yaml', ['--vus', '5', '--duration', '2s']);
    const { r, why } = x;
    expectThresholdsMet(
      r,
      [
        'http_req_duration{name:POST /prompts}: p(95)<500',
        'http_req_duration{name:GET /prompts/:id}: p(95)<200',
        'http_req_duration{name:PUT /prompts/:id}: p(95)<300',
        'http_req_failed: rate<0.01',
        'checks: rate>0.99',
      ],
      why,
    );
    expect(endpointNames(r), why).toEqual([
      'DELETE /prompts/:id',
      'GET /prompts/:id',
      'POST /prompts',
      'PUT /prompts/:id',
    ]);
    expectNoFailures(x);
    // Every iteration runs the whole life of one prompt (iterations finish within gracefulStop),
    // and 200/204 on read, update and delete prove the captured id reached the later steps.
    const creates = endpoint(r, 'POST /prompts')!.count;
    expect(creates, why).toBeGreaterThanOrEqual(5);
    for (const name of ['GET /prompts/:id', 'PUT /prompts/:id', 'DELETE /prompts/:id'])
      expect(endpoint(r, name)!.count, why).toBe(creates);
    expect(endpoint(r, 'DELETE /prompts/:id')!.statusCodes, why).toEqual({ '204': creates });
    expect(r.checks.map((c) => c.name).sort(), why).toEqual(
      expect.arrayContaining(['status is 201', 'status is 200', 'status is 204']),
    );
  });

  it('weighted-users.ts: 70/20/10 split of the VUs; the burst user outruns the others', async () => {
    const x = await runExample('weighted-users.ts', ['--vus', '10', '--duration', '3s']);
    const { r, why } = x;
    expectThresholdsMet(
      r,
      [
        'http_req_duration{name:GET /prompts}: p(95)<300',
        'http_req_duration{name:GET /prompts/:id}: p(95)<200',
        'http_req_duration{name:GET /health}: p(95)<100',
        'http_req_duration{name:POST /prompts (large)}: p(95)<1000',
        'http_req_failed: rate<0.01',
        'checks: rate>0.99',
      ],
      why,
    );
    expect(endpointNames(r), why).toEqual([
      'DELETE /prompts/:id',
      'GET /health',
      'GET /prompts',
      'GET /prompts/:id',
      'POST /prompts (large)',
    ]);
    expectNoFailures(x);
    const users = r.scenarios.mixed!.users;
    expect(Object.fromEntries(Object.entries(users).map(([k, v]) => [k, v.vus])), why).toEqual({
      StandardUser: 7,
      BurstUser: 2,
      HeavyUser: 1,
    });
    for (const u of Object.values(users)) expect(u.iterations, why).toBeGreaterThan(0);
    // No think time: 2 burst VUs run many more iterations than 7 standard VUs thinking 1–2 s.
    expect(users.BurstUser!.iterations, why).toBeGreaterThan(5 * users.StandardUser!.iterations);
    // Ten requests at once per burst iteration, half of them to /health.
    expect(endpoint(r, 'GET /health')!.count, why).toBe(5 * users.BurstUser!.iterations);
    // Large bodies: each upload is about 256 KB.
    const uploads = endpoint(r, 'POST /prompts (large)')!.count;
    const dataSent = r.metrics.data_sent as { count: number } | undefined;
    expect(dataSent?.count, why).toBeGreaterThan(uploads * 250_000);
  });

  it('spike.yaml: the spike preset, with the recovery measured', async () => {
    const x = await runExample('spike.yaml', ['--vus', '10', '--duration', '4s']);
    const { r, why } = x;
    expectThresholdsMet(r, ['http_req_duration: p(99)<2000', 'http_req_failed: rate<0.01'], why);
    expect(endpointNames(r), why).toEqual(['GET /prompts', 'GET /prompts/:id']);
    expectNoFailures(x);
    expect(r.config.preset, why).toBe('spike');
    expect(r.scenarios.spike?.vusMax, why).toBe(10);
    // The spike's window and the time p95 took to come back (null when it never did).
    expect(r.spike, why).toBeDefined();
    expect(r.spike!.startSec, why).toBeGreaterThan(0);
    expect(r.spike!.endSec, why).toBeGreaterThan(r.spike!.startSec);
    expect(r.spike, why).toHaveProperty('recoverySec');
    expect(x.stdout, why).toContain('spike recovery');
  });

  it('soak.yaml: the soak preset, readers and writers, monitoring suggested', async () => {
    const x = await runExample('soak.yaml', ['--vus', '5', '--duration', '3s']);
    const { r, why } = x;
    expectThresholdsMet(
      r,
      [
        'http_req_duration: p(95)<300',
        'http_req_duration: p(99)<1000',
        'http_req_failed: rate<0.001',
        'checks: rate>0.999',
      ],
      why,
    );
    expect(endpointNames(r), why).toEqual([
      'DELETE /prompts/:id',
      'GET /prompts',
      'GET /prompts/:id',
      'POST /prompts',
    ]);
    expectNoFailures(x);
    expect(r.config.preset, why).toBe('soak');
    expect(r.config.monitorSuggested, why).toBe(true);
    const users = r.scenarios.soak!.users;
    expect(users.Reader?.vus, why).toBe(4);
    expect(users.Writer?.vus, why).toBe(1);
  });

  it('breakpoint.yaml: ramps the arrival rate with its stop conditions; a short ramp ends normally', async () => {
    const seconds = 2;
    const x = await runExample('breakpoint.yaml', ['--rate', '100', '--duration', `${seconds}s`]);
    const { r, why } = x;
    expect(r.config.preset, why).toBe('breakpoint');
    expect(r.config.stopConditions, why).toEqual({ maxErrorRate: 0.01, maxP99Ms: 1000, windowMs: 5000 });
    expect(endpointNames(r), why).toEqual(['GET /prompts/:id']);
    expectNoFailures(x);
    // 0 → 100 iterations/s: the area under the ramp, 50 a second of it; the demo does not break at that.
    const planned = (100 * seconds) / 2;
    expect(r.metrics.http_reqs.count, why).toBeGreaterThanOrEqual(0.8 * planned);
    expect(r.metrics.http_reqs.count, why).toBeLessThanOrEqual(1.1 * planned);
    expect(r).toHaveProperty('breakingPoint');
    expect(r.breakingPoint, why).toBeNull();
    expect(r.endReason, why).toBe('completed');
    expect(r.passed, why).toBe(true);
  });

  it('breakpoint.yaml: stops at the first stop condition and reports the breaking point (exit 0)', async () => {
    // Nothing listens on the port: every request fails, so 'more than 1% errors' trips at once.
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const x = await runExample('breakpoint.yaml', ['--rate', '100', '--duration', '10s'], dead);
    const { r, why } = x;
    expect(r.durationSec, why).toBeLessThan(5);
    expect(endpointNames(r), why).toEqual(['GET /prompts/:id']);
    expect(
      r.errors.map((e) => e.kind),
      why,
    ).toEqual(['ECONNREFUSED']);
    const bp = r.breakingPoint;
    expect(bp, why).not.toBeNull();
    expect(bp!.reason, why).toMatch(/error rate .* over 1\.0%/);
    expect(bp!.rate, why).toBeGreaterThan(0);
    expect(bp!.rate, why).toBeLessThanOrEqual(100);
    expect(bp!.vus, why).toBeGreaterThan(0);
    expect(bp!.atSec, why).toBeGreaterThan(0);
    expect(bp!.lastHealthyRate, why).toBe(0);
  });
});
