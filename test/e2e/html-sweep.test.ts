import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { browserMissing, launchBrowser, type WatchedPage, watchedPage } from '../helpers/browser.js';
import { type CliResult, explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * The HTML report of a real `squall sweep` (`-o html=`), opened from disk in headless Chromium:
 * a short sweep (three levels of 1 s) against a local server, its page checked against the JSON
 * document the same run wrote.
 */

const missing = browserMissing();
if (missing) console.warn(`skipping the sweep page's browser test: ${missing}`);

describe.skipIf(missing !== undefined)('the HTML report of a sweep, in Chromium', () => {
  const dir = tempDir('squall-html-sweep-');
  const htmlPath = join(dir.path, 'sweep.html');
  let server: TargetServer;
  let browser: Browser;
  let run: CliResult;
  let doc: ResultDocument;
  let w: WatchedPage;

  beforeAll(async () => {
    requireBuiltCli();
    server = await startTarget({ delayMs: 5 });
    const jsonPath = join(dir.path, 'sweep.json');
    run = await runCli(
      [
        'sweep',
        server.url,
        '--levels',
        '1,2,4',
        '--hold',
        '1s',
        '--warmup',
        '200ms',
        '-q',
        '-o',
        `json=${jsonPath}`,
        '-o',
        `html=${htmlPath}`,
      ],
      { timeoutMs: 30_000 },
    );
    doc = readResult(jsonPath, run);
    if (!existsSync(htmlPath)) throw new Error(`squall did not write ${htmlPath}\n${explain(run)}`);
    browser = await launchBrowser();
    w = await watchedPage(browser);
    await w.page.goto(pathToFileURL(htmlPath).href);
    await w.page.waitForSelector('svg[data-chart="sweep-latency"]');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    dir.remove();
  });

  it('opens with no error and no request but the file itself', () => {
    expect(run.code, explain(run)).toBe(doc.passed ? 0 : 99);
    expect(doc.kind).toBe('sweep');
    expect([...w.pageErrors, ...w.consoleErrors]).toEqual([]);
    expect(w.requests).toEqual([pathToFileURL(htmlPath).href]);
  });

  it("draws both charts, a point per level, the fit's curve, and a table row per level", async () => {
    const s = doc.sweep!;
    const p = w.page;
    expect(await p.locator('h1').textContent()).toBe('Sweep report');
    expect(await p.locator('[data-field="passed"]').getAttribute('data-value')).toBe(String(doc.passed));
    const tp = p.locator('svg[data-chart="sweep-throughput"]');
    const rps = await tp
      .locator('circle[data-series="rps"]')
      .evaluateAll((cs) =>
        cs.map((c) => [Number(c.getAttribute('data-level')), Number(c.getAttribute('data-value'))]),
      );
    expect(rps).toEqual(s.levels.map((l) => [l.level, l.rps]));
    expect(await tp.locator('path.sweep-fit').count()).toBe(s.fit ? 1 : 0);
    for (const q of ['p50', 'p95', 'p99'] as const)
      expect(await p.locator(`svg[data-chart="sweep-latency"] circle[data-series="${q}"]`).count(), q).toBe(
        s.levels.filter((l) => l.latency[q] !== null).length,
      );
    const rows = await p
      .locator('table.sweep-levels tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          Number(tr.getAttribute('data-level')),
          Number(tr.querySelector('[data-field="rps"]')?.getAttribute('data-value')),
        ]),
      );
    expect(rows).toEqual(s.levels.map((l) => [l.level, l.rps]));
    expect(await p.locator('[data-field="sweep.verdict"]').textContent()).toBe(s.verdict);
  });

  it("shows none of a load test's panels", async () => {
    const p = w.page;
    const load = [
      'banner',
      'cards',
      'charts',
      'distribution',
      'endpoints',
      'endpoint-charts',
      'codes-errors',
      'metrics',
    ];
    for (const name of load) expect(await p.locator(`.slot-${name}`).isVisible(), name).toBe(false);
    for (const name of ['sweep', 'thresholds', 'config'])
      expect(await p.locator(`.slot-${name}`).isVisible(), name).toBe(true);
  });
});
