import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html/render.js';
import type { MonitorResult, MonitorSample, ResultDocument } from '../../src/result/schema.js';
import {
  browserMissing,
  chartInk,
  figures,
  launchBrowser,
  tableRows,
  type WatchedPage,
  watchedPage,
} from '../helpers/browser.js';
import {
  diedMonitor,
  FDS_SENTENCE,
  leakingMonitor,
  MEMORY_SENTENCE,
  THREADS_SENTENCE,
  WRAPPER_WARNING,
} from '../helpers/monitor-docs.js';
import { judgedHealthy, type MonitoredRuns, monitoredRuns, unsaturated } from '../helpers/monitored-runs.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { type CliResult, explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

/**
 * The HTML report (`-o html=`), opened from disk in real headless Chromium: it must work offline
 * with no request but the file itself, draw every chart, show the document's own figures, keep
 * hostile names as text, and sort its endpoint table. The run is a real `squall run` of a YAML
 * test against a real server, with thresholds, checks, a failing endpoint and hostile names.
 */

/** The badge the header gives a monitor result: the leaking resources, or a death. */
function targetBadge(m: MonitorResult): string {
  if (m.verdict === 'leak')
    return m.leaks?.length ? `leak suspected: ${m.leaks.join(', ')}` : 'leak suspected';
  if (m.exit) return 'target died';
  return `target ${m.verdict}`;
}

const missing = browserMissing();
if (missing) console.warn(`skipping the browser tests: ${missing}`);
const XSS_NAME = '<img src=x onerror=window.__xss=1>';
const BREAKOUT_NAME = '</script><script>window.__xss=2</script><!--';

const TEST = `scenarios:
  browse:
    executor: constant-vus
    vus: 2
    duration: 2s
    users:
      - name: Visitor
        flow:
          - get: /ok
            check: { status: 200 }
          - get: /broken
            check: { status: 200 }
          - get: /ok?x=1
            name: "${XSS_NAME}"
          - get: /ok?x=2
            name: "${BREAKOUT_NAME}"
thresholds:
  http_req_duration: ["p(95)<5000"]
  http_req_failed: ["rate<0.01"]
  "http_req_duration{status:418}": ["p(95)<100"]
`;

describe.skipIf(missing !== undefined)(
  missing ? `HTML report (skipped: ${missing})` : 'HTML report in Chromium',
  () => {
    const dir = tempDir('squall-html-report-');
    let server: RouteServer;
    let browser: Browser;
    let run: CliResult;
    let doc: ResultDocument;
    let htmlPath: string;
    let w: WatchedPage;

    beforeAll(async () => {
      requireBuiltCli();
      server = await startRouteServer({
        delayMs: 3,
        handler: (h) => (h.path === '/broken' ? { status: 503, body: 'down for maintenance' } : undefined),
      });
      const file = writeTestFile(dir.path, 'report.yaml', TEST);
      const jsonPath = join(dir.path, 'result.json');
      htmlPath = join(dir.path, 'report.html');
      run = await runCli(
        ['run', file, '--host', server.url, '-q', '-o', `json=${jsonPath}`, '-o', `html=${htmlPath}`],
        { timeoutMs: 40_000 },
      );
      doc = readResult(jsonPath, run);
      if (!existsSync(htmlPath)) throw new Error(`squall did not write ${htmlPath}\n${explain(run)}`);
      browser = await launchBrowser();
      w = await watchedPage(browser);
      await w.page.goto(pathToFileURL(htmlPath).href);
      await w.page.waitForSelector('#endpoints table');
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      dir.remove();
    });

    it('the run is the one described: failures, checks and a threshold without data', () => {
      const why = explain(run);
      expect(run.code, why).toBe(doc.passed ? 0 : 99);
      expect(doc.errors.length, why).toBeGreaterThan(0);
      expect(
        doc.checks?.some((c) => c.fails > 0),
        why,
      ).toBe(true);
      expect(
        doc.thresholds.some((t) => t.actual === null),
        why,
      ).toBe(true);
      expect(
        doc.endpoints.map((e) => e.name),
        why,
      ).toEqual(expect.arrayContaining([XSS_NAME, BREAKOUT_NAME]));
    });

    it('opens offline with no error and no request but the file itself', async () => {
      expect(w.consoleErrors).toEqual([]);
      expect(w.pageErrors).toEqual([]);
      expect(w.requests).toEqual([pathToFileURL(htmlPath).href]);
      // One file: nothing in it points anywhere else.
      const html = readFileSync(htmlPath, 'utf8');
      expect(html).not.toMatch(/<(?:script|link|img)\b[^>]*\b(?:src|href)=/i);
    });

    it('draws every chart of the timeline, and no resource chart without a monitor', async () => {
      const ink = await chartInk(w.page);
      // A schema-2 document also draws its latency spectrum and the endpoints' own timelines.
      expect(Object.keys(ink).sort()).toEqual([
        'endpoint-latency',
        'endpoint-rps',
        'errors',
        'latency',
        'rps',
        'spectrum',
        'vus',
      ]);
      for (const [chart, pixels] of Object.entries(ink)) expect(pixels, chart).toBeGreaterThan(0);
    });

    it('names that look like markup are shown as text and never run', async () => {
      expect(await w.page.evaluate('typeof window.__xss')).toBe('undefined');
      expect(await w.page.locator('img').count()).toBe(0);
      const names = await w.page.locator('#endpoints tbody td[data-field="name"]').allTextContents();
      expect(names).toEqual(expect.arrayContaining([XSS_NAME, BREAKOUT_NAME]));
    });

    it('the header and the cards show the document', async () => {
      const f = await figures(w.page);
      const m = doc.metrics;
      expect(f.version).toBe(doc.version);
      expect(f.startedAt).toBe(doc.startedAt);
      expect(f.endedAt).toBe(doc.endedAt);
      expect(Number(f.durationSec)).toBe(doc.durationSec);
      expect(f.endReason).toBe(doc.endReason);
      expect(f.passed).toBe(String(doc.passed));
      expect(Number(f['http_reqs.count'])).toBe(m.http_reqs.count);
      expect(Number(f['http_reqs.rate'])).toBe(m.http_reqs.rate);
      expect(Number(f['http_req_duration.p50'])).toBe(m.http_req_duration.p50);
      expect(Number(f['http_req_duration.p95'])).toBe(m.http_req_duration.p95);
      expect(Number(f['http_req_duration.p99'])).toBe(m.http_req_duration.p99);
      expect(Number(f['http_req_failed.rate'])).toBe(m.http_req_failed.rate);
      expect(Number(f['thresholds.passed'])).toBe(doc.thresholds.filter((t) => t.ok).length);
      expect(Number(f['thresholds.failed'])).toBe(doc.thresholds.filter((t) => !t.ok).length);
    });

    it('each endpoint row shows its figures', async () => {
      const rows = await tableRows(w.page, '#endpoints tbody tr', 'data-endpoint');
      expect(rows.map((r) => r.key)).toEqual(doc.endpoints.map((e) => e.name));
      for (const ep of doc.endpoints) {
        const c = rows.find((r) => r.key === ep.name)!.cells;
        expect(c.name!.text, ep.name).toBe(ep.name);
        expect(c.method!.value, ep.name).toBe(ep.method);
        expect(Number(c.count!.value), ep.name).toBe(ep.count);
        expect(Number(c.failures!.value), ep.name).toBe(ep.failures);
        expect(Number(c.rps!.value), ep.name).toBe(ep.rps);
        for (const k of ['p50', 'p95', 'p99', 'max', 'mean'] as const) {
          expect(Number(c[k]!.value), `${ep.name} ${k}`).toBe(ep.latency[k]);
        }
      }
      const total = await tableRows(w.page, '#endpoints tfoot tr', 'data-endpoint-total');
      expect(Number(total[0]!.cells.count!.value)).toBe(doc.metrics.http_reqs.count);
      expect(Number(total[0]!.cells.failures!.value)).toBe(doc.metrics.http_req_failed.fails);
    });

    it('status codes are summed over the endpoints; errors carry their examples', async () => {
      const want = new Map<string, number>();
      for (const ep of doc.endpoints) {
        for (const [code, n] of Object.entries(ep.statusCodes)) want.set(code, (want.get(code) ?? 0) + n);
      }
      const codes = await tableRows(w.page, '#status-codes tr[data-status]', 'data-status');
      expect(new Map(codes.map((r) => [r.key, Number(r.cells.count!.value)]))).toEqual(want);

      const errors = await tableRows(w.page, '#errors li[data-error]', 'data-error');
      expect(errors.map((e) => e.key)).toEqual(doc.errors.map((e) => e.kind));
      for (const e of doc.errors) {
        const c = errors.find((r) => r.key === e.kind)!.cells;
        expect(Number(c.count!.value), e.kind).toBe(e.count);
        expect(c.example!.text, e.kind).toBe(e.example);
      }
    });

    it('thresholds show their actual values, "no data" when there is none', async () => {
      // {status:418} matches no response of this test: its row must say so.
      expect(doc.thresholds.filter((t) => t.actual === null).map((t) => t.metric)).toEqual([
        'http_req_duration{status:418}',
      ]);
      const rows = await tableRows(w.page, '#thresholds tbody tr', 'data-metric');
      expect(rows.map((r) => [r.key, r.cells.expr!.value])).toEqual(
        doc.thresholds.map((t) => [t.metric, t.expr]),
      );
      doc.thresholds.forEach((t, i) => {
        const c = rows[i]!.cells;
        expect(c.ok!.value, t.metric).toBe(String(t.ok));
        if (t.actual === null) {
          expect(c.actual!.value, t.metric).toBe('');
          expect(c.actual!.text, t.metric).toBe('no data');
        } else {
          expect(Number(c.actual!.value), t.metric).toBe(t.actual);
        }
      });
    });

    it('checks show their passes and fails', async () => {
      const rows = await tableRows(w.page, '#checks tbody tr', 'data-check');
      expect(rows.map((r) => r.key)).toEqual(doc.checks!.map((c) => c.name));
      for (const c of doc.checks!) {
        const cells = rows.find((r) => r.key === c.name)!.cells;
        expect(Number(cells.passes!.value), c.name).toBe(c.passes);
        expect(Number(cells.fails!.value), c.name).toBe(c.fails);
      }
    });

    it('chart legends show the latest second when not hovered, not dashes (issue 10 #23)', async () => {
      await w.page.mouse.move(0, 0);
      const legends = (await w.page.evaluate(`[...document.querySelectorAll('[data-chart]')].map((host) => ({
        chart: host.getAttribute('data-chart'),
        values: [...host.querySelectorAll('.u-legend .u-series')].map((row) =>
          (row.querySelector('.u-value')?.textContent ?? '').trim()),
      }))`)) as { chart: string; values: string[] }[];
      const last = doc.timeline.at(-1)!.t;
      const clock = `${Number.isInteger(last) ? last : last.toFixed(1)}s`;
      // The charts drawn (the resource ones have no plot without a monitor).
      const drawn = legends.filter((l) => l.values.length > 0);
      expect(drawn.map((l) => l.chart).sort()).toEqual([
        'endpoint-latency',
        'endpoint-rps',
        'errors',
        'latency',
        'rps',
        'spectrum',
        'vus',
      ]);
      for (const { chart, values } of drawn) {
        // The spectrum's x axis is the percentile, not time: its legend rests on the maximum.
        expect(values[0], `${chart} x`).toBe(chart === 'spectrum' ? '100% (max)' : clock);
        for (const v of values) expect(v, `${chart} ${values.join(' | ')}`).not.toMatch(/^(-+|—|)$/);
      }
    });

    it('the thresholds card has the verdict colour and names the failed ones (issue 10 #23)', async () => {
      const failed = doc.thresholds.filter((t) => !t.ok);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.length).toBeLessThan(doc.thresholds.length);
      const card = w.page.locator('.thresholds-card');
      expect(await card.getAttribute('data-verdict')).toBe(doc.passed ? 'ok' : 'bad');
      const sub = (await card.locator('.card-sub').textContent()) ?? '';
      expect(sub).toContain(`${failed.length} failed`);
      for (const t of failed) expect(sub).toContain(`${t.metric} ${t.expr}`);
      // The passed count is not painted as a failure: the same colour as the other cards' figures.
      const colour = (sel: string) =>
        w.page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(sel)})).color`);
      expect(await colour('.thresholds-card .card-value')).toBe(await colour('.card .card-value'));
    });

    it("the page title names the test and the run's date (issue 10 #23)", async () => {
      const d = new Date(doc.startedAt);
      const p = (n: number) => String(n).padStart(2, '0');
      const want = `report.yaml — ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())} — squall`;
      expect(await w.page.title()).toBe(want);
      // The file carries it too, for what lists files and tabs before any script runs.
      expect(readFileSync(htmlPath, 'utf8')).toContain(`<title>${want}</title>`);
    });

    it('shows the resolved configuration', async () => {
      const text = await w.page.textContent('[data-field="config"]');
      expect(JSON.parse(text!)).toEqual(doc.config);
    });

    it('clicking a column header sorts the endpoint table by it, again reverses it', async () => {
      const column = async (key: string) => ({
        sort: await w.page.getAttribute(`#endpoints th[data-col="${key}"]`, 'aria-sort'),
        values: (await tableRows(w.page, '#endpoints tbody tr', 'data-endpoint')).map(
          (r) => r.cells[key]!.value,
        ),
      });
      const click = (key: string) => w.page.click(`#endpoints th[data-col="${key}"] button`);

      await click('name');
      const byName = await column('name');
      expect(byName.sort).toBe('ascending');
      expect(byName.values).toEqual(
        doc.endpoints.map((e) => e.name).sort((a, b) => a.localeCompare(b, 'en-US')),
      );
      await click('name');
      expect((await column('name')).values).toEqual([...byName.values].reverse());

      await click('p95');
      const down = await column('p95');
      expect(down.sort).toBe('descending');
      expect(down.values.map(Number)).toEqual(doc.endpoints.map((e) => e.latency.p95!).sort((a, b) => b - a));
      await click('p95');
      const up = await column('p95');
      expect(up.sort).toBe('ascending');
      expect(up.values.map(Number)).toEqual(doc.endpoints.map((e) => e.latency.p95!).sort((a, b) => a - b));
      await w.page.screenshot({ path: '/tmp/squall-html-report.png', fullPage: true });
    });

    it('renders a partial document from an older version, with "-" for what it lacks', async () => {
      const old = {
        schema: 1,
        tool: 'squall',
        version: '0.0.1',
        startedAt: doc.startedAt,
        metrics: { http_reqs: { count: doc.metrics.http_reqs.count } },
        endpoints: [{ name: doc.endpoints[0]!.name, count: doc.endpoints[0]!.count }],
        timeline: doc.timeline.map((p) => ({ t: p.t, rps: p.rps })),
      } as unknown as ResultDocument;
      const path = join(dir.path, 'old.html');
      writeFileSync(path, renderHtml(old));
      const o = await watchedPage(browser);
      await o.page.goto(pathToFileURL(path).href);
      await o.page.waitForSelector('#endpoints table');
      expect(o.pageErrors).toEqual([]);
      expect(o.consoleErrors).toEqual([]);
      const f = await figures(o.page);
      expect(Number(f['http_reqs.count'])).toBe(old.metrics.http_reqs.count);
      expect(f['http_req_duration.p95']).toBe('');
      expect(await o.page.textContent('[data-field="http_req_duration.p95"]')).toBe('-');
      expect((await chartInk(o.page)).rps).toBeGreaterThan(0);
      const rows = await tableRows(o.page, '#endpoints tbody tr', 'data-endpoint');
      expect(rows.map((r) => [r.key, Number(r.cells.count!.value), r.cells.p95!.text])).toEqual([
        [old.endpoints[0]!.name, old.endpoints[0]!.count, '-'],
      ]);
      await o.page.close();
    });

    describe('monitor results written as the schema says', () => {
      /** The report of a copy of the run's document with `monitor`, open in Chromium. */
      async function openWith(name: string, monitor: MonitorResult): Promise<WatchedPage> {
        const path = join(dir.path, `${name}.html`);
        writeFileSync(path, renderHtml({ ...doc, monitor }));
        const p = await watchedPage(browser);
        await p.page.goto(pathToFileURL(path).href);
        await p.page.waitForSelector('#monitor');
        expect(p.pageErrors, name).toEqual([]);
        expect(p.consoleErrors, name).toEqual([]);
        return p;
      }
      const text = async (p: WatchedPage, sel: string) =>
        (await p.page.locator(sel).allTextContents()).map((t) => t.trim());

      it('names the leaking resources in the badge and the verdict, one line per resource, warnings first', async () => {
        const p = await openWith('leaking', leakingMonitor());
        expect(await text(p, 'header .badges .badge')).toContain('leak suspected: memory, fds');
        expect(await p.page.textContent('#monitor .verdict-line')).toBe('✗ Leak suspected: memory, fds');
        expect(await text(p, '#monitor [data-field="monitor.warning"]')).toEqual([`⚠ ${WRAPPER_WARNING}`]);
        // And at the top, before any figure.
        expect(await text(p, '.banners [data-field="monitor.bannerWarning"]')).toEqual([
          `⚠ Target process: ${WRAPPER_WARNING}`,
        ]);
        expect(await text(p, '#monitor ul.resources li .resource-verdict')).toEqual([
          '✗ memory: leak',
          '✗ fds: leak',
          '✓ threads: healthy',
        ]);
        expect(await text(p, '#monitor ul.resources li .resource-sentence')).toEqual([
          MEMORY_SENTENCE,
          FDS_SENTENCE,
          THREADS_SENTENCE,
        ]);
        // The reasons that repeat a resource's sentence are not shown twice.
        const visible = await p.page.locator('#monitor [data-field="monitor.reason"]:visible').count();
        expect(visible).toBe(0);
        const f = await figures(p.page, '#monitor');
        expect(await p.page.textContent('[data-field="monitor.rssPeakMb"]')).toBe('190.0 MiB');
        expect(await p.page.textContent('[data-field="monitor.rssGrowthMbPerMin"]')).toBe('+5.00 MiB/min');
        expect(f['monitor.fds']).toBe('21,202');
        expect(await p.page.textContent('#monitor')).not.toMatch(/\bMB\b/);
        await p.page.screenshot({ path: '/tmp/squall-html-report-resources.png', fullPage: true });
        await p.page.close();
      });

      it('never calls a process that died healthy: the badge and the verdict say it died, and the run failed', async () => {
        const p = await openWith('died', diedMonitor());
        const badges = await text(p, 'header .badges .badge');
        expect(badges).toContain('target died');
        expect(badges).toContain('failed');
        expect(await p.page.textContent('#monitor .verdict-line')).toMatch(
          /^✗ Died: the watched process went away 42\.50?s into monitoring\.$/,
        );
        expect(await text(p, '#monitor ul.resources li .resource-verdict')).toEqual([
          '– memory: no leak seen',
          '– fds: no leak seen',
          '– threads: no leak seen',
        ]);
        for (const sel of ['header', '#monitor'])
          expect(await p.page.textContent(sel), sel).not.toMatch(/healthy/i);
        await p.page.close();
      });

      it('shows a document older than per-resource verdicts as before', async () => {
        const { resources: _r, leaks: _l, warnings: _w, ...old } = leakingMonitor();
        const p = await openWith('old-monitor', { ...old, reasons: ['rss grew steadily'] });
        expect(await text(p, 'header .badges .badge')).toContain('leak suspected');
        expect(await p.page.textContent('#monitor .verdict-line')).toBe('✗ Memory leak suspected');
        expect(await p.page.locator('#monitor ul.resources, #monitor .monitor-warnings').count()).toBe(0);
        expect(await text(p, '#monitor [data-field="monitor.reason"]')).toEqual(['rss grew steadily']);
        await p.page.close();
      });
    });

    describe('documents of real monitored runs', () => {
      let runs: MonitoredRuns;
      const pages = new Map<string, WatchedPage>();

      /** The report of `d` opened in Chromium, once per name. */
      async function open(name: string, d: ResultDocument): Promise<WatchedPage> {
        const found = pages.get(name);
        if (found) return found;
        const path = join(dir.path, `${name}.html`);
        writeFileSync(path, renderHtml(d));
        const p = await watchedPage(browser);
        await p.page.goto(pathToFileURL(path).href);
        await p.page.waitForSelector('#monitor');
        pages.set(name, p);
        return p;
      }

      /** The saturated run with a dead service, plus a breaking point and a spike to analyse. */
      const full = (): ResultDocument => {
        const l = runs.loaded;
        const atSec = l.timeline.at(-1)?.t ?? l.durationSec;
        return {
          ...l,
          breakingPoint: {
            rate: l.metrics.http_reqs.rate,
            vus: 1,
            atSec,
            reason: 'http_req_failed rate crossed its bound',
            lastHealthyRate: l.metrics.http_reqs.rate / 2,
          },
          spike: { startSec: l.timeline[0]?.t ?? 0, endSec: atSec, recoverySec: null },
        };
      };

      beforeAll(async () => {
        runs = await monitoredRuns(dir.path);
      }, 60_000);

      afterAll(async () => {
        for (const p of pages.values()) await p.page.close();
      });

      it('the runs are the ones described: a monitor alone, and a saturated run whose service died', () => {
        expect(runs.alone.config.command).toBe('monitor');
        expect(runs.alone.monitor!.samples.length).toBeGreaterThanOrEqual(3);
        expect(runs.loaded.metrics.http_reqs.count).toBeGreaterThan(0);
        expect(runs.loaded.generator?.saturated).toBe(true);
        expect(runs.loaded.monitor?.exit?.tail.length).toBeGreaterThan(0);
      });

      it('shows the verdict with its reasons and the figures of the document, up top in a badge too', async () => {
        const healthy = judgedHealthy(runs.alone);
        expect(healthy.monitor!.verdict).toBe('healthy');
        for (const [name, d] of [
          ['loaded', full()],
          ['alone', runs.alone],
          ['healthy', healthy],
        ] as const) {
          const p = await open(name, d);
          expect(p.pageErrors, name).toEqual([]);
          expect(p.consoleErrors, name).toEqual([]);
          const m = d.monitor!;
          const f = await figures(p.page, '#monitor');
          expect(f['monitor.verdict'], name).toBe(m.verdict);
          expect(
            await p.page.locator('#monitor [data-field="monitor.reason"]').allTextContents(),
            name,
          ).toEqual(m.reasons);
          expect(Number(f['monitor.pid']), name).toBe(m.pid);
          expect(f['monitor.cmd'], name).toBe(m.cmd);
          expect(Number(f['monitor.processes']), name).toBe(
            Math.max(...m.samples.map((x) => x.processes ?? 0)),
          );
          for (const k of [
            'rssStartMb',
            'rssPeakMb',
            'rssEndMb',
            'rssGrowthMbPerMin',
            'cpuAvgPct',
            'cpuPeakPct',
          ] as const) {
            expect(Number(f[`monitor.${k}`]), `${name} ${k}`).toBe(m[k]);
          }
          expect(f['monitor.rssGrowthCiMbPerMin'], name).toBe(m.rssGrowthCiMbPerMin?.join(',') ?? '');
          expect(f['monitor.settled'], name).toBe(m.settled === null ? '' : String(m.settled));
          expect(Number(f['monitor.warmupSec']), name).toBe(m.warmupSec);
          expect(f['monitor.threads'], name).toBe(`${m.threadsStart},${m.threadsEnd}`);
          expect(f['monitor.fds'], name).toBe(`${m.fdsStart},${m.fdsEnd}`);
          expect(Number(f['monitor.samples']), name).toBe(m.samples.length);
          const badges = await p.page.locator('header .badges .badge').allTextContents();
          expect(
            badges.map((b) => b.toLowerCase()),
            name,
          ).toContain(targetBadge(m));
          // A process that died is never called healthy.
          if (m.exit) {
            expect(await p.page.textContent('header'), name).not.toMatch(/healthy/i);
            expect(await p.page.textContent('#monitor .verdict-box'), name).not.toMatch(/✓|healthy:/i);
          }
        }
      });

      it('draws memory and CPU, and threads or descriptors only when they moved', async () => {
        for (const [name, d] of [
          ['loaded', full()],
          ['alone', runs.alone],
        ] as const) {
          const ink = await chartInk((await open(name, d)).page);
          expect(ink.memory, name).toBeGreaterThan(0);
          expect(ink.cpu, name).toBeDefined();
          const moved = (pick: (x: MonitorSample) => number | null) =>
            new Set(d.monitor!.samples.map(pick).filter((v) => v !== null)).size > 1;
          expect('threads' in ink, name).toBe(moved((x) => x.threads));
          expect('fds' in ink, name).toBe(moved((x) => x.fds));
          if ('fds' in ink) expect(ink.fds, name).toBeGreaterThan(0);
        }
      });

      it('shows how the service ended, with its last output', async () => {
        const p = await open('loaded', full());
        const exit = runs.loaded.monitor!.exit!;
        expect(await p.page.textContent('#monitor-exit [data-field="monitor.exit"]')).toMatch(
          new RegExp(`^The service exited with code ${exit.code} `),
        );
        expect(await p.page.textContent('#monitor-exit [data-field="monitor.exit.tail"]')).toBe(
          exit.tail.join('\n'),
        );
        expect(await (await open('alone', runs.alone)).page.locator('#monitor-exit').count()).toBe(0);
      });

      it('puts a banner with the reasons above the figures when squall was saturated, and none otherwise', async () => {
        const p = await open('loaded', full());
        const banner = p.page.locator('#saturation');
        expect(await banner.isVisible()).toBe(true);
        expect(await banner.textContent()).toContain('the figures below measure squall, not the target');
        expect(await banner.locator('[data-field="generator.reason"]').allTextContents()).toEqual(
          runs.loaded.generator!.reasons,
        );
        const order = await p.page.evaluate(
          '[...document.querySelectorAll("#saturation, #summary")].map((e) => e.id)',
        );
        expect(order).toEqual(['saturation', 'summary']);
        await p.page.screenshot({ path: '/tmp/squall-html-report-monitor.png', fullPage: true });
        for (const [name, d] of [
          ['calm', unsaturated(runs.loaded)],
          ['alone', runs.alone],
        ] as const) {
          expect(await (await open(name, d)).page.locator('#saturation').count(), name).toBe(0);
        }
      });

      it('a monitor document shows the process and its verdict first, and no empty HTTP part', async () => {
        const p = await open('alone', runs.alone);
        expect(await p.page.textContent('h1')).toBe('Monitor report');
        expect((await figures(p.page, 'header')).process).toContain(runs.alone.monitor!.cmd!);
        for (const sel of ['#summary', '#endpoints', '#status-codes', '#errors', '#metrics', '.banner']) {
          expect(await p.page.locator(sel).count(), sel).toBe(0);
        }
        const ink = await chartInk(p.page);
        expect(Object.keys(ink).filter((k) => !['memory', 'cpu', 'threads', 'fds'].includes(k))).toEqual([]);
        const order = await p.page.evaluate(
          '[...document.querySelectorAll("#monitor, #charts")].map((e) => e.id)',
        );
        expect(order).toEqual(['monitor', 'charts']);
        await p.page.screenshot({ path: '/tmp/squall-html-report-monitor-only.png', fullPage: true });
      });

      it('shows the analyses of a run', async () => {
        const d = full();
        const f = await figures((await open('loaded', d)).page);
        const p = pages.get('loaded')!;
        expect(Number(f['breakingPoint.rate'])).toBe(d.breakingPoint!.rate);
        expect(Number(f['breakingPoint.lastHealthyRate'])).toBe(d.breakingPoint!.lastHealthyRate);
        expect(await p.page.textContent('[data-field="breakingPoint.reason"]')).toBe(d.breakingPoint!.reason);
        expect(f['spike.recoverySec']).toBe('');
        expect(await p.page.textContent('[data-field="spike.recoverySec"]')).toBe('never recovered');
      });
    });
  },
);
