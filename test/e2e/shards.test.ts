import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterSummary, GaugeSummary, ResultDocument } from '../../src/result/schema.js';
import { type CliResult, explain, readResult, requireBuiltCli, runCli } from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

/**
 * `--shard I/N`, `--start-at` and `squall merge` end to end: four shards run side by side (as on
 * four machines) against one counting server on 127.0.0.1, and the server's count says whether
 * the slices add up to the whole test exactly.
 */

interface CountingServer {
  url: string;
  /** Requests received since the last reset. */
  count(): number;
  /** performance.now() of each request since the last reset. */
  times(): number[];
  reset(): void;
  close(): Promise<void>;
}

async function startCounting(): Promise<CountingServer> {
  let times: number[] = [];
  const server = http.createServer((req, res) => {
    times.push(performance.now());
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => times.length,
    times: () => times,
    reset: () => {
      times = [];
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let server: CountingServer;
let dir: string;

beforeAll(async () => {
  requireBuiltCli();
  server = await startCounting();
  dir = mkdtempSync(join(tmpdir(), 'squall-shards-'));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const SHARDS = [1, 2, 3, 4];

/** Runs the four shards at once (they are meant to run together), each writing its document. */
async function runShards(
  name: string,
  args: (shard: number) => string[],
): Promise<{ runs: CliResult[]; files: string[]; docs: ResultDocument[] }> {
  const files = SHARDS.map((i) => join(dir, `${name}-${i}.json`));
  const runs = await Promise.all(
    SHARDS.map((i) =>
      runCli([...args(i), '--shard', `${i}/4`, '-q', '-o', `json=${files[i - 1]}`], { timeoutMs: 60_000 }),
    ),
  );
  for (const r of runs) expect(r.code, explain(r)).toBe(0);
  return { runs, files, docs: files.map((f, k) => readResult(f, runs[k])) };
}

async function merge(files: readonly string[], more: string[] = []): Promise<CliResult> {
  return runCli(['merge', ...files, ...more], { timeoutMs: 30_000 });
}

describe('squall quick --shard', () => {
  it('-n 10000 over 4 shards sends exactly 10,000 requests, and squall merge says 10,000', async () => {
    server.reset();
    const n = 10_000;
    const { files, docs } = await runShards('quick', () => ['quick', server.url, '-n', String(n), '-c', '7']);
    expect(server.count()).toBe(n);
    // 7 connections over 4 shards: 2 + 2 + 2 + 1.
    const vus = (d: ResultDocument) => (d.metrics.vus as GaugeSummary).value;
    expect(docs.map(vus)).toEqual([2, 2, 2, 1]);
    expect(docs.map((d) => d.shard?.index)).toEqual([0, 1, 2, 3]);
    const merged = await merge(files, ['--json']);
    expect(merged.code, explain(merged)).toBe(0);
    const doc = JSON.parse(merged.stdout) as ResultDocument;
    expect(doc.metrics.http_reqs.count).toBe(n);
    expect(doc.metrics.http_req_duration.count).toBe(n);
    expect(vus(doc)).toBe(7);
    expect(doc.shard).toMatchObject({ index: null, count: 4, merged: [0, 1, 2, 3] });
    expect(doc.timeline.reduce((s, p) => s + (p.requests ?? 0), 0)).toBe(n);
  }, 120_000);

  it('-R 400 over 4 shards started together is 400/s at the server: the arrivals interleave', async () => {
    server.reset();
    const rate = 400;
    const startAt = new Date(Date.now() + 5000).toISOString();
    const { docs } = await runShards('open', () => [
      'quick',
      server.url,
      '-R',
      String(rate),
      '-d',
      '3s',
      '--start-at',
      startAt,
    ]);
    const dropped = docs.reduce((s, d) => s + (d.metrics.dropped_iterations as CounterSummary).count, 0);
    expect(server.count() + dropped).toBe(rate * 3);
    expect(dropped).toBe(0);
    const times = [...server.times()].sort((a, b) => a - b);
    const from = times[0]! + 500;
    const to = times[times.length - 1]! - 500;
    const seen = times.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
    expect(Math.abs(seen - rate) / rate, `${seen.toFixed(1)}/s at the server`).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it('a threshold that passes on every shard fails on the merged run: squall merge exits 99', async () => {
    server.reset();
    // Each shard sends 100 (under 150): passes. The whole run sent 400: fails.
    const { runs, files, docs } = await runShards('budget', () => [
      'quick',
      server.url,
      '-n',
      '400',
      '-c',
      '4',
      '--threshold',
      'http_reqs:count<150',
    ]);
    expect(runs.every((r) => r.code === 0)).toBe(true);
    expect(docs.every((d) => d.passed)).toBe(true);
    const merged = await merge(files, ['--json']);
    expect(merged.code, explain(merged)).toBe(99);
    const doc = JSON.parse(merged.stdout) as ResultDocument;
    expect(doc.passed).toBe(false);
    expect(doc.thresholds).toEqual([
      expect.objectContaining({ metric: 'http_reqs', expr: 'count<150', ok: false, actual: 400 }),
    ]);
    // The summary says so too.
    const summary = await merge(files);
    expect(summary.code).toBe(99);
    expect(summary.stdout).toMatch(/count<150/);
  }, 120_000);
});

describe('squall run --shard', () => {
  it('a shared-iterations scenario of 10,000 over --shard 1/4 … 4/4 makes exactly 10,000 requests', async () => {
    server.reset();
    const file = writeTestFile(
      dir,
      'shared.yaml',
      `target: ${server.url}
scenarios:
  shared:
    executor: shared-iterations
    vus: 8
    iterations: 10000
    users: [{ name: U, flow: [{ get: /item }] }]
`,
    );
    const { files, docs } = await runShards('shared', () => ['run', file]);
    expect(server.count()).toBe(10_000);
    expect(docs.map((d) => (d.metrics.iterations as CounterSummary).count)).toEqual([2500, 2500, 2500, 2500]);
    const merged = await merge(files, ['--json']);
    expect(merged.code, explain(merged)).toBe(0);
    const doc = JSON.parse(merged.stdout) as ResultDocument;
    expect(doc.metrics.http_reqs.count).toBe(10_000);
    expect(doc.scenarios?.shared?.iterations).toBe(10_000);
  }, 120_000);

  it('a constant arrival rate of 400/s over 4 shards started together is 400/s at the server (±2 %)', async () => {
    server.reset();
    const rate = 400;
    const file = writeTestFile(
      dir,
      'rate.yaml',
      `target: ${server.url}
scenarios:
  open:
    executor: constant-arrival-rate
    rate: ${rate}
    duration: 3s
    preAllocatedVUs: 100
    maxVUs: 200
    users: [{ name: U, flow: [{ get: /rate }] }]
`,
    );
    // Far enough ahead for four processes to start on a busy machine.
    const startAt = new Date(Date.now() + 6000).toISOString();
    const { files, docs } = await runShards('rate', () => ['run', file, '--start-at', startAt]);
    const times = [...server.times()].sort((a, b) => a - b);
    const n = times.length;
    expect(n).toBeGreaterThan(1000);
    const dropped = docs.reduce((s, d) => s + (d.metrics.dropped_iterations as CounterSummary).count, 0);
    expect(n + dropped).toBe(rate * 3);
    // VUs per shard: 25 preallocated, up to 50 (the test's 100 and 200 over 4); none should lack.
    expect(dropped, 'dropped iterations').toBe(0);
    // The rate the server saw, counted over the run's middle: the shards' first and last
    // arrivals are some milliseconds apart (each process starts its clock on its own), which
    // moves the edges, not the rate between them.
    const from = times[0]! + 500;
    const to = times[n - 1]! - 500;
    const seen = times.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
    expect(Math.abs(seen - rate) / rate, `${seen.toFixed(1)}/s at the server`).toBeLessThanOrEqual(0.02);
    for (const d of docs) expect(d.shard?.startAt).toBe(startAt);
    const merged = await merge(files, ['--json']);
    expect(merged.code, explain(merged)).toBe(0);
    const doc = JSON.parse(merged.stdout) as ResultDocument;
    expect(doc.metrics.http_reqs.count).toBe(n);
  }, 120_000);
});

describe('squall merge refuses what is not shards of one test', () => {
  let a: string[];
  let b: string[];

  beforeAll(async () => {
    a = (await runShards('a', () => ['quick', server.url, '-n', '40', '-c', '4'])).files;
    b = (await runShards('b', () => ['quick', server.url, '-n', '80', '-c', '4'])).files;
  }, 120_000);

  it('two different tests: exit 2 naming both files', async () => {
    const r = await merge([a[0]!, b[1]!]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/SQ_MERGE_MISMATCH/);
    expect(r.stderr).toContain(`${b[1]} is of a different test than ${a[0]}`);
  });

  it('the same shard twice: exit 2', async () => {
    const r = await merge([a[0]!, a[1]!, a[0]!]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/are both shard 1\/4: each shard is merged once/);
  });

  it('a document written without --shard: exit 2', async () => {
    const plain = join(dir, 'plain.json');
    const run = await runCli(['quick', server.url, '-n', '10', '-q', '-o', `json=${plain}`]);
    expect(run.code, explain(run)).toBe(0);
    const r = await merge([a[0]!, plain]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain(`${plain} has no shard section`);
  });

  it('a missing shard merges with a warning naming it', async () => {
    const r = await merge([a[0]!, a[1]!, a[3]!], ['--json']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toMatch(/shard 3 of 4 is missing/);
    expect((JSON.parse(r.stdout) as ResultDocument).metrics.http_reqs.count).toBe(30);
  });
});

describe('--shard and --start-at: bad values', () => {
  for (const bad of ['5/4', '0/4', 'two', '1/0']) {
    it(`--shard ${bad}: exit 2 with a message naming the flag`, async () => {
      const r = await runCli(['quick', server.url, '-n', '10', '--shard', bad]);
      expect(r.code, explain(r)).toBe(2);
      expect(r.stderr).toMatch(/--shard/);
      expect(r.stderr).toMatch(/expected I\/N/);
    });
  }

  it('--start-at that is not a time: exit 2', async () => {
    const r = await runCli(['quick', server.url, '-n', '10', '--start-at', 'tomorrow']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/--start-at 'tomorrow' is not a time/);
  });

  it('--start-at in the past starts now, with a warning', async () => {
    const r = await runCli(['quick', server.url, '-n', '10', '-q', '--start-at', '2020-01-01T00:00:00Z']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toMatch(/--start-at 2020-01-01T00:00:00.000Z is .* s in the past: starting now/);
  });

  it('more shards than connections: exit 2', async () => {
    const r = await runCli(['quick', server.url, '-n', '100', '-c', '2', '--shard', '3/4']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/gets no connection of the 2/);
  });
});
