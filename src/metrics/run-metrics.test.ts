import { describe, expect, it } from 'vitest';
import { runMetricsLookup } from '../result/build-run.js';
import { evaluateThresholds, parseThreshold } from '../thresholds/index.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import { createCheck, type HttpSample, MANY_SERIES, RunMetrics } from './run-metrics.js';

/** A deterministic stream of numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Made {
  tags: Record<string, string>;
  status: number;
  failed: boolean;
  ms: number;
}

/** Records a mixed load into `m` and returns every sample as the test knows it. */
function load(m: RunMetrics, n = 3000): Made[] {
  const rand = rng(7);
  const made: Made[] = [];
  const shapes = [
    { scenario: 'steady', user: 'Reader', name: 'GET /items/:id', method: 'GET' },
    { scenario: 'steady', user: 'Reader', name: 'GET /health', method: 'GET' },
    { scenario: 'steady', user: 'Writer', name: 'POST /items', method: 'POST' },
    { scenario: 'spike', user: 'Reader', name: 'GET /items/:id', method: 'GET' },
    { scenario: 'spike', user: 'Burst', name: 'POST /items', method: 'POST', extra: { type: 'API' } },
  ];
  const sample: HttpSample = {
    series: null as never,
    status: 0,
    failed: false,
    durationMs: 0,
    serviceMs: 0,
    waitingMs: 0,
    connectingMs: 0,
    bytesSent: 0,
    bytesReceived: 0,
    retries: 0,
    url: undefined,
    errorKind: undefined,
    errorMessage: undefined,
  };
  for (let i = 0; i < n; i++) {
    const shape = shapes[Math.floor(rand() * shapes.length)]!;
    const r = rand();
    const status = r < 0.05 ? 0 : r < 0.15 ? 503 : r < 0.2 ? 404 : r < 0.3 ? 201 : 200;
    // A 404 on GET /items/:id is expected in this test (as `expect: [200, 404]` would make it).
    const failed = status === 0 || (status >= 400 && !(status === 404 && shape.name === 'GET /items/:id'));
    const ms = Math.round((1 + rand() * 400 * (shape.name === 'GET /health' ? 0.1 : 1)) * 1000) / 1000;
    const base = { scenario: shape.scenario, user: shape.user, ...(shape.extra ?? {}) };
    sample.series = m.httpSeries(base, shape.name, shape.method);
    sample.status = status;
    sample.failed = failed;
    sample.durationMs = ms;
    sample.serviceMs = ms;
    sample.waitingMs = ms / 2;
    sample.connectingMs = i < 5 ? 0.5 : 0;
    sample.bytesSent = 100;
    sample.bytesReceived = status === 0 ? 0 : 250;
    sample.errorKind = status === 0 ? 'ECONNRESET' : undefined;
    sample.errorMessage = status === 0 ? 'read ECONNRESET' : undefined;
    m.recordHttp(sample);
    made.push({ tags: { ...base, name: shape.name, method: shape.method }, status, failed, ms });
  }
  return made;
}

function pick(made: Made[], filter: Record<string, string>): Made[] {
  return made.filter((x) => {
    for (const [k, v] of Object.entries(filter)) {
      if (k === 'status') {
        if (String(x.status) !== v) return false;
      } else if (k === 'expected_response') {
        if (String(!x.failed) !== v) return false;
      } else if (x.tags[k] !== v) return false;
    }
    return true;
  });
}

describe('RunMetrics: tag-filtered thresholds are exact', () => {
  const m = new RunMetrics();
  const made = load(m);
  const sec = 30;
  const lookup = runMetricsLookup(m, sec * 1000);
  const filters: Record<string, string>[] = [
    {},
    { name: 'GET /items/:id' },
    { method: 'POST' },
    { status: '200' },
    { status: '404' },
    { status: '0' },
    { expected_response: 'true' },
    { expected_response: 'false' },
    { scenario: 'spike' },
    { user: 'Reader', name: 'GET /items/:id' },
    { scenario: 'steady', status: '503' },
    { type: 'API' },
    { name: 'GET /items/:id', expected_response: 'true', scenario: 'spike' },
  ];
  const key = (metric: string, f: Record<string, string>) => {
    const pairs = Object.entries(f).map(([k, v]) => `${k}:${v}`);
    return pairs.length === 0 ? metric : `${metric}{${pairs.join(',')}}`;
  };

  it.each(filters)('filter %j', (filter) => {
    const chosen = pick(made, filter);
    expect(chosen.length).toBeGreaterThan(0);
    const answered = chosen.filter((x) => x.status !== 0);
    const t = new TrendHistogram();
    for (const x of answered) t.recordMs(x.ms);
    const failed = chosen.filter((x) => x.failed).length;

    const results = evaluateThresholds(
      [
        parseThreshold(key('http_reqs', filter), 'count>0'),
        parseThreshold(key('http_reqs', filter), 'rate>0'),
        parseThreshold(key('http_req_failed', filter), 'rate<2'),
        parseThreshold(key('http_req_duration', filter), 'p(95)<100000'),
        parseThreshold(key('http_req_duration', filter), 'p(99.9)<100000'),
        parseThreshold(key('http_req_duration', filter), 'avg<100000'),
        parseThreshold(key('http_req_duration', filter), 'med<100000'),
        parseThreshold(key('http_req_duration', filter), 'min<100000'),
        parseThreshold(key('http_req_duration', filter), 'max<100000'),
      ],
      lookup,
    );
    const actual = results.map((r) => r.actual);
    const expectedDurations =
      answered.length === 0
        ? [null, null, null, null, null, null]
        : [t.percentileMs(95), t.percentileMs(99.9), t.meanMs(), t.percentileMs(50), t.minMs(), t.maxMs()];
    expect(actual).toEqual([
      chosen.length,
      chosen.length / sec,
      failed / chosen.length,
      ...expectedDurations,
    ]);
  });

  it('agrees with the endpoints and the run-wide totals', () => {
    expect(m.http.requests).toBe(made.length);
    expect(m.http.failures).toBe(made.filter((x) => x.failed).length);
    expect(m.http.bytesSent).toBe(made.length * 100);
    expect(m.http.connecting.count).toBe(5);
    const items = m.http.endpoint('GET /items/:id', 'GET');
    expect(items.count).toBe(pick(made, { name: 'GET /items/:id' }).length);
    expect(m.http.errors.toArray().find((e) => e.kind === 'ECONNRESET')).toEqual({
      kind: 'ECONNRESET',
      count: pick(made, { status: '0' }).length,
      example: expect.stringMatching(/^(GET|POST) \/\S+: read ECONNRESET$/),
    });
  });

  it('answers nothing for a filter that matches nothing, whatever the kind (the threshold fails, value null)', () => {
    const [r1, r2, r3] = evaluateThresholds(
      [
        parseThreshold('http_req_duration{name:GET /nope}', 'p(95)<1'),
        parseThreshold('http_req_failed{scenario:nope}', 'rate<1'),
        parseThreshold('http_reqs{scenario:nope}', 'count==0'),
      ],
      lookup,
    );
    expect(r1).toMatchObject({ ok: false, actual: null });
    expect(r2).toMatchObject({ ok: false, actual: null });
    // One rule for every kind: a counter no sample matched has no data either.
    expect(r3).toMatchObject({ ok: false, actual: null });
  });
});

describe('RunMetrics: checks', () => {
  it('counts each label as one sample; throwing and async predicates fail without crashing', () => {
    const m = new RunMetrics();
    const check = createCheck(m, { scenario: 's', user: 'U' });
    const res = { status: 200, body: 'ok' };
    expect(
      check(res, { 'status is 200': (r) => r.status === 200, 'has body': (r) => r.body.length > 0 }),
    ).toBe(true);
    expect(
      check(res, {
        'status is 200': (r) => r.status === 200,
        throws: () => {
          throw new Error('boom');
        },
        async: (() => Promise.resolve(true)) as unknown as () => boolean,
      }),
    ).toBe(false);
    expect(check(res, { 'status is 200': (r) => r.status === 201 }, { phase: 'late' })).toBe(false);

    const lookup = runMetricsLookup(m, 1000);
    const rate = (key: string) => evaluateThresholds([parseThreshold(key, 'rate>=0')], lookup)[0]!.actual;
    expect(rate('checks')).toBe(3 / 6);
    expect(rate('checks{check:status is 200}')).toBe(2 / 3);
    expect(rate('checks{check:status is 200,phase:late}')).toBe(0);
    expect(rate('checks{check:has body}')).toBe(1);
    expect(rate('checks{scenario:s}')).toBe(3 / 6);
    expect(rate('checks{check:nope}')).toBeNull();
    expect(m.selectChecks({ check: 'throws' })).toEqual({ passes: 0, fails: 1 });
    expect(m.selectChecks({ check: 'async' })).toEqual({ passes: 0, fails: 1 });
  });
});

describe('RunMetrics: iterations, drops, VUs, timeline', () => {
  it('answers iterations, iteration_duration and dropped_iterations by scenario and user', () => {
    let now = 0;
    const m = new RunMetrics({ now: () => now });
    for (let i = 0; i < 10; i++) m.recordIteration(100 + i, { scenario: 'a', user: 'U1' }, true);
    for (let i = 0; i < 5; i++) m.recordIteration(200 + i, { scenario: 'b', user: 'U2' }, i !== 0);
    m.recordDropped('b', 3);
    m.recordDropped('a');
    now = 10_000;
    const lookup = runMetricsLookup(m); // live: over the metrics' own clock
    const actual = (key: string, expr: string) =>
      evaluateThresholds([parseThreshold(key, expr)], lookup)[0]!.actual;
    expect(actual('iterations', 'count>0')).toBe(15);
    expect(actual('iterations', 'rate>0')).toBe(1.5);
    expect(actual('iterations{scenario:b}', 'count>0')).toBe(5);
    expect(actual('iterations{user:U1}', 'count>0')).toBe(10);
    expect(actual('iteration_duration{scenario:b}', 'max>0')).toBe(204);
    expect(actual('iteration_duration', 'min>0')).toBe(100);
    expect(actual('dropped_iterations', 'count>=0')).toBe(4);
    expect(actual('dropped_iterations{scenario:b}', 'count>=0')).toBe(3);
    expect(m.selectIterations({ scenario: 'b' }).failed).toBe(1);
    expect(m.scenarioNames()).toEqual(['a', 'b']);
  });

  it('keeps vus and vus_max as gauges and puts the peak VUs of each second in the timeline', () => {
    const m = new RunMetrics();
    m.setVus(2, 10);
    m.setVus(8, 10);
    m.setVus(5, 10);
    const p1 = m.closeSecond(1, 1);
    m.setVus(3, 12);
    const p2 = m.closeSecond(2, 1);
    expect(p1.vus).toBe(8);
    expect(p2.vus).toBe(5);
    expect(m.vus).toEqual({ value: 3, min: 2, max: 8 });
    expect(m.vusMax).toEqual({ value: 12, min: 10, max: 12 });
    const lookup = runMetricsLookup(m, 2000);
    const [vus, vusMax] = evaluateThresholds(
      [parseThreshold('vus', 'value<100'), parseThreshold('vus_max', 'value<100')],
      lookup,
    );
    expect([vus!.actual, vusMax!.actual]).toEqual([3, 12]);
    expect(m.snapshot()).toEqual({ requests: 0, rps: 0, p95Ms: null, errors: 0, vus: 3, iterations: 0 });
  });

  it('snapshot follows the last closed second', () => {
    const m = new RunMetrics();
    const made = load(m, 200);
    m.setVus(4, 4);
    const p = m.closeSecond(1, 1);
    const s = m.snapshot();
    expect(s.requests).toBe(made.length);
    expect(s.rps).toBe(made.length);
    expect(s.p95Ms).toBe(p.p95);
    expect(s.errors).toBe(made.filter((x) => x.failed).length);
    expect(m.timeline).toHaveLength(1);
  });
});

describe('RunMetrics: warnings', () => {
  it('warns once when requests make too many series', () => {
    const m = new RunMetrics();
    for (let i = 0; i < MANY_SERIES + 10; i++)
      m.httpSeries({ scenario: 's', user: 'u', page: String(i) }, 'GET /items', 'GET');
    expect(m.warnings).toHaveLength(1);
    expect(m.warnings[0]).toContain(
      "give requests with ids in their path a name, e.g. { name: 'GET /items/:id' }",
    );
  });

  it('past the endpoint limit, names with ids share their template, series and all, and it says so once', () => {
    const m = new RunMetrics({ maxEndpoints: 3 });
    const tags = { scenario: 's', user: 'u' };
    for (let i = 0; i < 50; i++) m.httpSeries(tags, `GET /items/${i}`, 'GET');
    m.httpSeries(tags, 'GET /health', 'GET');
    expect(m.http.endpoints.map((e) => e.name)).toEqual([
      'GET /items/0',
      'GET /items/1',
      'GET /items/2',
      'GET /items/:id',
      'other',
    ]);
    expect(m.httpSeriesList).toHaveLength(5);
    expect(m.httpSeries(tags, 'GET /items/77', 'GET').tags.name).toBe('GET /items/:id');
    expect(m.http.names.groupedUnder('GET', 'GET /items/:id')).toBe(48);
    expect(m.warnings).toHaveLength(1);
    expect(m.warnings[0]).toMatch(/more than 3 distinct request names.*--max-endpoints/);
  });
});

describe('RunMetrics: live threshold answers (abortOnFail)', () => {
  it('a lookup without a duration sees data recorded after it was made', () => {
    let now = 0;
    const m = new RunMetrics({ now: () => now });
    const lookup = runMetricsLookup(m);
    const reqs = () => evaluateThresholds([parseThreshold('http_reqs', 'count>0')], lookup)[0]!.actual;
    const first = load(m, 100).length;
    now = 1000;
    expect(reqs()).toBe(first);
    load(m, 50);
    expect(reqs()).toBe(first + 50);
  });
});

describe('RunMetrics: the url tag', () => {
  /** Records one response to `raw` on the series of `name`, as the client does. */
  function request(m: RunMetrics, name: string, raw: string, status = 200, ms = 5): void {
    m.recordHttp({
      series: m.httpSeries({ scenario: 's', user: 'u' }, name, 'GET'),
      status,
      failed: status === 0 || status >= 400,
      durationMs: ms,
      serviceMs: ms,
      waitingMs: ms,
      connectingMs: 0,
      bytesSent: 10,
      bytesReceived: 10,
      retries: 0,
      url: m.watchesUrls ? m.watchedUrl(raw) : undefined,
      errorKind: status === 0 ? 'timeout' : undefined,
      errorMessage: undefined,
    });
  }

  it('keeps series only for the URLs thresholds name, redacted, whatever the request count', () => {
    const m = new RunMetrics();
    const watched = 'http://h/items?id=7';
    m.watchUrls([watched, 'http://u:pw@h/login?token=abc']);
    for (let i = 0; i < 5000; i++) request(m, 'items', `http://h/items?id=${i}`);
    request(m, 'items', watched, 500, 9);
    request(m, 'login', 'http://u:pw@h/login?token=abc');
    // One series per name; the URLs add none, and only watched ones are answered.
    expect(m.httpSeriesList).toHaveLength(2);
    expect(m.selectHttp({ url: watched })).toMatchObject({ count: 2, failed: 1 });
    expect(m.selectHttp({ url: watched, status: '500' }).duration.summary().max).toBeCloseTo(9, 1);
    expect(m.selectHttp({ url: watched, name: 'login' }).count).toBe(0);
    expect(m.selectHttp({ url: 'http://h/items?id=8' }).count).toBe(0);
    // The tag is the redacted URL; the filter may spell it either way.
    expect(m.watchedUrl('http://u:pw@h/login?token=abc')).toBe(
      'http://u:[redacted]@h/login?token=[redacted]',
    );
    expect(m.selectHttp({ url: 'http://u:[redacted]@h/login?token=[redacted]' }).count).toBe(1);
    expect(m.selectHttp({ url: 'http://u:pw@h/login?token=abc' }).count).toBe(1);
  });

  it('builds nothing when no threshold filters on url', () => {
    const m = new RunMetrics();
    expect(m.watchesUrls).toBe(false);
    request(m, 'items', 'http://h/items');
    expect(m.selectHttp({ url: 'http://h/items' }).count).toBe(0);
  });
});

describe('RunMetrics: amendFailed (res.fail, a YAML expect)', () => {
  it('moves a recorded request to failed in every figure: the cells, the endpoint, errors[], the second', () => {
    const m = new RunMetrics();
    const series = m.httpSeries({ scenario: 's', user: 'U' }, 'GET /api', 'GET');
    const sample: HttpSample = {
      series,
      status: 200,
      failed: false,
      durationMs: 0,
      serviceMs: 0,
      waitingMs: 0,
      connectingMs: 0,
      bytesSent: 0,
      bytesReceived: 0,
      retries: 0,
      url: undefined,
      errorKind: undefined,
      errorMessage: undefined,
    };
    const durations = [5, 10, 20, 40, 80];
    for (const ms of durations) {
      sample.durationMs = ms;
      m.recordHttp(sample);
    }
    // The script marks the 40 ms and the 80 ms ones failed, for two reasons.
    m.amendFailed({ series, status: 200, durationMs: 40, url: undefined }, 'state is not ok');
    m.amendFailed({ series, status: 200, durationMs: 80, url: undefined }, 'expect $.id exists');
    const all = m.selectHttp({ name: 'GET /api' });
    expect(all.count).toBe(5);
    expect(all.failed).toBe(2);
    const passed = m.selectHttp({ expected_response: 'true' });
    expect(passed.count).toBe(3);
    expect(passed.duration.count).toBe(3);
    expect(passed.duration.maxMs()).toBeLessThan(40);
    const failed = m.selectHttp({ expected_response: 'false' });
    expect(failed.duration.count).toBe(2);
    expect(failed.duration.minMs()).toBeCloseTo(40, 0);
    const ep = m.http.endpoints[0]!;
    expect(ep.count).toBe(5);
    expect(ep.failures).toBe(2);
    expect(Object.fromEntries(ep.failureKinds)).toEqual({ 'state is not ok': 1, 'expect $.id exists': 1 });
    expect(m.http.errors.toArray().map((g) => [g.kind, g.count])).toEqual(
      expect.arrayContaining([
        ['state is not ok', 1],
        ['expect $.id exists', 1],
      ]),
    );
    const point = m.http.closeInterval(1, 1, 1);
    expect(point.errors).toBe(2);
    expect(point.requests).toBe(5);
  });
});
