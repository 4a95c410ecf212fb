import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  between,
  countBy,
  distinct,
  peakInFlight,
  type RouteServer,
  relativeTo,
  startRouteServer,
  type TimedHit,
} from '../helpers/route-server.js';
import { requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * Every executor's schedule, checked against what the server saw: when requests arrived (on the
 * run's time axis, from the result's startedAt), how many were in flight at once (in the closed
 * model with a server delay, the VUs at work), and which VU sent each (an X-VU header). The
 * expectations come from the test file's own numbers and from the server's counts.
 */

const dir = tempDir('squall-run-exec-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/** A flow that says which VU sent it, so the server can count VUs. */
const flow = (path: string) => `[{ get: ${path}, headers: { X-VU: "\${vu.id}" } }]`;

function timed(s: RouteServer, startedAt: string, path: string): TimedHit[] {
  return relativeTo(s.on(path), Date.parse(startedAt));
}

/** Linear ramp stages as a function of time (ms): the planned level, as in the file. */
function levelAt(startLevel: number, stages: Array<{ ms: number; target: number }>, tMs: number): number {
  let from = startLevel;
  let at = 0;
  for (const s of stages) {
    if (tMs < at + s.ms) return from + ((s.target - from) * (tMs - at)) / s.ms;
    at += s.ms;
    from = s.target;
  }
  return 0;
}

/** Planned arrivals in [a, b): the integral of the rate (per second) over the window. */
function arrivalsIn(
  startRate: number,
  stages: Array<{ ms: number; target: number }>,
  aMs: number,
  bMs: number,
): number {
  // The rate is piecewise linear: a fine midpoint sum is exact enough for a count.
  const step = 1;
  let n = 0;
  for (let t = aMs; t < bMs; t += step) n += (levelAt(startRate, stages, t + step / 2) * step) / 1000;
  return n;
}

describe('closed model', () => {
  it('constant-vus: the server sees exactly the VUs, busy all along, at a steady rate', async () => {
    const delayMs = 50;
    server = await startRouteServer({ delayMs });
    const vus = 4;
    const durationMs = 2000;
    const file = writeTestFile(
      dir.path,
      'constant-vus.yaml',
      `scenarios:
  steady:
    executor: constant-vus
    vus: ${vus}
    duration: ${durationMs}ms
    users: [{ name: U, flow: ${flow('/cv')} }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const hits = timed(server, r.startedAt, '/cv');
    const ctx = `${why}\nper 250 ms: ${JSON.stringify(windows(hits, 250, durationMs))}`;

    // Every VU sent requests, and never more than `vus` at once, in every quarter second.
    expect(distinct(hits, 'x-vu').size, ctx).toBe(vus);
    for (let t = 0; t < durationMs; t += 250) {
      expect(peakInFlight(hits, t, t + 250), `${ctx}\nwindow ${t}`).toBeLessThanOrEqual(vus);
      expect(peakInFlight(hits, t + 20, t + 250), `${ctx}\nwindow ${t}`).toBeGreaterThanOrEqual(vus - 1);
    }
    // Nothing is started after the duration (the last iterations end within a delay of it).
    expect(
      hits.filter((h) => h.t > durationMs + 20),
      ctx,
    ).toEqual([]);
    // Each second: at most vus × 1000/delay requests (each takes the delay), and steady.
    const perSec = [between(hits, 0, 1000).length, between(hits, 1000, 2000).length];
    const ceiling = (vus * 1000) / delayMs;
    for (const n of perSec) {
      expect(n, ctx).toBeLessThanOrEqual(ceiling + vus);
      expect(n, ctx).toBeGreaterThanOrEqual(ceiling * 0.5);
    }
    expect(Math.abs(perSec[0]! - perSec[1]!), ctx).toBeLessThanOrEqual(
      Math.max(perSec[0]!, perSec[1]!) * 0.25,
    );

    // The result agrees with the server: one request per iteration, the VUs in the timeline.
    expect(r.metrics.http_reqs.count, ctx).toBe(hits.length);
    expect(r.metrics.iterations, ctx).toMatchObject({ count: hits.length });
    expect(r.scenarios.steady, ctx).toMatchObject({ vusMax: vus, iterations: hits.length, dropped: 0 });
    expect(r.timeline.map((p) => p.vus).slice(0, 2), ctx).toEqual([vus, vus]);
    expect(r.metrics.vus_max, ctx).toMatchObject({ max: vus });
  });

  it('ramping-vus: up, hold, down — the VUs the server sees follow the stages', async () => {
    const delayMs = 40;
    server = await startRouteServer({ delayMs });
    const peak = 4;
    const stages = [
      { ms: 1000, target: peak },
      { ms: 1000, target: peak },
      { ms: 1000, target: 0 },
    ];
    const totalMs = 3000;
    const file = writeTestFile(
      dir.path,
      'ramping-vus.yaml',
      `scenarios:
  ramp:
    executor: ramping-vus
    startVUs: 0
    stages: [${stages.map((s) => `{ duration: ${s.ms}ms, target: ${s.target} }`).join(', ')}]
    users: [{ name: U, flow: ${flow('/rv')} }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const hits = timed(server, r.startedAt, '/rv');
    const ctx = `${why}\nper 250 ms: ${JSON.stringify(windows(hits, 250, totalMs + 250))}`;

    // k6's ramp: VU v joins when the line reaches v, and leaves when it falls back to v - 1.
    const planned = (t: number) =>
      t < 1000 ? Math.floor(levelAt(0, stages, t)) : Math.ceil(levelAt(0, stages, t) - 1e-9);
    // The first VU joins a quarter of the way up: nothing before.
    expect(hits[0]!.t, ctx).toBeGreaterThanOrEqual(1000 / peak - 30);
    for (let t = 0; t < totalMs; t += 125) {
      // Never more than planned (allowing a delay for a leaving VU to finish its iteration)…
      const most = Math.max(planned(t - delayMs - 30), planned(t), planned(t + 125 - 1));
      const least = Math.min(planned(t + 30), planned(t + 125 - 1));
      const seen = peakInFlight(hits, t, t + 125);
      expect(seen, `${ctx}\nwindow ${t}: planned ${least}..${most}`).toBeLessThanOrEqual(most);
      // …and, once a level has been in place a moment, that many VUs at work.
      expect(seen, `${ctx}\nwindow ${t}: planned ${least}..${most}`).toBeGreaterThanOrEqual(least - 1);
    }
    expect(peakInFlight(hits, 1100, 1900), ctx).toBe(peak);
    expect(
      hits.filter((h) => h.t > totalMs + delayMs + 20),
      ctx,
    ).toEqual([]);
    // The rate rises, holds, falls: the middle second carries the most requests.
    const perSec = [0, 1, 2].map((s) => between(hits, s * 1000, (s + 1) * 1000).length);
    expect(perSec[1], ctx).toBeGreaterThan(perSec[0]!);
    expect(perSec[1], ctx).toBeGreaterThan(perSec[2]!);

    expect(distinct(hits, 'x-vu').size, ctx).toBe(peak);
    expect(r.metrics.http_reqs.count, ctx).toBe(hits.length);
    expect(r.scenarios.ramp!.vusMax, ctx).toBe(peak);
    // Timeline: vus is the peak of each second; the hold second is at the peak.
    expect(r.timeline[1]!.vus, ctx).toBe(peak);
    expect(r.timeline[0]!.vus, ctx).toBeLessThanOrEqual(peak);
    expect(r.timeline[r.timeline.length - 1]!.vus, ctx).toBeLessThanOrEqual(peak);
  });
});

describe('open model', () => {
  it('constant- and ramping-arrival-rate side by side, the second after its startTime', async () => {
    server = await startRouteServer({ delayMs: 5 });
    const rate = 40;
    const steadyMs = 3000;
    const rampStartMs = 1000;
    const ramp = [
      { ms: 1000, target: 60 },
      { ms: 1000, target: 0 },
    ];
    const file = writeTestFile(
      dir.path,
      'arrival-rates.yaml',
      `scenarios:
  steady:
    executor: constant-arrival-rate
    rate: ${rate}
    duration: ${steadyMs}ms
    preAllocatedVUs: 2
    maxVUs: 10
    users: [{ name: U, flow: ${flow('/car')} }]
  ramp:
    executor: ramping-arrival-rate
    startTime: ${rampStartMs}ms
    startRate: 0
    stages: [${ramp.map((s) => `{ duration: ${s.ms}ms, target: ${s.target} }`).join(', ')}]
    preAllocatedVUs: 2
    maxVUs: 10
    users: [{ name: U, flow: ${flow('/rar')} }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const steady = timed(server, r.startedAt, '/car');
    const rampHits = timed(server, r.startedAt, '/rar');
    const ctx = `${why}\nsteady per 500 ms: ${JSON.stringify(windows(steady, 500, steadyMs))}\nramp per 250 ms: ${JSON.stringify(windows(rampHits, 250, steadyMs))}`;

    // constant-arrival-rate: rate per second in every second, rate × duration in all.
    expect(steady.length, ctx).toBeGreaterThanOrEqual((rate * steadyMs) / 1000 - 1);
    expect(steady.length, ctx).toBeLessThanOrEqual((rate * steadyMs) / 1000 + 1);
    for (let t = 0; t < steadyMs; t += 500) {
      const n = between(steady, t, t + 500).length;
      expect(Math.abs(n - rate / 2), `${ctx}\nsteady window ${t}`).toBeLessThanOrEqual(2);
    }

    // ramping-arrival-rate: nothing before its startTime, then the area under its rate line.
    expect(rampHits[0]!.t, ctx).toBeGreaterThanOrEqual(rampStartMs - 5);
    const planned = arrivalsIn(0, ramp, 0, 2000);
    expect(Math.abs(rampHits.length - planned), ctx).toBeLessThanOrEqual(1);
    for (let t = 0; t < 2000; t += 250) {
      const want = arrivalsIn(0, ramp, t, t + 250);
      const n = between(rampHits, rampStartMs + t, rampStartMs + t + 250).length;
      expect(Math.abs(n - want), `${ctx}\nramp window ${t}: planned ${want.toFixed(1)}`).toBeLessThanOrEqual(
        Math.max(2, want * 0.2),
      );
    }
    expect(
      rampHits.filter((h) => h.t > rampStartMs + 2000 + 20),
      ctx,
    ).toEqual([]);

    // The result: per scenario, what the server got; nothing dropped.
    expect(r.scenarios.steady, ctx).toMatchObject({ iterations: steady.length, dropped: 0 });
    expect(r.scenarios.ramp, ctx).toMatchObject({ iterations: rampHits.length, dropped: 0 });
    expect(r.metrics.dropped_iterations, ctx).toMatchObject({ count: 0 });
    expect(r.metrics.http_reqs.count, ctx).toBe(steady.length + rampHits.length);
  });

  it('queue: true — arrivals that find every VU busy wait, and those still waiting at the end are dropped', async () => {
    const delayMs = 100;
    server = await startRouteServer({ delayMs });
    const rate = 40;
    const durationMs = 1000;
    const file = writeTestFile(
      dir.path,
      'dropped.yaml',
      `scenarios:
  slow:
    executor: constant-arrival-rate
    rate: ${rate}
    duration: ${durationMs}ms
    preAllocatedVUs: 1
    maxVUs: 1
    queue: true
    users: [{ name: U, flow: ${flow('/slow')} }]
  ramp:
    executor: ramping-arrival-rate
    startRate: 0
    stages: [{ duration: ${durationMs}ms, target: ${2 * rate} }]
    preAllocatedVUs: 1
    maxVUs: 1
    queue: true
    users: [{ name: U, flow: ${flow('/ramp')} }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const hits = server.on('/slow');
    const due = (rate * durationMs) / 1000;
    const ctx = `${why}\nserver saw ${hits.length}; scenarios ${JSON.stringify(r.scenarios)}`;

    // One VU at 100 ms per request serves about 10 of the 40 due: the rest were dropped.
    expect(hits.length, ctx).toBeLessThanOrEqual(Math.ceil(durationMs / delayMs) + 1);
    expect(Math.max(...hits.map((h) => h.inFlightOnPath)), ctx).toBe(1);
    const s = r.scenarios.slow!;
    expect(s.iterations, ctx).toBe(hits.length);
    expect(s.dropped, ctx).toBeGreaterThan(0);
    // Every due iteration is accounted for: run, dropped, or cut short.
    expect(s.iterations + s.dropped + s.interrupted, ctx).toBe(due);
    // ramping-arrival-rate, 0 to twice the rate: as many due, the same one VU, the same accounting.
    const ramp = r.scenarios.ramp!;
    const rampDue = arrivalsIn(0, [{ ms: durationMs, target: 2 * rate }], 0, durationMs);
    expect(ramp.iterations, ctx).toBe(server.on('/ramp').length);
    expect(ramp.dropped, ctx).toBeGreaterThan(0);
    expect(Math.abs(ramp.iterations + ramp.dropped + ramp.interrupted - rampDue), ctx).toBeLessThanOrEqual(1);
    expect(r.metrics.dropped_iterations, ctx).toMatchObject({ count: s.dropped + ramp.dropped });
    // DESIGN.md: with queue: true a request's duration counts from when it was scheduled to start
    // (coordinated omission), and http_req_service_duration keeps the time from the send. The
    // served ones waited in the queue: the k-th started about k delays after it was due.
    const maxMs = r.metrics.http_req_duration.max!;
    const service = r.metrics.http_req_service_duration as { p50: number } | undefined;
    expect(maxMs, ctx).toBeGreaterThan(100 * 3);
    expect(service, ctx).toBeDefined();
    // The send-to-end view stays near the server's 100 ms.
    expect(service!.p50, ctx).toBeLessThan(maxMs);
  });
});

describe('iteration counts', () => {
  it('per-vu-iterations and shared-iterations: exact counts, per VU and in total', async () => {
    server = await startRouteServer({ delayMs: 2 });
    const perVu = { vus: 3, iterations: 5 };
    const shared = { vus: 4, iterations: 37 };
    const file = writeTestFile(
      dir.path,
      'iterations.yaml',
      `scenarios:
  each:
    executor: per-vu-iterations
    vus: ${perVu.vus}
    iterations: ${perVu.iterations}
    users: [{ name: U, flow: ${flow('/each')} }]
  pool:
    executor: shared-iterations
    vus: ${shared.vus}
    iterations: ${shared.iterations}
    users: [{ name: U, flow: ${flow('/pool')} }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const each = server.on('/each');
    const pool = server.on('/pool');
    const byVu = countBy(each, (h) => String(h.headers['x-vu']));
    const poolByVu = countBy(pool, (h) => String(h.headers['x-vu']));
    const ctx = `${why}\nper-vu: ${JSON.stringify([...byVu])}\nshared: ${JSON.stringify([...poolByVu])}`;

    // per-vu-iterations: each VU exactly its iterations.
    expect(byVu.size, ctx).toBe(perVu.vus);
    for (const n of byVu.values()) expect(n, ctx).toBe(perVu.iterations);
    // shared-iterations: exactly the total, shared among at most its VUs.
    expect(pool.length, ctx).toBe(shared.iterations);
    expect(poolByVu.size, ctx).toBeLessThanOrEqual(shared.vus);
    // VU ids are unique across the run: the two scenarios share none.
    for (const id of poolByVu.keys()) expect(byVu.has(id), ctx).toBe(false);

    expect(r.scenarios.each, ctx).toMatchObject({ iterations: each.length, interrupted: 0, dropped: 0 });
    expect(r.scenarios.pool, ctx).toMatchObject({
      iterations: shared.iterations,
      interrupted: 0,
      dropped: 0,
    });
    expect(r.metrics.iterations, ctx).toMatchObject({ count: each.length + pool.length });
    expect(r.metrics.http_reqs.count, ctx).toBe(server.hits.length);
    expect(r.endReason, ctx).toBe('completed');
  });

  it('--vus and --duration rescale a ramp; --rate turns constant-vus into its open-model twin', async () => {
    server = await startRouteServer({ delayMs: 30 });
    // The file's ramp peaks at 10 VUs over 20 s; the flags make it 4 VUs over 1 s, same shape.
    const file = writeTestFile(
      dir.path,
      'rescaled.yaml',
      `scenarios:
  ramp:
    executor: ramping-vus
    startVUs: 0
    stages: [{ duration: 10s, target: 10 }, { duration: 10s, target: 0 }]
    users: [{ name: U, flow: ${flow('/ramp')} }]
`,
    );
    const ramp = await runFileOk(file, ['--host', server.url, '--vus', '4', '--duration', '1s']);
    const hits = timed(server, ramp.result.startedAt, '/ramp');
    const ctx = `${ramp.why}\nper 125 ms: ${JSON.stringify(windows(hits, 125, 1250))}`;
    expect(ramp.run.code, ctx).toBe(0);
    expect(peakInFlight(hits, 0, 2000), ctx).toBe(4);
    // The peak is in the middle (the file's shape), and the VUs are few at both ends.
    expect(peakInFlight(hits, 375, 625), ctx).toBe(4);
    expect(peakInFlight(hits, 0, 200), ctx).toBeLessThanOrEqual(1);
    expect(peakInFlight(hits, 950, 1100), ctx).toBeLessThanOrEqual(1);
    expect(
      hits.filter((h) => h.t > 1000 + 30 + 20),
      ctx,
    ).toEqual([]);

    const steady = writeTestFile(
      dir.path,
      'closed.yaml',
      `vus: 5\nduration: 20s\nusers: [{ name: U, flow: ${flow('/steady')} }]\n`,
    );
    const rate = 30;
    const open = await runFileOk(steady, ['--host', server.url, '--rate', String(rate), '--duration', '1s']);
    const n = server.on('/steady').length;
    expect(open.run.code, open.why).toBe(0);
    expect((open.result.config.scenarios as Array<{ executor: { type: string } }>)[0]!.executor.type).toBe(
      'constant-arrival-rate',
    );
    // The open model starts `rate` iterations per second whatever the 30 ms answers do.
    expect(Math.abs(n - rate), `${open.why}\nserver saw ${n}`).toBeLessThanOrEqual(1);
  });

  it('--iterations turns a timed test into shared-iterations of exactly N', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'timed.yaml',
      `vus: 3
duration: 30s
users: [{ name: U, flow: ${flow('/n')} }]
`,
    );
    const n = 23;
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url, '--iterations', String(n)]);
    expect(run.code, why).toBe(0);
    expect(server.on('/n').length, why).toBe(n);
    expect(r.metrics.iterations, why).toMatchObject({ count: n });
    expect((r.config.scenarios as Array<{ executor: { type: string } }>)[0]!.executor.type, why).toBe(
      'shared-iterations',
    );
    expect(r.durationSec, why).toBeLessThan(10);
  });
});

describe('stopping', () => {
  it('gracefulRampDown: a VU ramped away mid-iteration finishes within it, or is cut short', async () => {
    server = await startRouteServer({ handler: (h) => ({ delayMs: Number(h.query.ms) }) });
    // Two VUs, then one from 300 ms on: VU 2's 700 ms iteration outlives its 100 ms grace.
    const file = writeTestFile(
      dir.path,
      'graceful-ramp-down.yaml',
      `scenarios:
  ramp:
    executor: ramping-vus
    startVUs: 2
    stages: [{ duration: 300ms, target: 2 }, { duration: 0s, target: 1 }, { duration: 1s, target: 1 }]
    gracefulRampDown: 100ms
    users: [{ name: U, flow: [{ get: /r, query: { ms: "700" }, headers: { X-VU: "\${vu.id}" } }] }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    const hits = timed(server, r.startedAt, '/r');
    const ctx = `${why}\nscenarios ${JSON.stringify(r.scenarios)}\nhits ${JSON.stringify(hits.map((h) => [h.t, h.headers['x-vu']]))}`;
    expect(run.code, ctx).toBe(0);
    // Both start at 0; after the ramp-down only one VU starts iterations (at about 700 ms).
    expect(hits.filter((h) => h.t < 100).length, ctx).toBe(2);
    expect(
      distinct(
        hits.filter((h) => h.t >= 100),
        'x-vu',
      ).size,
      ctx,
    ).toBe(1);
    // The retired VU's iteration was cut at 300 + 100 ms; the other's two iterations ended on their own
    // (the second past the last stage, within the default gracefulStop).
    expect(r.scenarios.ramp, ctx).toMatchObject({ iterations: 2, interrupted: 1 });
    expect(r.metrics.http_reqs.count, ctx).toBe(2);
  });

  it('gracefulStop: an iteration running at the end finishes within it, or is cut short and counted', async () => {
    // Each request is answered after ?ms=…: one scenario's iteration outlasts its grace, the other's fits.
    server = await startRouteServer({ handler: (h) => ({ delayMs: Number(h.query.ms) }) });
    const durationMs = 400;
    const grace = { short: 200, long: 2000 };
    const file = writeTestFile(
      dir.path,
      'graceful-stop.yaml',
      `scenarios:
  cut:
    executor: constant-vus
    vus: 1
    duration: ${durationMs}ms
    gracefulStop: ${grace.short}ms
    users: [{ name: U, flow: [{ get: /cut, query: { ms: "3000" } }] }]
  fits:
    executor: constant-vus
    vus: 1
    duration: ${durationMs}ms
    gracefulStop: ${grace.long}ms
    users: [{ name: U, flow: [{ get: /fits, query: { ms: "800" } }] }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    const ctx = `${why}\nscenarios ${JSON.stringify(r.scenarios)}\nduration ${r.durationSec}`;
    expect(run.code, ctx).toBe(0);
    expect(server.on('/cut'), ctx).toHaveLength(1);
    expect(server.on('/fits'), ctx).toHaveLength(1);
    // cut: abandoned at duration + gracefulStop, not recorded as a request, counted as interrupted.
    expect(r.scenarios.cut, ctx).toMatchObject({ iterations: 0, interrupted: 1 });
    // fits: its one iteration ended inside the grace, so it counts, with its request.
    expect(r.scenarios.fits, ctx).toMatchObject({ iterations: 1, interrupted: 0 });
    expect(r.metrics.http_reqs.count, ctx).toBe(1);
    expect(r.endpoints.find((e) => e.name === 'GET /fits')?.count, ctx).toBe(1);
    // The run waited for the one that fits, not for the 3 s answer.
    expect(r.durationSec, ctx).toBeGreaterThanOrEqual(0.8);
    expect(r.durationSec, ctx).toBeLessThan(2);
  });
});

/** Hits per window, for failure messages. */
function windows(
  hits: readonly TimedHit[],
  sizeMs: number,
  untilMs: number,
): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let t = 0; t < untilMs; t += sizeMs) {
    out.push([t, between(hits, t, t + sizeMs).length, peakInFlight(hits, t, t + sizeMs)]);
  }
  return out;
}
