import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtIn } from '../../src/util/figures.js';
import {
  browserMissing,
  chartInk,
  figures,
  launchBrowser,
  tableRows,
  watchedPage,
} from '../helpers/browser.js';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * The report page's latency distribution (a percentile spectrum from the HDR histograms) and its
 * per-endpoint charts over time (schema 2 fields), and a schema-1 document from an older squall,
 * each rendered by the real `squall report` and opened from disk in headless Chromium.
 */

const missing = browserMissing();
const SCHEMA1 = fileURLToPath(new URL('../fixtures/results/schema1-run.json', import.meta.url));

// Documents are read as JSON and changed in the test: loosely typed on purpose.
// biome-ignore lint/suspicious/noExplicitAny: a JSON document under test
type Doc = Record<string, any>;

/** The little of the DOM the legend reader uses in the browser (this project has no DOM types). */
interface LegendNode {
  querySelector(selector: string): LegendNode | null;
  querySelectorAll(selector: string): Iterable<LegendNode>;
  textContent: string | null;
}

/** A histogram as the writer records it: values in microseconds (ms x 1000). */
function histogramOf(valuesUs: number[]): Histogram {
  const h = build({ numberOfSignificantValueDigits: 3 });
  for (const v of valuesUs) h.recordValue(v);
  return h;
}

/** A long-tailed spread of `n` latencies around `baseUs`, the same every run. */
function latencies(n: number, baseUs: number): number[] {
  return Array.from({ length: n }, (_, i) =>
    Math.round(baseUs * (1 + (i % 97) / 10) * (i % 500 === 0 ? 40 : 1)),
  );
}

/** The legend figures of one chart: series label -> text shown. */
function legend(page: Page, chart: string): Promise<Record<string, string>> {
  return page.evaluate((id) => {
    const out: Record<string, string> = {};
    const host = (globalThis as unknown as { document: LegendNode }).document.querySelector(
      `[data-chart="${id}"]`,
    );
    for (const tr of host?.querySelectorAll('.u-legend .u-series') ?? []) {
      out[tr.querySelector('.u-label')?.textContent ?? ''] = tr.querySelector('.u-value')?.textContent ?? '';
    }
    return out;
  }, chart);
}

describe.skipIf(missing !== undefined)(
  missing ? `HTML distribution (skipped: ${missing})` : 'HTML report: distribution and endpoints over time',
  () => {
    const dir = tempDir('squall-html-dist-');
    let browser: Browser;

    beforeAll(async () => {
      requireBuiltCli();
      browser = await launchBrowser();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      dir.remove();
    });

    /** `squall report DOC -o html=…`, opened in Chromium with no error and no request. */
    async function report(name: string, doc: Doc) {
      const json = join(dir.path, `${name}.json`);
      const html = join(dir.path, `${name}.html`);
      writeFileSync(json, JSON.stringify(doc));
      const run = await runCli(['report', json, '-q', '-o', `html=${html}`], { timeoutMs: 30_000 });
      expect(run.code, explain(run)).toBe(doc.passed === false ? 99 : 0);
      const w = await watchedPage(browser);
      await w.page.goto(pathToFileURL(html).href);
      await w.page.waitForSelector('#endpoints table');
      return w;
    }

    it('renders a schema-1 document as before, with no distribution or endpoint charts', async () => {
      const doc = JSON.parse(readFileSync(SCHEMA1, 'utf8')) as Doc;
      expect(doc.schema).toBe(1);
      const w = await report('schema1', doc);
      expect(w.pageErrors).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
      expect(w.requests).toHaveLength(1);
      const f = await figures(w.page);
      expect(Number(f['http_reqs.count'])).toBe(doc.metrics.http_reqs.count);
      expect(Number(f['http_req_duration.p95'])).toBe(doc.metrics.http_req_duration.p95);
      const rows = await tableRows(w.page, '#endpoints tbody tr', 'data-endpoint');
      expect(rows.map((r) => r.key)).toEqual(doc.endpoints.map((e: Doc) => e.name));
      const ink = await chartInk(w.page);
      expect(Object.keys(ink).sort()).toEqual(['errors', 'latency', 'rps', 'vus']);
      for (const [chart, pixels] of Object.entries(ink)) expect(pixels, chart).toBeGreaterThan(0);
      expect(await w.page.isVisible('#distribution')).toBe(false);
      expect(await w.page.isVisible('#endpoint-timelines')).toBe(false);
      await w.page.close();
    });

    describe('a document with histograms and endpoint timelines', () => {
      const base = JSON.parse(readFileSync(SCHEMA1, 'utf8')) as Doc;
      const run = histogramOf(latencies(3000, 80));
      const eps = base.endpoints.map((_: Doc, i: number) =>
        histogramOf(latencies(1000 + 500 * i, 60 * (i + 1))),
      );
      // Each endpoint's own seconds: the run's, with figures of its own.
      const timelines = base.endpoints.map((_: Doc, i: number) =>
        base.timeline.map((p: Doc) => ({
          t: p.t,
          rps: Math.round(p.rps / (i + 2)),
          p50: p.p50 * (i + 1),
          p95: p.p95 * (i + 1),
          p99: p.p99 * (i + 1),
          errors: i,
          requests: Math.round(p.requests / (i + 2)),
        })),
      );
      const doc: Doc = {
        // The schema-2 fields on the fixture's document, whose schema number the reader accepts.
        ...base,
        metrics: {
          ...base.metrics,
          http_req_duration: {
            ...base.metrics.http_req_duration,
            histogram: encodeIntoCompressedBase64(run),
          },
        },
        endpoints: base.endpoints.map((e: Doc, i: number) => ({
          ...e,
          histogram: encodeIntoCompressedBase64(eps[i]!),
          timeline: timelines[i],
        })),
      };
      let page: Page;

      beforeAll(async () => {
        const w = await report('schema2', doc);
        expect(w.pageErrors).toEqual([]);
        expect(w.consoleErrors).toEqual([]);
        expect(w.requests).toHaveLength(1);
        page = w.page;
        await page.waitForSelector('#distribution table.percentiles');
      }, 60_000);

      /** The percentile table: percentile -> the raw value it shows. */
      async function table(): Promise<Record<string, number>> {
        const rows = await tableRows(page, '#distribution tr[data-percentile]', 'data-percentile');
        return Object.fromEntries(rows.map((r) => [r.key, Number(Object.values(r.cells)[0]!.value)]));
      }

      it('draws the run-wide spectrum, its table read from the run’s own histogram', async () => {
        expect(await page.isVisible('#distribution')).toBe(true);
        expect((await chartInk(page)).spectrum).toBeGreaterThan(0);
        const t = await table();
        for (const p of [50, 90, 99, 99.9, 99.99, 100])
          expect(t[String(p)], `p${p}`).toBe(run.getValueAtPercentile(p) / 1000);
        expect(t.count).toBe(run.totalCount);
        // Away from the cursor the legend shows the far end of the tail: the maximum.
        const l = await legend(page, 'spectrum');
        expect(l.percentile).toBe('100% (max)');
        expect(l.latency).toBe(fmtIn('ms', run.getValueAtPercentile(100) / 1000));
      });

      it('the selector switches the spectrum to one endpoint’s histogram', async () => {
        const name = doc.endpoints[1].name as string;
        await page.selectOption('#distribution-select', { label: name });
        await page.waitForSelector(`#distribution table.percentiles[data-source="${name}"]`);
        const t = await table();
        expect(t['99']).toBe(eps[1]!.getValueAtPercentile(99) / 1000);
        expect(t.count).toBe(eps[1]!.totalCount);
        expect((await chartInk(page)).spectrum).toBeGreaterThan(0);
        expect((await legend(page, 'spectrum')).latency).toBe(
          fmtIn('ms', eps[1]!.getValueAtPercentile(100) / 1000),
        );
      });

      it('draws each endpoint’s latency and throughput over time, the one selected', async () => {
        expect(await page.isVisible('#endpoint-timelines')).toBe(true);
        const ink = await chartInk(page);
        expect(ink['endpoint-latency']).toBeGreaterThan(0);
        expect(ink['endpoint-rps']).toBeGreaterThan(0);
        for (const i of [0, 1]) {
          await page.selectOption('#endpoint-select', { label: doc.endpoints[i].name });
          const last = timelines[i].at(-1);
          expect((await legend(page, 'endpoint-latency')).p99, `endpoint ${i}`).toBe(fmtIn('ms', last.p99));
          expect((await legend(page, 'endpoint-rps'))['req/s'], `endpoint ${i}`).toBe(
            `${last.rps.toLocaleString('en-US', { maximumFractionDigits: last.rps >= 100 ? 0 : 2 })}`,
          );
        }
      });
    });
  },
);
