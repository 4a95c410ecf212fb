import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fmtRate } from '../../src/report/format.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * breakpoint against a server built to break at a known rate: it answers 503 to every request
 * beyond `limit` in the last second (a sliding window), as a service that sheds load past its
 * capacity. The preset ramps the arrival rate from 0 and must stop once the error rate crosses
 * its bound, with a breakingPoint that brackets the limit.
 *
 * Exit code: a breakpoint test that finds the breaking point has done its job, and DESIGN.md
 * reserves 99 for a failed threshold; the stop is reported as endReason 'breaking-point' (not
 * 'threshold-abort': no budget was missed) and the exit is 0 unless a threshold of the test fails
 * (checked below with one that does).
 */

const dir = tempDir('squall-run-breakpoint-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/** Fails whatever exceeds `limit` requests within the last 1000 ms. */
function shedAbove(limit: number) {
  const recent: number[] = [];
  let shed = 0;
  return {
    shed: () => shed,
    handler: () => {
      const now = performance.now();
      while (recent.length > 0 && recent[0]! <= now - 1000) recent.shift();
      recent.push(now);
      if (recent.length <= limit) return undefined;
      shed++;
      return { status: 503, body: 'over capacity' };
    },
  };
}

const TEST = `preset: breakpoint
stopConditions:
  maxErrorRate: 0.1
  window: 1s
users:
  - name: Prober
    flow: [{ get: /bp }]
`;

describe('breakpoint', () => {
  // The rate climbs by peak/duration each second: slow enough that one second of the ramp is a
  // fraction of the limit, fast enough that the run breaks within a few seconds.
  const limit = 80;
  const peak = 240;
  const durationSec = 6;
  const slope = peak / durationSec;

  it('stops at the breaking point of a server that sheds load above a known rate, and brackets it', async () => {
    const shed = shedAbove(limit);
    server = await startRouteServer({ handler: shed.handler });
    const file = writeTestFile(dir.path, 'breakpoint.yaml', TEST);
    const {
      run,
      result: r,
      why,
    } = await runFileOk(
      file,
      ['--host', server.url, '--rate', String(peak), '--duration', `${durationSec}s`],
      { quiet: false },
    );
    const bp = r.breakingPoint;
    const ctx = `${why}\nbreakingPoint ${JSON.stringify(bp)}\nserver: ${server.hits.length} requests, ${shed.shed()} shed\ntimeline ${JSON.stringify(r.timeline)}`;

    expect(run.code, ctx).toBe(0);
    expect(r.endReason, ctx).toBe('breaking-point');
    expect(bp, ctx).not.toBeNull();
    // The rate where it broke is at or above the limit, the last healthy one at most a second
    // of the ramp above it (a second judged healthy may end past the limit), and they are in order.
    expect(bp!.rate, ctx).toBeGreaterThanOrEqual(limit);
    expect(bp!.rate, ctx).toBeLessThanOrEqual(limit + 2 * slope);
    expect(bp!.lastHealthyRate, ctx).toBeGreaterThanOrEqual(limit - slope);
    expect(bp!.lastHealthyRate, ctx).toBeLessThanOrEqual(limit + slope);
    expect(bp!.lastHealthyRate, ctx).toBeLessThan(bp!.rate);
    expect(bp!.reason, ctx).toMatch(/error rate/);
    // It stopped soon after: well before the planned end, and before the server shed most requests.
    expect(bp!.atSec, ctx).toBeLessThan(durationSec);
    expect(r.durationSec, ctx).toBeLessThan(durationSec - 1);
    // The rate is the one measured in the second that broke: between the planned rates at its
    // start and end (with a second of slack for the arrivals' spacing).
    expect(bp!.rate, ctx).toBeGreaterThanOrEqual(slope * (bp!.atSec - 2));
    expect(bp!.rate, ctx).toBeLessThanOrEqual(slope * (bp!.atSec + 1));
    expect(bp!.vus, ctx).toBeGreaterThan(0);
    // What the server shed is what squall counted as failed.
    expect(r.metrics.http_req_failed.fails, ctx).toBe(shed.shed());
    expect(r.metrics.http_reqs.count, ctx).toBe(server.hits.length);
    // The summary says where it broke; stderr says why it stopped early.
    expect(run.stdout, ctx).toMatch(/breaking point/i);
    expect(run.stdout, ctx).toContain(`broke at ${fmtRate(bp!.rate)} req/s`);
    expect(run.stderr, ctx).toMatch(/stopped early: breaking point/);
    expect(hasStackTrace(run.stdout + run.stderr), ctx).toBe(false);
  });

  it('stops on the p99 bound when the server slows down above the limit instead of failing', async () => {
    const slowMs = 400;
    const recent: number[] = [];
    server = await startRouteServer({
      handler: () => {
        const now = performance.now();
        while (recent.length > 0 && recent[0]! <= now - 1000) recent.shift();
        recent.push(now);
        return { delayMs: recent.length > limit ? slowMs : 0 };
      },
    });
    const file = writeTestFile(
      dir.path,
      'breakpoint-p99.yaml',
      TEST.replace('maxErrorRate: 0.1', `maxP99: ${slowMs / 2}ms`),
    );
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, [
      '--host',
      server.url,
      '--rate',
      String(peak),
      '--duration',
      `${durationSec}s`,
    ]);
    const bp = r.breakingPoint;
    const ctx = `${why}\nbreakingPoint ${JSON.stringify(bp)}\ntimeline ${JSON.stringify(r.timeline)}`;
    expect(run.code, ctx).toBe(0);
    expect(r.endReason, ctx).toBe('breaking-point');
    expect(bp?.reason, ctx).toMatch(/p99/);
    // The throughput measured when p99 crossed: the slowed requests end later, so it may read
    // below the limit, but never below the ramp's last healthy second by more than a step.
    expect(bp!.rate, ctx).toBeGreaterThanOrEqual(limit - slope);
    expect(bp!.rate, ctx).toBeLessThanOrEqual(limit + 2 * slope);
    expect(bp!.lastHealthyRate, ctx).toBeGreaterThanOrEqual(limit - slope);
    expect(bp!.lastHealthyRate, ctx).toBeLessThanOrEqual(limit + slope);
    expect(r.metrics.http_req_failed.fails, ctx).toBe(0);
  });

  it('a threshold the breaking run fails still exits 99', async () => {
    server = await startRouteServer({ handler: shedAbove(limit).handler });
    const file = writeTestFile(
      dir.path,
      'breakpoint-budget.yaml',
      `${TEST}thresholds:\n  http_req_failed: ["rate<0.01"]\n`,
    );
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, [
      '--host',
      server.url,
      '--rate',
      String(peak),
      '--duration',
      `${durationSec}s`,
    ]);
    expect(run.code, why).toBe(99);
    expect(r.endReason, why).toBe('breaking-point');
    expect(r.breakingPoint, why).not.toBeNull();
    expect(r.thresholds[0], why).toMatchObject({ metric: 'http_req_failed', ok: false });
  });

  it('a closed-model ramp that breaks reports the throughput it reached, not 0 (issue 10 #18)', async () => {
    // Fails whenever more than 2 requests are in flight: healthy at 1-2 VUs, broken past that.
    server = await startRouteServer({
      delayMs: 20,
      handler: (hit) => (hit.inFlight > 2 ? { status: 503, body: 'over capacity' } : undefined),
    });
    const file = writeTestFile(
      dir.path,
      'breakpoint-ramping-vus.yaml',
      `scenarios:
  ramp:
    executor: ramping-vus
    startVUs: 1
    stages: [{ duration: 1s, target: 1 }, { duration: 3s, target: 6 }]
    users:
      - name: Prober
        flow: [{ get: /bp }]
stopConditions: { maxErrorRate: 0.1, window: 1s }
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url], { quiet: false });
    const bp = r.breakingPoint;
    const ctx = `${why}\nbreakingPoint ${JSON.stringify(bp)}\ntimeline ${JSON.stringify(r.timeline)}`;
    expect(r.endReason, ctx).toBe('breaking-point');
    expect(bp, ctx).not.toBeNull();
    expect(bp!.rate, ctx).toBeGreaterThan(0);
    // The throughput measured in the second that broke (the run's last: a sliver after it may
    // have been folded into it, which moves its end and its rate by at most a quarter).
    const atBreak = r.timeline.find((p) => Math.abs(p.t - bp!.atSec) < 0.3);
    expect(atBreak, ctx).toBeDefined();
    expect(bp!.rate, ctx).toBeGreaterThan(atBreak!.rps * 0.7);
    expect(bp!.rate, ctx).toBeLessThan(atBreak!.rps * 1.3);
    // The last healthy second is an earlier one of the timeline, with its own measured rate.
    expect(bp!.lastHealthyRate, ctx).toBeGreaterThan(0);
    expect(
      r.timeline.some((p) => p.rps === bp!.lastHealthyRate && p.t < bp!.atSec),
      ctx,
    ).toBe(true);
    expect(bp!.vus, ctx).toBeGreaterThan(2);
    expect(run.stdout, ctx).not.toMatch(/broke at 0(\.0+)? req\/s/);
    expect(run.stdout, ctx).not.toMatch(/last healthy rate: 0(\.0+)? req\/s/);
    expect(run.stdout, ctx).toMatch(/broke at [1-9][\d.,]* req\/s/);
  });
});
