import { describe, expect, it } from 'vitest';
import type { MonitorSample, ResultDocument, TimelinePoint } from '../../result/schema.js';
import { type HeldCounts, type LiveMessage, liveMessage } from './live-message.js';

/** A document whose timeline and monitor samples have `n` points. */
function docAt(n: number, monitor = true): ResultDocument {
  const timeline: TimelinePoint[] = Array.from({ length: n }, (_, i) => ({
    t: i + 1,
    rps: 100 + i,
    p50: 1,
    p95: 2,
    p99: 3,
    errors: 0,
    vus: 2,
  }));
  const samples: MonitorSample[] = Array.from({ length: n }, (_, i) => ({
    t: i + 1,
    rssMb: 50 + i,
    cpuPct: 10,
    threads: 4,
    fds: 20,
  }));
  return {
    schema: 1,
    tool: 'squall',
    version: 'test',
    startedAt: new Date(0).toISOString(),
    endedAt: new Date(n * 1000).toISOString(),
    durationSec: n,
    endReason: 'completed',
    config: {},
    metrics: {
      http_reqs: { count: n * 100, rate: 100 },
      http_req_duration: {
        count: 0,
        min: 0,
        mean: 0,
        stdev: 0,
        p50: 0,
        p90: 0,
        p95: 0,
        p99: 0,
        p999: 0,
        max: 0,
      },
      http_req_failed: { rate: 0, fails: 0, total: 0 },
    },
    endpoints: [],
    errors: [],
    timeline,
    thresholds: [],
    passed: true,
    monitor: monitor
      ? {
          pid: 1,
          samples,
          rssStartMb: 50,
          rssPeakMb: 50 + n,
          rssEndMb: 50 + n,
          rssGrowthMbPerMin: 0,
          leakSuspected: false,
          reasons: [],
        }
      : null,
    breakingPoint: null,
  };
}

/** What the page does with a message: splice the new points onto what it holds. */
function apply(held: { timeline: TimelinePoint[]; samples: MonitorSample[] }, m: LiveMessage) {
  return {
    timeline: held.timeline.slice(0, m.timelineStart).concat(m.doc.timeline),
    samples: held.samples.slice(0, m.samplesStart).concat(m.doc.monitor?.samples ?? []),
  };
}

describe('liveMessage', () => {
  it('a new client gets the whole timeline and every sample', () => {
    const doc = docAt(5);
    const { message, held } = liveMessage({ doc, elapsedMs: 5000, totalMs: 10_000 }, null);
    expect(message.timelineStart).toBe(0);
    expect(message.doc.timeline).toEqual(doc.timeline);
    expect(message.doc.monitor?.samples).toEqual(doc.monitor?.samples);
    expect(held).toEqual({ timeline: doc.timeline.length, samples: doc.monitor!.samples.length });
    expect(message).toMatchObject({ elapsedMs: 5000, totalMs: 10_000 });
  });

  it('later messages carry only the points the client lacks, and rebuild the series exactly', () => {
    let page = { timeline: [] as TimelinePoint[], samples: [] as MonitorSample[] };
    let held: HeldCounts | null = null;
    let before = 0;
    for (const n of [0, 1, 2, 2, 5, 6, 9]) {
      const doc = docAt(n);
      const r = liveMessage({ doc, elapsedMs: n * 1000 }, held);
      // The new points, and the last one the client had (sent again in case it changed).
      expect(r.message.doc.timeline.length).toBeLessThanOrEqual(n - before + 1);
      page = apply(page, r.message);
      expect(page.timeline).toEqual(doc.timeline);
      expect(page.samples).toEqual(doc.monitor!.samples);
      held = r.held;
      before = n;
    }
  });

  it('a last point that changed after it was sent is corrected', () => {
    const first = docAt(3);
    const { message: m1, held } = liveMessage({ doc: first, elapsedMs: 3000 }, null);
    let page = apply({ timeline: [], samples: [] }, m1);
    const later = docAt(4);
    later.timeline[2] = { ...later.timeline[2]!, rps: later.timeline[2]!.rps + 1 };
    page = apply(page, liveMessage({ doc: later, elapsedMs: 4000 }, held).message);
    expect(page.timeline).toEqual(later.timeline);
  });

  it('a series that got shorter is sent from where it now ends', () => {
    const { held } = liveMessage({ doc: docAt(6), elapsedMs: 6000 }, null);
    const shorter = docAt(4);
    const page = apply(
      { timeline: docAt(6).timeline, samples: docAt(6).monitor!.samples },
      liveMessage({ doc: shorter, elapsedMs: 6000 }, held).message,
    );
    expect(page.timeline).toEqual(shorter.timeline);
  });

  it('keeps a missing monitor missing, and a missing total null', () => {
    const { message } = liveMessage({ doc: docAt(2, false), elapsedMs: 2000 }, null);
    expect(message.doc.monitor).toBeNull();
    expect(message.totalMs).toBeNull();
  });

  it('leaves the source document untouched', () => {
    const doc = docAt(4);
    const copy = structuredClone(doc);
    liveMessage({ doc, elapsedMs: 1 }, { timeline: 3, samples: 3 });
    expect(doc).toEqual(copy);
  });

  it("cuts each endpoint's timeline where the run's is cut, so frames stay small", () => {
    const withEndpoint = (n: number): ResultDocument => {
      const doc = docAt(n);
      const ep = { name: '/a', method: 'GET', count: n, failures: 0, rps: 1, statusCodes: {} };
      const latency = { p50: 1, p95: 2, p99: 3, max: 4, mean: 1 };
      const timeline = doc.timeline.map((p) => ({ ...p, requests: 1 }));
      return { ...doc, endpoints: [{ ...ep, latency, timeline }] };
    };
    const first = liveMessage({ doc: withEndpoint(5), elapsedMs: 5000 }, null);
    const doc = withEndpoint(8);
    const { message } = liveMessage({ doc, elapsedMs: 8000 }, first.held);
    const sent = message.doc.endpoints[0]?.timeline ?? [];
    expect(sent.map((p) => p.t)).toEqual(message.doc.timeline.map((p) => p.t));
    const whole = (first.message.doc.endpoints[0]?.timeline ?? [])
      .slice(0, message.timelineStart)
      .concat(sent);
    expect(whole).toEqual(doc.endpoints[0]?.timeline);
  });
});
