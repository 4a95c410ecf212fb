import { describe, expect, it } from 'vitest';
import { RunMetrics } from '../metrics/run-metrics.js';
import type { VuInfo } from '../script-api/vu-context.js';
import type { ExchangeReport } from '../transports/http/transport.js';
import { httpRecorder } from './http-recorder.js';
import { measuredFrom } from './intended-start.js';

/** What a transport reports for a response sent at `sentAt` and whole at `endAt` (ms). */
function report(m: RunMetrics, sentAt: number, endAt: number, status = 200): ExchangeReport {
  return {
    series: m.httpSeries({ scenario: 's', user: 'U' }, 'GET /x', 'GET'),
    url: undefined,
    status,
    failed: status === 0 || status >= 400,
    sentAt,
    firstByteAt: status === 0 ? 0 : sentAt + 1,
    endAt,
    connectMs: 0,
    tlsMs: 0,
    bytesSent: 10,
    bytesReceived: status === 0 ? 0 : 20,
    retries: 0,
    errorKind: status === 0 ? 'timeout' : undefined,
    errorMessage: status === 0 ? 'no complete response within 5ms' : undefined,
  };
}

function vu(iteration: number, scheduledAt: number): VuInfo {
  return { id: 1, scenario: 's', user: 'U', iteration, scheduledAt } as VuInfo;
}

describe('measuredFrom (the coordinated-omission rule)', () => {
  it('counts from the intended start when the send came later, else from the send', () => {
    expect(measuredFrom(1500, 1000)).toBe(1000);
    expect(measuredFrom(1000, 1500)).toBe(1000);
    expect(measuredFrom(1000, 0)).toBe(1000);
  });
});

describe('httpRecorder', () => {
  it('closed model: duration and service time both run from the send', () => {
    const m = new RunMetrics();
    httpRecorder(m).exchange(report(m, 1000, 1040));
    expect(m.http.totalDuration().maxMs()).toBeCloseTo(40, 0);
    expect(m.http.waiting.maxMs()).toBeCloseTo(1, 0);
  });

  it("open model: an iteration's first response counts from its scheduled start, later ones from the send", () => {
    const m = new RunMetrics();
    const info = vu(0, 500);
    const sink = httpRecorder(m, info);
    sink.exchange(report(m, 1000, 1040));
    sink.exchange(report(m, 2000, 2010));
    const d = m.http.totalDuration();
    expect(d.count).toBe(2);
    // 1040 - 500: the half second the iteration waited for a VU is in http_req_duration.
    expect(d.maxMs()).toBeCloseTo(540, 0);
    expect(d.minMs()).toBeCloseTo(10, 0);
    // The next iteration's first request is measured from its own scheduled start.
    info.iteration = 1;
    info.scheduledAt = 2900;
    sink.exchange(report(m, 3000, 3005));
    expect(m.http.totalDuration().percentileMs(50)).toBeCloseTo(105, 0);
  });

  it('a request with no response keeps no duration and counts its error kind', () => {
    const m = new RunMetrics();
    httpRecorder(m, vu(0, 500)).exchange(report(m, 1000, 1005, 0));
    expect(m.http.totalDuration().count).toBe(0);
    expect(m.http.errors.toArray().map((g) => [g.kind, g.count])).toEqual([['timeout', 1]]);
    expect(m.http.bytesSent).toBe(10);
  });
});
