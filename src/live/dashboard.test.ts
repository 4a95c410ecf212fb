import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  browserMissing,
  chartInk,
  figures,
  launchBrowser,
  tableRows,
  watchedPage,
} from '../../test/helpers/browser.js';
import { type RouteServer, startRouteServer } from '../../test/helpers/route-server.js';
import { resolveQuick } from '../config/quick.js';
import { HttpEngine } from '../engine/http-engine.js';
import type { LiveMessage } from '../report/html/live-message.js';
import { buildHttpResult } from '../result/build.js';
import type { ResultDocument } from '../result/schema.js';
import { startDashboard } from './dashboard.js';
import type { LiveSource, LiveView } from './live.js';

/**
 * The dashboard's server, fed by a real load run (the HTTP engine against a real server on
 * 127.0.0.1) through a LiveSource as the CLI builds one: the page, the SSE frames, the Stop
 * button's guarded POST, and the final document. The CLI test is test/e2e/dashboard.test.ts.
 */

interface LiveRun {
  source: LiveSource;
  /** How many times stop() was called. */
  stops(): number;
  /** The final document, once the run ends (by its duration or by stop()). */
  done: Promise<ResultDocument>;
}

function liveRun(url: string, duration: string): LiveRun {
  const q = resolveQuick(
    url,
    { duration, connections: '2', threshold: ['http_req_duration:p(95)<5000'] },
    'test',
  );
  const engine = new HttpEngine(q.load);
  let startedAt = new Date();
  let stops = 0;
  const source: LiveSource = {
    frame: () => ({
      doc: buildHttpResult({
        metrics: engine.metrics,
        startedAt,
        endedAt: new Date(),
        durationMs: engine.elapsedMs(),
        endReason: 'completed',
        vusMax: engine.connectionCount,
        config: q.config,
        thresholds: q.thresholds,
      }),
      elapsedMs: engine.elapsedMs(),
      totalMs: q.load.durationMs,
    }),
    stop: () => {
      stops++;
      engine.interrupt();
    },
  };
  startedAt = new Date();
  const done = engine
    .run()
    .then((o) => buildHttpResult({ ...o, config: q.config, thresholds: q.thresholds }));
  return { source, stops: () => stops, done };
}

interface SseEvent {
  event: string;
  data: string;
}

/** A client of /events that keeps every event it receives. */
function sseClient(url: string) {
  const events: SseEvent[] = [];
  let ended = false;
  let buffer = '';
  const req = http.get(`${url}events`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\n');
        events.push({ event, data });
        cut = buffer.indexOf('\n\n');
      }
    });
    res.on('end', () => {
      ended = true;
    });
  });
  req.on('error', () => {
    ended = true;
  });
  return {
    events,
    ended: () => ended,
    frames: () => events.filter((e) => e.event === 'frame').map((e) => JSON.parse(e.data) as LiveMessage),
    async until(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; events: ${events.length}`);
        await sleep(50);
      }
    },
    close: () => req.destroy(),
  };
}

function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

let server: RouteServer;
const views: LiveView[] = [];
const runs: LiveRun[] = [];

beforeAll(async () => {
  server = await startRouteServer({ delayMs: 2 });
});
afterEach(async () => {
  // Every run ends and every dashboard closes, whatever the test did.
  for (const r of runs.splice(0)) {
    r.source.stop();
    await r.done;
  }
  await Promise.all(views.splice(0).map((v) => v.close()));
});
afterAll(() => server.close());

async function dashboard(duration: string): Promise<{ run: LiveRun; view: LiveView }> {
  const run = liveRun(`${server.url}/hello`, duration);
  runs.push(run);
  const view = await startDashboard(run.source);
  views.push(view);
  return { run, view };
}

describe('startDashboard', () => {
  it('serves the live page on 127.0.0.1, and refuses other paths and foreign Host names', async () => {
    const { view } = await dashboard('3s');
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await request(view.url);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('id="squall-live"');
    expect((await request(`${view.url}nope`)).status).toBe(404);
    expect((await request(`${view.url}stop`)).status).toBe(405);
    // A DNS-rebound name reaches 127.0.0.1 but names another host: refused.
    expect((await request(view.url, { headers: { Host: 'attacker.example' } })).status).toBe(403);
    expect(
      (await request(view.url, { headers: { Host: `localhost:${new URL(view.url).port}` } })).status,
    ).toBe(200);
  });

  it('streams a full frame on connect, then once a second only the new timeline points', async () => {
    const { view, run } = await dashboard('5s');
    const sse = sseClient(view.url);
    try {
      await sse.until(() => sse.frames().length >= 5, 'five frames');
    } finally {
      sse.close();
    }
    const frames = sse.frames();
    const final = await run.done;
    expect(frames[0]!.timelineStart).toBe(0);
    let held: ResultDocument['timeline'] = [];
    let count = 0;
    for (const f of frames) {
      expect(f.totalMs).toBe(5000);
      expect(f.doc.timeline.length).toBeLessThanOrEqual(Math.max(1, final.timeline.length - f.timelineStart));
      held = held.slice(0, f.timelineStart).concat(f.doc.timeline);
      // Closed seconds never change: what the page holds is the start of the final timeline.
      expect(held).toEqual(final.timeline.slice(0, held.length));
      expect(f.doc.metrics.http_reqs.count).toBeGreaterThanOrEqual(count);
      count = f.doc.metrics.http_reqs.count;
    }
    expect(held.length).toBeGreaterThan(0);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(final.metrics.http_reqs.count);
    // Incremental: some frame after the first left out the points the client already had.
    expect(frames.slice(1).some((f) => f.timelineStart > 0)).toBe(true);
  });

  it('POST /stop stops the test only with the page token', async () => {
    const { view, run } = await dashboard('30s');
    const token = /"token":"([0-9a-f]+)"/.exec((await request(view.url)).body)?.[1];
    expect(token).toBeDefined();
    expect((await request(`${view.url}stop`, { method: 'POST' })).status).toBe(403);
    const wrong = token!.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect(
      (await request(`${view.url}stop`, { method: 'POST', headers: { 'X-Squall-Token': wrong } })).status,
    ).toBe(403);
    expect(run.stops()).toBe(0);
    const ok = await request(`${view.url}stop`, { method: 'POST', headers: { 'X-Squall-Token': token! } });
    expect(ok.status).toBe(202);
    expect(run.stops()).toBe(1);
    const doc = await run.done;
    expect(doc.endReason).toBe('interrupted');
    expect(doc.durationSec).toBeLessThan(30);
  });

  it('finish() sends the final document to every client, then close() ends the streams', async () => {
    const { view, run } = await dashboard('2s');
    const a = sseClient(view.url);
    const b = sseClient(view.url);
    await a.until(() => a.frames().length > 0 && b.frames().length > 0, 'a first frame on both');
    const doc = await run.done;
    await view.finish(doc);
    // Flushed to the sockets when finish() resolves; read by the clients soon after.
    await a.until(
      () => a.events.at(-1)?.event === 'final' && b.events.at(-1)?.event === 'final',
      'the finals',
    );
    for (const c of [a, b]) {
      const last = c.events.at(-1)!;
      expect(last.event).toBe('final');
      expect(JSON.parse(last.data)).toEqual(doc);
    }
    // A page that connects after the end gets the final document at once.
    const late = sseClient(view.url);
    await late.until(() => late.events.length > 0, 'the late client');
    expect(late.events.map((e) => e.event)).toEqual(['final']);
    await view.close();
    await a.until(() => a.ended() && b.ended() && late.ended(), 'the streams to end');
    await expect(request(view.url)).rejects.toThrow();
  });
});

const missing = browserMissing();
if (missing) console.warn(`skipping the browser tests: ${missing}`);

describe.skipIf(missing !== undefined)(
  missing ? `the dashboard page (skipped: ${missing})` : 'the dashboard page in Chromium',
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(() => browser?.close());

    it('updates live, stops the test from its button and then shows the final report', async () => {
      const { view, run } = await dashboard('30s');
      const w = await watchedPage(browser);
      const { page } = w;
      await page.goto(view.url);
      await page.waitForSelector('[data-field="state"][data-value="running"]');
      const first = Number(await page.getAttribute('[data-field="http_reqs.count"]', 'data-value'));
      const count = async () =>
        Number(await page.getAttribute('[data-field="http_reqs.count"]', 'data-value'));
      await expect.poll(count, { timeout: 15_000 }).toBeGreaterThan(first);
      // Two timeline points make a line.
      await page.waitForSelector('[data-chart="rps"] canvas', { timeout: 15_000 });
      await page.waitForTimeout(2500);
      const ink = await chartInk(page);
      for (const chart of ['rps', 'latency', 'vus']) expect(ink[chart], chart).toBeGreaterThan(0);
      expect(Number((await figures(page)).elapsed)).toBeGreaterThan(0);
      await page.screenshot({ path: '/tmp/squall-dashboard-live.png', fullPage: true });

      await page.click('button.stop');
      await page.waitForSelector('[data-field="state"][data-value="stopping"]');
      expect(await page.textContent('button.stop')).toBe('stopping…');
      const doc = await run.done;
      expect(run.stops()).toBe(1);
      await view.finish(doc);
      await page.waitForSelector('[data-field="state"][data-value="finished"]');

      const f = await figures(page);
      expect(Number(f['http_reqs.count'])).toBe(doc.metrics.http_reqs.count);
      expect(Number(f['http_reqs.rate'])).toBe(doc.metrics.http_reqs.rate);
      expect(Number(f['http_req_duration.p95'])).toBe(doc.metrics.http_req_duration.p95);
      expect(Number(f['http_req_failed.rate'])).toBe(doc.metrics.http_req_failed.rate);
      expect(f.endReason).toBe('interrupted');
      expect(Number(f.durationSec)).toBe(doc.durationSec);
      const rows = await tableRows(page, '#endpoints tbody tr', 'data-endpoint');
      expect(rows.map((r) => [r.key, Number(r.cells.count!.value)])).toEqual(
        doc.endpoints.map((e) => [e.name, e.count]),
      );
      expect(await page.isHidden('button.stop')).toBe(true);
      await page.screenshot({ path: '/tmp/squall-dashboard-final.png', fullPage: true });
      expect(w.pageErrors).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
      const origin = new URL(view.url).origin;
      expect(w.requests.every((u) => u.startsWith(origin))).toBe(true);
    });

    it('another website open in the browser cannot stop the test', async () => {
      const { view, run } = await dashboard('30s');
      // An ordinary page on another origin (another port is another origin).
      const evil = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<!doctype html><title>elsewhere</title>');
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      try {
        const port = (evil.address() as { port: number }).port;
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/`);
        const tries = await page.evaluate(async (stop) => {
          const out: string[] = [];
          const attempt = async (what: string, init: RequestInit) => {
            try {
              const r = await fetch(stop, init);
              out.push(`${what}: ${r.type} ${r.status}`);
            } catch (e) {
              out.push(`${what}: ${(e as Error).name}`);
            }
          };
          await attempt('simple', { method: 'POST', mode: 'no-cors' });
          await attempt('with a guessed token', { method: 'POST', headers: { 'X-Squall-Token': 'guess' } });
          return out;
        }, `${view.url}stop`);
        // The simple POST goes out but the server refuses it (no token); the one with a header
        // needs a CORS preflight, which the dashboard never grants, so it is not even sent.
        expect(tries).toEqual(['simple: opaque 0', 'with a guessed token: TypeError']);
        expect(run.stops()).toBe(0);
        // Nor can it frame the dashboard to overlay its Stop button: the browser refuses to
        // render it inside another page (frame-ancestors 'none', X-Frame-Options: DENY).
        await page.setContent(`<iframe src="${view.url}" width="800" height="600"></iframe>`);
        await page.waitForTimeout(1000);
        const framed = page.frames().find((f) => f !== page.mainFrame());
        const app = framed ? await framed.$('#app').catch(() => null) : null;
        expect(app).toBeNull();
        expect(run.stops()).toBe(0);
        await page.close();
      } finally {
        await new Promise<void>((resolve) => evil.close(() => resolve()));
      }
    });
  },
);
