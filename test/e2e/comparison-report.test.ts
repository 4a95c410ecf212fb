import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparisonCells } from '../../src/report/comparison.js';
import type { Comparison } from '../../src/result/comparison-schema.js';
import type { ResultDocument } from '../../src/result/schema.js';
import { browserMissing, launchBrowser, tableRows, watchedPage } from '../helpers/browser.js';
import { benchDoc, loadDoc, NOT_REGRESSED, REGRESSED } from '../helpers/comparison-docs.js';
import {
  type CliResult,
  explain,
  hasStackTrace,
  requireBuiltCli,
  runCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * `squall report` of documents that carry a comparison (`--baseline`): through the real CLI, which
 * reads the section back through the document's schema, the console, Markdown and JUnit show it
 * and exit 99 on a regression; the HTML page, in Chromium, draws its panel for a load test and a
 * bench alike, verdicts coloured, with a badge in the header.
 */

const dir = tempDir('squall-comparison-report-');
const path = (name: string) => join(dir.path, name);

interface Reported {
  run: CliResult;
  console: CliResult;
}

async function report(name: string, doc: ResultDocument): Promise<Reported> {
  writeFileSync(path(`${name}.json`), JSON.stringify(doc));
  const files = ['html', 'md', 'junit'].flatMap((k) => [
    '-o',
    `${k}=${path(`${name}.${k === 'junit' ? 'xml' : k}`)}`,
  ]);
  const run = await runCli(['report', path(`${name}.json`), ...files]);
  const console = await runCli(['report', path(`${name}.json`), '--no-color']);
  return { run, console };
}

const docs = {
  load: loadDoc(REGRESSED),
  passing: loadDoc(NOT_REGRESSED, 'none'),
  bench: benchDoc(REGRESSED, 'held'),
};
const reported = {} as Record<keyof typeof docs, Reported>;

beforeAll(async () => {
  requireBuiltCli();
  for (const [name, doc] of Object.entries(docs))
    reported[name as keyof typeof docs] = await report(name, doc);
}, 60_000);
afterAll(() => dir.remove());

describe('squall report of a run compared with its baseline', () => {
  it('exits 99 on a regression whose thresholds all passed, 0 without one', () => {
    for (const name of ['load', 'bench'] as const) {
      const { run } = reported[name];
      expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
      expect(run.code, explain(run)).toBe(99);
    }
    expect(reported.passing.run.code, explain(reported.passing.run)).toBe(0);
  });

  it('prints the table and the reason in the console', () => {
    const out = reported.load.console;
    expect(out.stdout, explain(out)).toContain('█ COMPARED WITH baseline main (run 12)');
    expect(out.stdout.trimEnd().split('\n').at(-1)).toBe(
      '  ✗ FAILED: 2 metrics regressed against baseline main (run 12)',
    );
    for (const cells of comparisonCells(REGRESSED).slice(1)) expect(out.stdout).toContain(cells.at(-1));
    const bench = reported.bench.console;
    expect(bench.stdout, explain(bench)).toContain('COMPARED WITH baseline main (run 12)');
    expect(bench.stdout.trimEnd().split('\n').at(-1)).toBe(
      '  ✗ FAILED: 2 metrics regressed against baseline main (run 12)',
    );
    expect(reported.passing.console.stdout.trimEnd().split('\n').at(-1)).toBe(
      '  ✓ PASSED: no regression against baseline main (run 12) (1 inconclusive)',
    );
  });

  it('writes the comparison into the Markdown and the JUnit files', () => {
    for (const name of ['load', 'bench'] as const) {
      const md = readFileSync(path(`${name}.md`), 'utf8');
      expect(md).toContain('#### Compared with baseline main (run 12)');
      expect(md.split('\n')[0]).toContain('failed: 2 metrics regressed against baseline main (run 12)');
      const xml = readFileSync(path(`${name}.xml`), 'utf8');
      expect(xml).toContain('<testsuite name="compared with baseline main (run 12)" tests="5" failures="2"');
    }
  });
});

const missing = browserMissing();
describe.skipIf(missing !== undefined)(
  missing ? `the comparison panel (skipped: ${missing})` : 'the comparison panel, in Chromium',
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    }, 30_000);
    afterAll(async () => browser?.close());

    async function panel(name: keyof typeof docs, c: Comparison) {
      const w = await watchedPage(browser);
      await w.page.goto(pathToFileURL(path(`${name}.html`)).href);
      await w.page.waitForSelector('header');
      const shown = await w.page.locator('#comparison').isVisible();
      const title = await w.page.locator('#comparison h2').textContent();
      const rows = await tableRows(w.page, '#comparison tbody tr', 'data-metric');
      const classes = await w.page
        .locator('#comparison td[data-field="verdict"]')
        .evaluateAll((cells) => cells.map((td) => td.getAttribute('class') ?? ''));
      const verdictClasses: string[] = classes;
      const badge = w.page.locator('header [data-field="comparison.verdict"]');
      const out = {
        shown,
        title,
        rows,
        classes: verdictClasses,
        badge: { text: await badge.textContent(), value: await badge.getAttribute('data-value') },
        passed: await w.page.locator('header [data-field="passed"]').textContent(),
      };
      expect(w.pageErrors).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
      await w.page.close();
      // Each row, as compare's cells say it, its raw figures alongside.
      const cells = comparisonCells(c);
      const col = (h: string) => cells[0]!.indexOf(h);
      expect(out.rows.map((r) => r.key)).toEqual(c.rows.map((r) => r.metric));
      out.rows.forEach((r, i) => {
        const want = cells[i + 1]!;
        expect(r.cells.metric?.text).toBe(want[col('metric')]);
        expect(r.cells.a?.text).toBe(want[col('A')]);
        expect(r.cells.b?.text).toBe(want[col('B')]);
        expect(r.cells.change?.text).toBe(want[col('change')]);
        expect(r.cells.interval?.text).toBe(want[col('95 % CI')]);
        expect(r.cells.verdict?.text).toBe(want[col('verdict')]);
        expect(r.cells.verdict?.value).toBe(c.rows[i]!.verdict);
        expect(Number(r.cells.change?.value)).toBe(c.rows[i]!.change);
      });
      return out;
    }

    it('draws the table of a load test, its verdicts coloured, and a badge saying it regressed', async () => {
      const p = await panel('load', REGRESSED);
      expect(p.shown).toBe(true);
      expect(p.title).toBe('Compared with baseline main (run 12)');
      const colour = { regressed: 'bad', improved: 'ok', inconclusive: 'warn', unchanged: '' };
      expect(
        p.classes.map((cls) =>
          cls
            .split(' ')
            .filter((x) => ['ok', 'bad', 'warn'].includes(x))
            .join(''),
        ),
      ).toEqual(REGRESSED.rows.map((r) => colour[r.verdict]));
      expect(p.badge).toEqual({ text: 'baseline: regressed', value: 'regressed' });
      expect(p.passed).toBe('failed');
    });

    it('draws it for a bench document too, and says no regression when there is none', async () => {
      const bench = await panel('bench', { ...REGRESSED, kind: 'bench' });
      expect(bench.shown).toBe(true);
      expect(bench.passed).toBe('failed');
      const ok = await panel('passing', NOT_REGRESSED);
      expect(ok.badge).toEqual({ text: 'baseline: inconclusive', value: 'inconclusive' });
      expect(ok.passed).toBe('passed');
    });
  },
);
