import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type PrometheusServer,
  prometheusBinary,
  prometheusVersion,
  startPrometheus,
} from '../helpers/prometheus-server.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import {
  type CliProcess,
  explain,
  readResult,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';
import { refusedPort } from '../helpers/target-server.js';

/**
 * squall's Prometheus outputs against a REAL Prometheus (Debian's `prometheus` package, which
 * .ci/run installs): `-o prometheus-rw=URL` pushes into its remote-write receiver and the series
 * are queried back through its HTTP API; `-o prometheus=HOST:PORT` is scraped by it, with native
 * histograms. Without the binary the tests skip, saying why, unless CI is set: there they must run.
 */

const bin = prometheusBinary();
const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
if (!bin && inCi) {
  throw new Error(
    'CI is set but the prometheus binary is missing: .ci/run installs it (apt-get install prometheus)',
  );
}
if (!bin) {
  process.stderr.write(
    'prometheus-server.test.ts: SKIPPED — no prometheus binary here (apt-get install prometheus); CI runs these\n',
  );
}
/** Native histograms arrived in Prometheus 2.40 (behind --enable-feature=native-histograms). */
const nativeHistograms =
  !!bin && (([maj, min]) => maj! > 2 || (maj === 2 && min! >= 40))(prometheusVersion(bin));

const dir = tempDir('squall-prom-e2e-');
let prom: PrometheusServer | undefined;
let server: RouteServer | undefined;
let cli: CliProcess | undefined;

beforeAll(async () => {
  requireBuiltCli();
  if (bin) prom = await startPrometheus(bin);
}, 40_000);
afterEach(async () => {
  cli?.kill('SIGKILL');
  cli = undefined;
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await prom?.close();
  dir.remove();
});

const value = (r: Array<{ value?: [number, string] }>) =>
  r.length === 1 ? Number(r[0]!.value![1]) : Number.NaN;

describe.skipIf(!bin)('a real Prometheus', () => {
  it('quick -o prometheus-rw=URL: Prometheus holds the pushed series, with the request count the server saw', async () => {
    server = await startRouteServer();
    const out = join(dir.path, 'rw-quick.json');
    const r = await runCli([
      'quick',
      '-q',
      '-c',
      '2',
      '-n',
      '60',
      '--prometheus-push-interval',
      '200ms',
      '-o',
      `prometheus-rw=${prom!.url}/api/v1/write`,
      '-o',
      `json=${out}`,
      `${server.url}/ping`,
    ]);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr, explain(r)).not.toContain('could not push');
    const doc = readResult(out, r);
    const id = doc.runId!;
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const seen = server.hits.length;
    expect(seen).toBe(60);
    const ctx = () => `prometheus log:\n${prom!.log().slice(-2000)}`;
    expect(value(await prom!.query(`sum(squall_http_reqs_total{run_id="${id}"})`)), ctx()).toBe(seen);
    expect(
      value(await prom!.query(`squall_http_reqs_total{run_id="${id}",status="200",name="GET /ping"}`)),
    ).toBe(seen);
    // Latency as a classic histogram: its count and +Inf bucket are every response.
    expect(value(await prom!.query(`squall_http_req_duration_seconds_count{run_id="${id}"}`))).toBe(seen);
    expect(
      value(await prom!.query(`squall_http_req_duration_seconds_bucket{run_id="${id}",le="+Inf"}`)),
    ).toBe(seen);
    const p99 = value(
      await prom!.query(`histogram_quantile(0.99, squall_http_req_duration_seconds_bucket{run_id="${id}"})`),
    );
    expect(p99).toBeGreaterThan(0);
    expect(value(await prom!.query(`squall_data_received_bytes_total{run_id="${id}"}`))).toBe(
      (doc.metrics.data_received as { count: number }).count,
    );
  });

  it('quick -o prometheus-rw=URL, push interval longer than the run: the final push alone carries every request', async () => {
    server = await startRouteServer();
    const out = join(dir.path, 'rw-final.json');
    const r = await runCli([
      'quick',
      '-q',
      '-c',
      '2',
      '-n',
      '200',
      // No interval push can happen: what Prometheus holds was pushed at the end, before exit.
      '--prometheus-push-interval',
      '1h',
      '-o',
      `prometheus-rw=${prom!.url}/api/v1/write`,
      '-o',
      `json=${out}`,
      `${server.url}/final`,
    ]);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr, explain(r)).not.toContain('could not push');
    const id = readResult(out, r).runId!;
    expect(server.hits.length).toBe(200);
    const ctx = () => `prometheus log:\n${prom!.log().slice(-2000)}`;
    expect(value(await prom!.query(`sum(squall_http_reqs_total{run_id="${id}"})`)), ctx()).toBe(
      server.hits.length,
    );
  });

  it('-o prometheus=HOST:PORT --prometheus-linger: Prometheus scrapes the final count after the run, and keeps it', async () => {
    server = await startRouteServer();
    const out = join(dir.path, 'linger.json');
    cli = startCli(
      [
        'quick',
        '-c',
        '2',
        '-n',
        '300',
        '-o',
        'prometheus=127.0.0.1:0',
        '--prometheus-linger',
        '10m',
        '-o',
        `json=${out}`,
        `${server.url}/linger`,
      ],
      { timeoutMs: 60_000 },
    );
    const p = cli;
    const at = (await p.waitFor('stderr', /prometheus: http:\/\/(127\.0\.0\.1:\d+)\/metrics/))[1]!;
    await prom!.scrape(at, 200);
    // The run is over and its outputs written; the endpoint serves on, with the final figures.
    await p.waitFor('stderr', /serving final metrics on/);
    const id = readResult(out).runId!;
    expect(server.hits.length).toBe(300);
    const q = `sum(squall_http_reqs_total{job="squall",run_id="${id}"})`;
    const ctx = () => `stderr:\n${p.stderr()}\nprometheus log:\n${prom!.log().slice(-2000)}`;
    const deadline = Date.now() + 30_000;
    let reqs = Number.NaN;
    while (Date.now() < deadline) {
      reqs = value(await prom!.query(q));
      if (reqs === server.hits.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(reqs, ctx()).toBe(server.hits.length);
    // Ctrl-C ends the linger; the run passed, so the exit code is 0.
    p.kill('SIGINT');
    const r = await p.result;
    expect(r.code, explain(r)).toBe(0);
    // Prometheus keeps the final value once the target is gone.
    expect(
      value(
        await prom!.query(`sum(max_over_time(squall_http_reqs_total{job="squall",run_id="${id}"}[10m]))`),
      ),
      ctx(),
    ).toBe(server.hits.length);
  });

  it('run --prometheus-names k6: k6 names, custom metrics with their tags, and testid = run_id', async () => {
    server = await startRouteServer({ handler: () => ({ status: 201 }) });
    const file = writeTestFile(
      dir.path,
      'custom-rw.ts',
      `import { Counter, defineTest, Gauge, Rate, Trend } from 'squall';
const orders = new Counter('orders_created');
const orderTime = new Trend('order_ms', true);
const accepted = new Rate('orders_accepted');
const depth = new Gauge('queue_depth');
export default defineTest({
  scenarios: {
    shop: {
      executor: 'per-vu-iterations', vus: 2, iterations: 5,
      users: [{ name: 'Buyer', async run({ http, vu }) {
        const res = await http.post('/orders', { json: { vu: vu.id } });
        orders.add(1, { kind: vu.id % 2 === 0 ? 'even' : 'odd' });
        orderTime.add(res.timings.duration);
        accepted.add(res.status === 201);
        depth.add(7);
      } }],
    },
  },
});
`,
    );
    const { run, result, why } = await runFileOk(file, [
      '--host',
      server.url,
      '--prometheus-names',
      'k6',
      '-o',
      `prometheus-rw=${prom!.url}/api/v1/write`,
    ]);
    expect(run.code, why).toBe(0);
    expect(run.stderr, why).not.toContain('could not push');
    const id = result.runId!;
    const posts = server.on('/orders').length;
    expect(posts).toBe(10);
    const q = (s: string) => prom!.query(s);
    expect(value(await q(`sum(k6_http_reqs_total{testid="${id}",run_id="${id}"})`))).toBe(posts);
    expect(value(await q(`k6_iterations_total{testid="${id}"}`))).toBe(10);
    expect(value(await q(`sum(k6_orders_created_total{testid="${id}"})`))).toBe(posts);
    expect(value(await q(`k6_orders_created_total{testid="${id}",kind="odd"}`))).toBe(
      server.on('/orders').filter((h) => JSON.parse(h.body).vu % 2 === 1).length,
    );
    expect(value(await q(`k6_orders_accepted_rate{testid="${id}"}`))).toBe(1);
    expect(value(await q(`k6_queue_depth{testid="${id}"}`))).toBe(7);
    expect(value(await q(`k6_order_ms_p99{testid="${id}"}`))).toBeGreaterThan(0);
    expect(value(await q(`k6_http_req_duration_p99{testid="${id}",name="POST /orders"}`))).toBeGreaterThan(0);
    expect(value(await q(`k6_http_req_failed_rate{testid="${id}"}`))).toBe(0);
    // No squall-named series in k6 naming.
    expect(await q(`{run_id="${id}",__name__=~"squall_.*"}`)).toEqual([]);
  });

  it.skipIf(!nativeHistograms)(
    '-o prometheus=HOST:PORT scraped by Prometheus: request counts and a native latency histogram',
    async () => {
      // Answers the first ANSWERED requests and holds the rest, so that the counts settle.
      const ANSWERED = 9;
      let total = 0;
      server = await startRouteServer({
        handler: () => (++total > ANSWERED ? { delayMs: 10 * 60_000 } : { status: 200 }),
      });
      cli = startCli(
        [
          'quick',
          '-q',
          '-c',
          '2',
          '-d',
          '60s',
          '--timeout',
          '90s',
          '-o',
          'prometheus=127.0.0.1:0',
          `${server.url}/n`,
        ],
        { timeoutMs: 60_000 },
      );
      const p = cli;
      const at = (await p.waitFor('stderr', /prometheus: http:\/\/(127\.0\.0\.1:\d+)\/metrics/))[1]!;
      await prom!.scrape(at, 500);
      const ctx = () => `stderr:\n${p.stderr()}\nprometheus log:\n${prom!.log().slice(-2000)}`;
      const deadline = Date.now() + 30_000;
      let reqs = Number.NaN;
      let count = Number.NaN;
      while (Date.now() < deadline) {
        reqs = value(await prom!.query('sum(squall_http_reqs_total{job="squall"})'));
        count = value(await prom!.query('histogram_count(squall_http_req_duration_seconds{job="squall"})'));
        if (reqs === ANSWERED && count === ANSWERED) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(reqs, ctx()).toBe(ANSWERED);
      expect(count, ctx()).toBe(ANSWERED);
      // Stored as a native histogram (the protobuf exposition was asked for and served).
      const raw = await prom!.query('squall_http_req_duration_seconds{job="squall"}');
      expect(raw[0]?.histogram, JSON.stringify(raw)).toBeDefined();
      const runIds = await prom!.query('count by (run_id) (squall_http_reqs_total{job="squall"})');
      expect(runIds.map((x) => x.metric.run_id)[0]).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      p.kill('SIGINT');
      const r = await p.result;
      expect(r.code, explain(r)).toBe(130);
    },
  );
});

describe('-o prometheus-rw=URL without a receiver', () => {
  it('a push that fails is a warning on stderr; the run and its outputs complete', async () => {
    server = await startRouteServer();
    const port = await refusedPort();
    const out = join(dir.path, 'rw-refused.json');
    const r = await runCli([
      'quick',
      '-n',
      '5',
      '-c',
      '1',
      '-o',
      `prometheus-rw=http://user:s3cret@127.0.0.1:${port}/api/v1/write`,
      '-o',
      `json=${out}`,
      `${server.url}/x`,
    ]);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toContain(`-o prometheus-rw: could not push to http://127.0.0.1:${port}/api/v1/write`);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).not.toContain('s3cret');
    expect(readResult(out, r).endpoints[0]!.count).toBe(5);
  });

  it('a URL that is not http(s), or a bad --prometheus-* flag: exit 2 before any load', async () => {
    server = await startRouteServer();
    for (const [args, says] of [
      [['-o', 'prometheus-rw=localhost:9090'], 'not an http:// or https:// URL'],
      [['-o', 'prometheus-rw=http://127.0.0.1:9/w', '--prometheus-names', 'k7'], 'expected squall or k6'],
      [['--prometheus-names', 'k6'], 'neither is given'],
      [
        ['-o', 'prometheus-rw=http://127.0.0.1:9/w', '--prometheus-push-interval', 'soon'],
        '--prometheus-push-interval',
      ],
    ] as const) {
      const r = await runCli(['quick', '-n', '3', ...args, `${server.url}/x`]);
      expect(r.code, explain(r)).toBe(2);
      expect(r.stderr).toContain(says);
    }
    expect(server.hits.length).toBe(0);
  });
});
