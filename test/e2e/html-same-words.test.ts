/**
 * The report page bundles the console's formatters (src/report/format.ts, dropped.ts) instead of
 * keeping copies: what the console and the Markdown say of a run, the page says in the same
 * words. Each case runs the real CLI and compares the page's text with the console's and the
 * Markdown's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchBrowser, watchedPage } from '../helpers/browser.js';
import { diedMonitor } from '../helpers/monitor-docs.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

const missing = browserMissing();

// One VU at most against a slow route, asked for far more arrivals than it can start: the
// open model drops the rest, and every output must say why.
const STALLING = `scenarios:
  open:
    executor: constant-arrival-rate
    rate: 200
    duration: 1s
    preAllocatedVUs: 1
    maxVUs: 1
    users:
      - name: u
        flow:
          - get: /slow
`;

describe.skipIf(missing !== undefined)(
  missing ? `HTML report words (skipped: ${missing})` : 'HTML report: the same words as the console',
  () => {
    const dir = tempDir('squall-html-words-');
    let browser: Browser;
    let server: RouteServer;

    beforeAll(async () => {
      requireBuiltCli();
      server = await startRouteServer({ delayMs: 50 });
      browser = await launchBrowser();
    }, 30_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      dir.remove();
    });

    async function pageText(htmlPath: string, selector: string): Promise<string[]> {
      const w = await watchedPage(browser);
      await w.page.goto(pathToFileURL(htmlPath).href);
      await w.page.waitForSelector('header');
      const texts = (await w.page.locator(selector).allTextContents()).map((t) => t.trim());
      expect(w.pageErrors).toEqual([]);
      await w.page.close();
      return texts;
    }

    it('says why iterations were dropped in the console’s words', async () => {
      const file = writeTestFile(dir.path, 'stall.yaml', STALLING);
      const jsonPath = join(dir.path, 'stall.json');
      const htmlPath = join(dir.path, 'stall.html');
      const run = await runCli(
        ['run', file, '--host', server.url, '--no-color', '-o', `json=${jsonPath}`, '-o', `html=${htmlPath}`],
        { timeoutMs: 30_000 },
      );
      const doc = readResult(jsonPath, run);
      const why = explain(run);
      expect(doc.scenarios?.open?.dropped, why).toBeGreaterThan(0);
      const banners = await pageText(htmlPath, '.banners .dropped');
      expect(banners.length, why).toBe(1);
      expect(banners[0]).toMatch(/^[\d,]+ iterations dropped: no free VU \(maxVUs 1 reached\)/);
      // The console prints the very same sentence, after its warning sign.
      expect(`${run.stdout}\n${run.stderr}`, why).toContain(`⚠ ${banners[0]}`);
    }, 40_000);

    it('names endpoints that share a name by their method, as the console does', async () => {
      const file = writeTestFile(
        dir.path,
        'items.yaml',
        `scenarios:
  few:
    executor: shared-iterations
    vus: 1
    iterations: 3
    users:
      - name: u
        flow:
          - get: /items
            name: items
          - post: /items
            name: items
`,
      );
      const jsonPath = join(dir.path, 'items.json');
      const htmlPath = join(dir.path, 'items.html');
      const run = await runCli(
        ['run', file, '--host', server.url, '--no-color', '-o', `json=${jsonPath}`, '-o', `html=${htmlPath}`],
        { timeoutMs: 30_000 },
      );
      const doc = readResult(jsonPath, run);
      expect(doc.endpoints.map((e) => `${e.method} ${e.name}`).sort(), explain(run)).toEqual([
        'GET items',
        'POST items',
      ]);
      for (const select of ['#distribution-select option', '#endpoint-select option']) {
        const options = await pageText(htmlPath, select);
        expect(options.filter((o) => o !== 'All requests').sort(), select).toEqual([
          'GET items',
          'POST items',
        ]);
      }
      // The console's endpoint table names them the same way.
      expect(run.stdout + run.stderr).toMatch(/GET items[\s\S]*POST items|POST items[\s\S]*GET items/);
    }, 40_000);

    it('says how a watched process died in the Markdown’s words', async () => {
      const docPath = join(dir.path, 'died.json');
      const base = JSON.parse(
        readFileSync(new URL('../fixtures/results/schema1-monitor.json', import.meta.url), 'utf8'),
      );
      writeFileSync(docPath, JSON.stringify({ ...base, monitor: diedMonitor() }));
      const htmlPath = join(dir.path, 'died.html');
      const mdPath = join(dir.path, 'died.md');
      const run = await runCli(['report', docPath, '-q', '-o', `html=${htmlPath}`, '-o', `md=${mdPath}`]);
      const md = readFileSync(mdPath, 'utf8');
      const exitLine = md.split('\n').find((l) => l.startsWith('| Exit |'));
      expect(exitLine, explain(run)).toBeDefined();
      const exitText = exitLine!.split('|')[2]!.trim();
      expect(exitText).toMatch(/^went away [\d.]+s into monitoring$/);
      const [verdict] = await pageText(htmlPath, '#monitor .verdict-line');
      expect(verdict).toBe(`✗ Died: the watched process ${exitText}.`);
      const [exit] = await pageText(htmlPath, '#monitor-exit [data-field="monitor.exit"]');
      expect(exit).toBe(`The watched process ${exitText}.`);
    }, 40_000);
  },
);
