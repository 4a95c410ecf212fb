import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * What squall measures against what the server itself saw. Expectations come from the server's
 * own counts and delays; bounds are generous because the machine runs squall, the target and
 * vitest on two cores. Not part of `npm test`: run with `npm run test:accuracy`.
 */

const dir = tempDir();
let server: TargetServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('latency accuracy', () => {
  it('reports a fixed server delay: min at least the delay, p50 just above it', async () => {
    const delayMs = 20;
    server = await startTarget({ delayMs });
    const out = `${dir.path}/latency.json`;
    const run = await runCli(['quick', '-c', '4', '-n', '200', '-o', `json=${out}`, server.url]);
    expect(run.code, explain(run)).toBe(0);
    const d = readResult(out, run).metrics.http_req_duration;

    expect(d.count, explain(run)).toBe(server.count());
    // The server never answers sooner than the delay, and squall's clock starts before the send.
    expect(d.min, explain(run)).toBeGreaterThanOrEqual(delayMs);
    // HDR buckets are exact to 0.1%: p50 may read a hair under a value it recorded.
    expect(d.p50, explain(run)).toBeGreaterThanOrEqual(delayMs * 0.999);
    expect(d.p50, explain(run)).toBeLessThan(delayMs + 6);
    expect(d.mean, explain(run)).toBeGreaterThanOrEqual(delayMs);
    expect(d.max, explain(run)).toBeGreaterThanOrEqual(d.p99!);
    expect(d.p99, explain(run)).toBeGreaterThanOrEqual(d.p50!);
  });
});

describe('request counts match the server', () => {
  it('closed model with -d: every request the server answered is in the result, and no more', async () => {
    server = await startTarget({ delayMs: 1 });
    const out = `${dir.path}/count-d.json`;
    const run = await runCli(['quick', '-c', '4', '-d', '2s', '-o', `json=${out}`, server.url]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);

    expect(server.count(), explain(run)).toBeGreaterThan(0);
    expect(r.metrics.http_reqs.count, explain(run)).toBe(server.count());
    expect(r.endpoints[0]!.count).toBe(server.count());
    expect(r.durationSec, explain(run)).toBeGreaterThanOrEqual(2);
    expect(r.durationSec, explain(run)).toBeLessThan(6);
    expect(r.endReason).toBe('completed');
    // The timeline accounts for the same requests, second by second.
    const timelineTotal = r.timeline.reduce((n, p, i) => {
      const prevT = i === 0 ? 0 : r.timeline[i - 1]!.t;
      return n + p.rps * (p.t - prevT);
    }, 0);
    expect(Math.abs(timelineTotal - server.count()), JSON.stringify(r.timeline)).toBeLessThanOrEqual(
      Math.max(5, server.count() * 0.02),
    );
  });
});

describe('open model', () => {
  it('-R 200 -d 3s: the server sees 200 requests each second, 600 in all', async () => {
    server = await startTarget();
    const rate = 200;
    const seconds = 3;
    const expected = rate * seconds;
    const out = `${dir.path}/rate.json`;
    const run = await runCli([
      'quick',
      '-R',
      String(rate),
      '-d',
      `${seconds}s`,
      '-o',
      `json=${out}`,
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const perSecond = server.perSecond();
    const why = `server per second: ${JSON.stringify(perSecond)}\n${explain(run)}`;

    expect(server.count(), why).toBeGreaterThanOrEqual(expected * 0.97);
    expect(server.count(), why).toBeLessThanOrEqual(expected * 1.03);
    expect(r.metrics.http_reqs.count, why).toBe(server.count());
    // Each whole second of the run carries its share; a late timer may push a request or two
    // into a fourth bucket, never more.
    for (let s = 0; s < seconds; s++) {
      expect(perSecond[s] ?? 0, why).toBeGreaterThanOrEqual(rate * 0.9);
      expect(perSecond[s] ?? 0, why).toBeLessThanOrEqual(rate * 1.1);
    }
    expect(
      perSecond.slice(seconds).reduce((a, b) => a + b, 0),
      why,
    ).toBeLessThanOrEqual(rate * 0.1);

    expect(r.config.model).toBe('open');
    expect(r.metrics.http_req_duration.count, why).toBe(server.count());
    const service = r.metrics.http_req_service_duration as { count: number; p50: number } | undefined;
    expect(service, why).toBeDefined();
    expect(service!.count, why).toBe(server.count());
    expect(r.metrics.dropped_iterations, why).toMatchObject({ count: 0 });
  });

  it('more arrivals than connections can serve: every arrival is either sent or dropped', async () => {
    const delayMs = 20;
    server = await startTarget({ delayMs });
    const rate = 100;
    const seconds = 2;
    const out = `${dir.path}/over-capacity.json`;
    // One connection serves at most 1000 / delayMs = 50 requests a second: half the rate.
    const run = await runCli(
      ['quick', '-R', String(rate), '-c', '1', '-d', `${seconds}s`, '-o', `json=${out}`, server.url],
      { timeoutMs: 20_000 },
    );
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const dropped = (r.metrics.dropped_iterations as { count: number }).count;
    const service = r.metrics.http_req_service_duration as { p50: number };
    const d = r.metrics.http_req_duration;
    const why = `dropped ${dropped}, duration ${JSON.stringify(d)}, service ${JSON.stringify(service)}
${explain(run)}`;

    expect(r.metrics.http_reqs.count, why).toBe(server.count());
    expect(server.count() + dropped, why).toBe(rate * seconds);
    expect(server.count(), why).toBeLessThan(rate * seconds);
    expect(server.connections(), why).toBe(1);
    // The wait for the busy connection is part of the duration, not of the service time.
    expect(service.p50, why).toBeGreaterThanOrEqual(delayMs * 0.999);
    expect(service.p50, why).toBeLessThan(delayMs * 3);
    expect(d.p50, why).toBeGreaterThan(service.p50 * 5);
    // And squall says why, on stderr.
    expect(run.stderr, why).toMatch(/waited for a free connection/);
  });

  it('a one-second stall shows in the open-model percentiles', async () => {
    server = await startTarget({ stall: { atMs: 1000, forMs: 1000 } });
    const out = `${dir.path}/stall-open.json`;
    const run = await runCli(['quick', '-R', '100', '-d', '3s', '-o', `json=${out}`, server.url]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const d = r.metrics.http_req_duration;
    const service = r.metrics.http_req_service_duration as { count: number; p50: number; max: number };
    const why = `duration ${JSON.stringify(d)}\nservice ${JSON.stringify(service)}\n${explain(run)}`;

    expect(r.metrics.http_reqs.count, why).toBe(server.count());
    // A third of the run's arrivals fell in the stall and waited up to a second for it to end.
    expect(d.p99, why).toBeGreaterThanOrEqual(700);
    expect(d.max, why).toBeGreaterThanOrEqual(700);
    // Most requests were outside the stall and fast, whichever way they are measured.
    expect(service.p50, why).toBeLessThan(100);
    expect(d.p50, why).toBeLessThan(100);
    expect(typeof (r.metrics.dropped_iterations as { count: unknown }).count, why).toBe('number');
  });

  it('the same stall all but vanishes from a closed-model run (why the open model exists)', async () => {
    server = await startTarget({ stall: { atMs: 1000, forMs: 1000 } });
    const out = `${dir.path}/stall-closed.json`;
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-d',
      '3s',
      '-n',
      '500000',
      '-o',
      `json=${out}`,
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const d = readResult(out, run).metrics.http_req_duration;
    const why = `duration ${JSON.stringify(d)}\n${explain(run)}`;

    // The stall happened (its requests took the whole second)...
    expect(d.max, why).toBeGreaterThanOrEqual(700);
    // ...but the two waiting connections sent nothing meanwhile, so it is a sliver of the samples.
    expect(d.p99, why).toBeLessThan(700);
  });
});
