import http from 'node:http';
import net from 'node:net';
import protobuf from 'protobufjs/light.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpRecorder } from '../engine/http-recorder.js';
import { formatError, isSquallError, type SquallError } from '../errors/index.js';
import { RunMetrics } from '../metrics/run-metrics.js';
import { PROTOBUF_CONTENT_TYPE, protobufTypes } from '../report/prometheus-proto.js';
import { renderPrometheus } from '../report/prometheus-text.js';
import { buildRunResult } from '../result/build-run.js';
import type { ResultDocument } from '../result/schema.js';
import { createDispatcher, createHttpClient } from '../transports/http/client.js';
import { CookieJar } from '../transports/http/cookie-jar.js';
import type { LiveSource, LiveView } from './live.js';
import { startPrometheus } from './prometheus.js';
import { httpLiveTrends } from './prometheus-extras.js';

let target: http.Server;
let targetUrl: string;
let served = 0;

beforeAll(async () => {
  target = http.createServer((_req, res) => {
    served++;
    res.end('ok');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  target.closeAllConnections();
  await new Promise<void>((resolve) => target.close(() => resolve()));
});

const views: LiveView[] = [];
afterEach(async () => {
  await Promise.all(views.splice(0).map((v) => v.close()));
});

async function start(source: LiveSource, host = '127.0.0.1', port = 0): Promise<LiveView> {
  const view = await startPrometheus(source, { host, port });
  views.push(view);
  return view;
}

/**
 * A run in progress: requests through squall's client into RunMetrics, and a LiveSource that
 * builds the document of the run so far on each call, as `squall run` does. It keeps the last
 * document it built, so a test can compare a scrape with it.
 */
interface LiveRun {
  metrics: RunMetrics;
  /** Frames built so far. */
  frames: number;
  last: ResultDocument | null;
  document(): ResultDocument;
  source: LiveSource;
  send(n: number): Promise<void>;
  close(): Promise<void>;
}

function liveRun(): LiveRun {
  const metrics = new RunMetrics();
  const dispatcher = createDispatcher();
  const startedAt = new Date();
  metrics.start();
  const api = createHttpClient({
    defaultHeaders: {},
    defaultTimeoutMs: 5000,
    metrics,
    sink: httpRecorder(metrics),
    tags: { scenario: 'default', user: 'U' },
    cookies: new CookieJar(),
    signal: new AbortController().signal,
    dispatcher,
  });
  const run: LiveRun = {
    metrics,
    frames: 0,
    last: null,
    document(): ResultDocument {
      return buildRunResult({
        metrics,
        startedAt,
        endedAt: new Date(),
        durationMs: metrics.elapsedMs(),
        endReason: 'completed',
        config: {},
        thresholds: [],
        perScenario: {},
      });
    },
    source: {
      frame() {
        run.frames++;
        run.last = run.document();
        return { doc: run.last, elapsedMs: metrics.elapsedMs() };
      },
      stop() {},
    },
    async send(n: number) {
      for (let i = 0; i < n; i++) await api.get(`${targetUrl}/ok`);
    },
    close: () => dispatcher.close(),
  };
  return run;
}

/** GET /ok's request count in a scrape, read from its sample line. */
function okCount(body: string): number | undefined {
  const m = /^squall_http_reqs_total\{name="GET \/ok",method="GET",status="200"(?:,[^}]*)?\} (\d+)$/m.exec(
    body,
  );
  return m ? Number(m[1]) : undefined;
}

async function expectBadFlag(p: Promise<unknown>): Promise<SquallError> {
  const e = await p.then(
    () => {
      throw new Error('startPrometheus resolved; it should have failed');
    },
    (err: unknown) => err,
  );
  if (!isSquallError(e)) throw e;
  expect(e.code).toBe('SQ_USAGE_BAD_FLAG');
  expect(e.exitCode).toBe(2);
  expect(e.where?.flag).toBe('-o');
  expect(e.message).toContain('-o prometheus=HOST:PORT');
  expect(formatError(e)).not.toMatch(/^\s+at /m);
  return e;
}

/** The MetricFamily fields the protobuf test reads. */
interface DecodedFamily {
  type: number;
  metric: Array<{
    label: Array<{ name: string; value: string }>;
    histogram: {
      sampleCount: number;
      schema: number;
      zeroThreshold: number;
      positiveSpan: unknown[];
      positiveDelta: number[];
      bucket: Array<{ cumulativeCount: number }>;
    };
  }>;
}

describe('startPrometheus', () => {
  it('serves GET /metrics from a fresh frame on each scrape, in the exposition media type', async () => {
    const run = liveRun();
    const view = await start(run.source);
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(run.frames).toBe(0);

    const before = served;
    await run.send(3);
    const first = await fetch(view.url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body1 = await first.text();
    expect(run.frames).toBe(1);
    expect(body1).toBe(renderPrometheus(run.last!));
    expect(okCount(body1)).toBe(served - before);

    await run.send(2);
    const body2 = await (await fetch(view.url)).text();
    expect(run.frames).toBe(2);
    expect(body2).toBe(renderPrometheus(run.last!));
    expect(okCount(body2)).toBe(served - before);
    expect(okCount(body2)).toBeGreaterThan(okCount(body1)!);
    await run.close();
  });

  it('serves the final document once finished, without building frames', async () => {
    const run = liveRun();
    const view = await start(run.source);
    await run.send(2);
    const final = run.document();
    await view.finish(final);
    // The run's metrics move on; the endpoint must keep to the final figures.
    await run.send(2);
    const body = await (await fetch(view.url)).text();
    expect(run.frames).toBe(0);
    expect(body).toBe(renderPrometheus(final));
    expect(okCount(body)).toBe(final.endpoints[0]!.statusCodes['200']);
    await run.close();
  });

  it('serves the protobuf exposition with native histograms to a scraper that asks for it', async () => {
    const run = liveRun();
    const trends = () => httpLiveTrends(run.metrics.http);
    const view = await start({ ...run.source, trends });
    await run.send(4);
    // Prometheus's Accept header when native histograms are enabled.
    const accept =
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';
    const res = await fetch(view.url, { headers: { Accept: accept } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROTOBUF_CONTENT_TYPE);
    const reader = protobuf.Reader.create(new Uint8Array(await res.arrayBuffer()));
    const families = new Map<string, DecodedFamily>();
    while (reader.pos < reader.len) {
      const f = protobufTypes.MetricFamily.toObject(protobufTypes.MetricFamily.decodeDelimited(reader), {
        longs: Number,
        defaults: true,
      });
      families.set(f.name as string, f as DecodedFamily);
    }
    const duration = families.get('squall_http_req_duration_seconds')!;
    expect(duration.type).toBe(4); // HISTOGRAM
    const h = duration.metric[0]!.histogram;
    expect(h.sampleCount).toBe(4);
    expect(h.schema).toBe(3);
    expect(h.zeroThreshold).toBeGreaterThan(0);
    expect(h.positiveSpan.length).toBeGreaterThan(0);
    // The deltas add up, bucket by bucket, to every observation.
    let count = 0;
    let total = 0;
    for (const d of h.positiveDelta) total += count += d;
    expect(total).toBe(4);
    expect(h.bucket.at(-1)?.cumulativeCount).toBe(4);
    const labels = Object.fromEntries(
      duration.metric[0]!.label.map((l: { name: string; value: string }) => [l.name, l.value]),
    );
    expect(labels).toMatchObject({ name: 'GET /ok', method: 'GET', run_id: run.last!.runId });
    // A plain scraper still gets text, with the classic buckets.
    const text = await (await fetch(view.url)).text();
    expect(text).toMatch(
      /^squall_http_req_duration_seconds_bucket\{name="GET \/ok",method="GET",run_id="[^"]+",le="\+Inf"\} 4$/m,
    );
    await run.close();
  });

  it('answers 404 off /metrics, 405 to other methods, and HEAD and a query string like GET', async () => {
    const run = liveRun();
    const view = await start(run.source);
    const root = view.url.replace(/\/metrics$/, '');
    for (const path of ['/', '/metrics/', '/metric', '/favicon.ico']) {
      const r = await fetch(root + path);
      expect(r.status, path).toBe(404);
      expect(await r.text()).toContain('/metrics');
    }
    const post = await fetch(view.url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.text();
    const head = await fetch(view.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await head.text()).toBe('');
    expect((await fetch(`${view.url}?name[]=x`)).status).toBe(200);
    await run.close();
  });

  it('answers 500 when a frame cannot be built, and goes on serving', async () => {
    const run = liveRun();
    let fail = true;
    const view = await start({
      frame: () => {
        if (fail) throw new Error('frame broke');
        return run.source.frame();
      },
      stop() {},
    });
    const bad = await fetch(view.url);
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('frame broke');
    fail = false;
    expect((await fetch(view.url)).status).toBe(200);
    await run.close();
  });

  it('refuses a port in use with a clear -o error', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const run = liveRun();
    try {
      const e = await expectBadFlag(startPrometheus(run.source, { host: '127.0.0.1', port }));
      expect(e.message).toContain(`port ${port}`);
      expect(e.message).toContain('already in use');
      expect(e.hint).toMatch(/free port/);
    } finally {
      await run.close();
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('refuses an address this machine does not have with a clear -o error', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const run = liveRun();
    const e = await expectBadFlag(startPrometheus(run.source, { host: '192.0.2.1', port: 0 }));
    expect(e.message).toContain('192.0.2.1');
    expect(e.message).toContain('not an address of this machine');
    await run.close();
  });

  it('closes while a scraper holds a keep-alive connection, and stops answering', async () => {
    const run = liveRun();
    const view = await startPrometheus(run.source, { host: '127.0.0.1', port: 0 });
    const agent = new http.Agent({ keepAlive: true });
    const scrape = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(view.url, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    try {
      expect(await scrape()).toBe(200);
      await view.close();
      await view.close();
      await expect(scrape()).rejects.toThrow();
    } finally {
      agent.destroy();
      await run.close();
    }
  });
});
