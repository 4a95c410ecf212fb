import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { refusedPort, startGarbageServer, startTarget } from '../helpers/target-server.js';

/**
 * Target faults are data, not crashes (CONVENTIONS.md, error handling): each kind is counted,
 * one example kept, the run completes with exit 0 (no thresholds) and writes its result, and
 * nothing prints a stack trace.
 */

interface Target {
  url: string;
  /** Requests (or garbage exchanges) the target saw; undefined when nothing listens. */
  count?(): number;
  close(): Promise<void>;
}

interface Case {
  name: string;
  kind: string;
  start(): Promise<Target>;
  args: string[];
}

const REQUESTS = 20;
const CASES: Case[] = [
  {
    name: 'connection refused',
    kind: 'ECONNREFUSED',
    start: async () => ({ url: `http://127.0.0.1:${await refusedPort()}/`, close: async () => {} }),
    args: ['-c', '2', '-n', String(REQUESTS)],
  },
  {
    name: 'connection reset (RST)',
    kind: 'ECONNRESET',
    start: () => startTarget({ behavior: 'reset' }),
    args: ['-c', '2', '-n', String(REQUESTS)],
  },
  {
    name: 'no answer within --timeout',
    kind: 'timeout',
    start: () => startTarget({ behavior: 'hang' }),
    // Two rounds of 300 ms on two connections: bounded by count and by time.
    args: ['-c', '2', '-n', '4', '--timeout', '300ms'],
  },
  {
    name: 'not HTTP at all',
    kind: 'malformed',
    start: () => startGarbageServer('HELLO\r\n\r\n'),
    args: ['-c', '2', '-n', String(REQUESTS)],
  },
  {
    name: '503 from the server',
    kind: 'status 503',
    start: () => startTarget({ status: 503, body: 'unavailable' }),
    args: ['-c', '2', '-n', String(REQUESTS)],
  },
  {
    name: 'connection closed without a reply',
    kind: 'closed',
    start: () => startTarget({ behavior: 'close' }),
    args: ['-c', '2', '-n', String(REQUESTS)],
  },
];

const dir = tempDir();
let target: Target | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await target?.close();
  target = undefined;
});
afterAll(() => dir.remove());

describe('every error kind is counted and the result still written', () => {
  it.each(CASES)('$name -> $kind', async ({ kind, start, args }) => {
    target = await start();
    const out = `${dir.path}/${kind.replace(/\W+/g, '-')}.json`;
    const run = await runCli(['quick', ...args, '-o', `json=${out}`, target.url], { timeoutMs: 20_000 });

    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const why = `errors: ${JSON.stringify(r.errors)}\n${explain(run)}`;
    const group = r.errors.find((e) => e.kind === kind);
    expect(group, why).toBeDefined();
    expect(group!.count, why).toBeGreaterThan(0);
    expect(typeof group!.example, why).toBe('string');
    expect(group!.example.length, why).toBeGreaterThan(0);

    // Every request failed, and the counts agree with each other.
    const failed = r.metrics.http_req_failed;
    expect(failed.rate, why).toBe(1);
    expect(failed.fails, why).toBe(failed.total);
    expect(failed.total, why).toBe(r.metrics.http_reqs.count);
    expect(
      r.errors.reduce((n, e) => n + e.count, 0),
      why,
    ).toBe(failed.fails);
    expect(r.endpoints[0]!.failures, why).toBe(failed.fails);
    // The run is bounded by -n: at least the requests asked for, whatever became of them.
    const asked = Number(args[args.indexOf('-n') + 1]);
    expect(r.metrics.http_reqs.count, why).toBe(asked);
    if (target.count) expect(target.count(), why).toBeGreaterThan(0);

    expect(r.passed, why).toBe(true);
    expect(r.endReason, why).toBe('completed');
    // The summary says what happened, plainly, and nothing looks like a crash.
    expect(run.stdout, why).toContain(kind);
    expect(hasStackTrace(run.stdout), why).toBe(false);
    expect(hasStackTrace(run.stderr), why).toBe(false);
    expect(run.stderr, why).not.toMatch(/SQ_INTERNAL|squall bug/);
  });
});

describe('a mix of outcomes', () => {
  it('503s are failures with their status counted, and latency is still measured', async () => {
    const t = await startTarget({ status: 503, body: 'unavailable' });
    target = t;
    const out = `${dir.path}/503-detail.json`;
    const run = await runCli(['quick', '-c', '2', '-n', '30', '-o', `json=${out}`, t.url]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    expect(r.endpoints[0]!.statusCodes, explain(run)).toEqual({ '503': t.count() });
    // A 503 is a response: it has a duration, unlike a refused connection.
    expect(r.metrics.http_req_duration.count, explain(run)).toBe(t.count());
  });

  it('a server that dies mid-run: the answers before are counted ok, the rest as errors', async () => {
    const answeredBeforeDying = 40;
    const t = await startTarget({ dieAfter: answeredBeforeDying });
    target = t;
    const n = 120;
    const out = `${dir.path}/dies.json`;
    const run = await runCli(['quick', '-c', '4', '-n', String(n), '-o', `json=${out}`, t.url]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const why = `errors: ${JSON.stringify(r.errors)}\n${explain(run)}`;
    expect(r.metrics.http_reqs.count, why).toBe(n);
    expect(r.endpoints[0]!.statusCodes, why).toEqual({ '200': answeredBeforeDying });
    expect(r.metrics.http_req_failed.fails, why).toBe(n - answeredBeforeDying);
    expect(
      r.errors.reduce((sum, e) => sum + e.count, 0),
      why,
    ).toBe(n - answeredBeforeDying);
    // Once it stopped listening, reconnecting is refused.
    expect(
      r.errors.some((e) => e.kind === 'ECONNREFUSED'),
      why,
    ).toBe(true);
    expect(hasStackTrace(run.stdout + run.stderr), why).toBe(false);
  });

  it('a 404 counts as failed by default (status 400 and above)', async () => {
    const t = await startTarget({ status: 404, body: 'nope' });
    target = t;
    const out = `${dir.path}/404.json`;
    const run = await runCli(['quick', '-c', '1', '-n', '10', '-o', `json=${out}`, t.url]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    expect(r.metrics.http_req_failed, explain(run)).toEqual({
      kind: 'rate',
      unit: 'ratio',
      rate: 1,
      fails: 10,
      total: 10,
    });
    expect(r.errors.find((e) => e.kind === 'status 404')?.count, explain(run)).toBe(10);
  });
});
