import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserMissing,
  figures,
  launchBrowser,
  tableRows,
  type WatchedPage,
  watchedPage,
} from '../helpers/browser.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, readResult, requireBuiltCli, startCli, tempDir } from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

/**
 * `--ui` from the CLI, in real headless Chromium: the dashboard of a running `squall quick` (and
 * `squall run`) shows the request count growing, its Stop button ends the run like Ctrl-C (exit
 * 130 long before the planned 30 s, outputs written), and the page then shows the final result
 * document, the one written by `-o json`.
 */

const missing = browserMissing();
if (missing) console.warn(`skipping the browser tests: ${missing}`);

/** Reads the live page's request count. */
async function requestCount(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-field="http_reqs.count"]', 'data-value'));
}

describe.skipIf(missing !== undefined)(
  missing ? `--ui dashboard (skipped: ${missing})` : '--ui dashboard in Chromium',
  () => {
    const dir = tempDir('squall-dashboard-');
    let server: RouteServer;
    let browser: Browser;

    beforeAll(async () => {
      requireBuiltCli();
      server = await startRouteServer({
        delayMs: 2,
        handler: (h) => (h.path === '/missing' ? { status: 404, body: 'no such thing' } : undefined),
      });
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      dir.remove();
    });

    /** Starts squall with --ui, opens its dashboard and waits for the count to grow. */
    async function openLive(args: string[]): Promise<{ w: WatchedPage; cli: ReturnType<typeof startCli> }> {
      const cli = startCli(args, { timeoutMs: 45_000 });
      const url = (await cli.waitFor('stderr', /dashboard: (http:\/\/\S+)/))[1]!;
      expect(new URL(url).hostname).toBe('127.0.0.1');
      const w = await watchedPage(browser);
      await w.page.goto(url);
      await w.page.waitForSelector('[data-field="state"][data-value="running"]');
      const first = await requestCount(w.page);
      await expect.poll(() => requestCount(w.page), { timeout: 15_000 }).toBeGreaterThan(first);
      return { w, cli };
    }

    it('quick --ui: the count grows, Stop ends the run with exit 130, the page shows the final document', async () => {
      const out = join(dir.path, 'quick.json');
      const { w, cli } = await openLive([
        'quick',
        '--ui',
        '-d',
        '30s',
        '-c',
        '2',
        '-o',
        `json=${out}`,
        `${server.url}/hello`,
      ]);
      await w.page.click('button.stop');
      const run = await cli.result;
      const why = explain(run);
      expect(run.code, why).toBe(130);
      expect(run.timedOut, why).toBe(false);
      const doc = readResult(out, run);
      expect(doc.endReason, why).toBe('interrupted');
      expect(doc.durationSec, why).toBeLessThan(30);
      expect(server.on('/hello').length, why).toBeGreaterThanOrEqual(doc.metrics.http_reqs.count);

      await w.page.waitForSelector('[data-field="state"][data-value="finished"]');
      const f = await figures(w.page);
      expect(Number(f['http_reqs.count'])).toBe(doc.metrics.http_reqs.count);
      expect(Number(f['http_reqs.rate'])).toBe(doc.metrics.http_reqs.rate);
      expect(Number(f['http_req_duration.p50'])).toBe(doc.metrics.http_req_duration.p50);
      expect(Number(f['http_req_duration.p99'])).toBe(doc.metrics.http_req_duration.p99);
      expect(Number(f.durationSec)).toBe(doc.durationSec);
      expect(f.endReason).toBe('interrupted');
      expect(f.endedAt).toBe(doc.endedAt);
      expect(w.pageErrors).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
    });

    it('run --ui: errors and checks update live, and the final report is the written one', async () => {
      const file = writeTestFile(
        dir.path,
        'live.yaml',
        `scenarios:
  live:
    executor: constant-vus
    vus: 2
    duration: 30s
    users:
      - name: Reader
        flow:
          - get: /hello
            check: { status: 200 }
          - get: /missing
            check: { status: 200 }
`,
      );
      const out = join(dir.path, 'run.json');
      const { w, cli } = await openLive(['run', file, '--ui', '--host', server.url, '-o', `json=${out}`]);
      await w.page.waitForSelector('#errors li[data-error]');
      // The Scenarios panel shows the running VUs while the test runs (issue 10 #19: it read 0).
      const peak = '#scenarios tr[data-scenario="live"] [data-field="vusMax"]';
      await expect.poll(() => w.page.getAttribute(peak, 'data-value'), { timeout: 15_000 }).toBe('2');
      await w.page.click('button.stop');
      const run = await cli.result;
      const why = explain(run);
      expect(run.code, why).toBe(130);
      const doc = readResult(out, run);
      expect(doc.endReason, why).toBe('interrupted');

      await w.page.waitForSelector('[data-field="state"][data-value="finished"]');
      expect(await w.page.getAttribute(peak, 'data-value')).toBe(String(doc.scenarios!.live!.vusMax));
      expect(doc.scenarios!.live!.vusMax).toBe(2);
      const checks = await tableRows(w.page, '#checks tbody tr', 'data-check');
      expect(checks.map((c) => [c.key, Number(c.cells.passes!.value), Number(c.cells.fails!.value)])).toEqual(
        doc.checks!.map((c) => [c.name, c.passes, c.fails]),
      );
      const errors = await tableRows(w.page, '#errors li[data-error]', 'data-error');
      expect(errors.map((e) => [e.key, Number(e.cells.count!.value)])).toEqual(
        doc.errors.map((e) => [e.kind, e.count]),
      );
      const endpoints = await tableRows(w.page, '#endpoints tbody tr', 'data-endpoint');
      expect(
        endpoints.map((e) => [e.key, Number(e.cells.count!.value), Number(e.cells.failures!.value)]),
      ).toEqual(doc.endpoints.map((e) => [e.name, e.count, e.failures]));
      expect(w.pageErrors).toEqual([]);
      await w.page.screenshot({ path: '/tmp/squall-dashboard-run-final.png', fullPage: true });
    });
  },
);
