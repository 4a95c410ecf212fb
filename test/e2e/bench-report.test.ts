import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchBrowser, watchedPage } from '../helpers/browser.js';
import {
  type CliResult,
  explain,
  hasStackTrace,
  ROOT,
  requireBuiltCli,
  runCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * `squall report` of a saved bench document (kind "bench", test/fixtures/results/bench.json: two
 * groups, a speedup that holds and one that fails, a concurrency bench, complexity checks, a
 * failed budget, a bench that threw) through the real CLI: the console tables, exit 99, and the
 * HTML, Markdown, JUnit and CSV files.
 */

const FIXTURE = join(ROOT, 'test/fixtures/results/bench.json');
const XSDS = ['JUnit.xsd', 'junit-10.xsd'].map((f) => join(ROOT, 'test/fixtures/junit', f));
const xmllint = spawnSync('xmllint', ['--version']).status === 0;
const dir = tempDir('squall-bench-report-');
const path = (name: string) => join(dir.path, name);
let run: CliResult;

beforeAll(async () => {
  requireBuiltCli();
  run = await runCli([
    'report',
    FIXTURE,
    '-o',
    `html=${path('b.html')}`,
    '-o',
    `md=${path('b.md')}`,
    '-o',
    `junit=${path('b.xml')}`,
    '-o',
    `csv=${path('b')}`,
  ]);
});
afterAll(() => dir.remove());

describe('squall report of a bench document', () => {
  it('exits 99 (an expectation failed) and writes every file', () => {
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    expect(run.code, explain(run)).toBe(99);
    for (const f of ['b.html', 'b.md', 'b.xml', 'b_stats.csv'])
      expect(run.stderr).toContain(`wrote ${path(f)}`);
  });

  it('prints the console tables and verdicts when asked for no file', async () => {
    const plain = await runCli(['report', FIXTURE, '--no-color']);
    expect(plain.code, explain(plain)).toBe(99);
    for (const line of [
      'TEMPLATE FETCH',
      'CACHE OPS',
      'warm is 12.4× faster than cold (95 % CI 11.9–12.9×), expected ≥ 10× ✓',
      'dedupe: O(n^2), RMS 1.2 %, expected O(n) ✗',
      'resolve, 20 in flight (×20)',
    ]) {
      expect(plain.stdout, explain(plain)).toContain(line);
    }
  });

  it('writes Markdown tables per group', () => {
    const md = readFileSync(path('b.md'), 'utf8');
    expect(md.startsWith('### ❌ squall bench failed')).toBe(true);
    expect(md).toContain('| bench | median | mean ± rme | p99 | ops/s | heap/op |');
    expect(md).toContain('| lru set | 967 ns |');
  });

  it('writes JUnit with one case per bench and per complexity check, failures where expected', () => {
    const xml = readFileSync(path('b.xml'), 'utf8');
    const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>\s*<failure)/g)].map((m) => [
      m[1],
      m[2] === '/>' ? 'ok' : 'failed',
    ]);
    expect(cases).toEqual([
      ['cold', 'ok'],
      ['warm', 'ok'],
      ['lru get', 'ok'],
      ['lru set', 'failed'],
      ['memo hit', 'failed'],
      ['parse config', 'ok'],
      ['resolve, 20 in flight', 'ok'],
      ['load remote schema', 'failed'],
      ['sort', 'ok'],
      ['dedupe', 'failed'],
    ]);
  });

  it.skipIf(!xmllint && !process.env.CI)(
    'the JUnit file validates against the Ant and the Jenkins xUnit schemas',
    () => {
      for (const xsd of XSDS) {
        const r = spawnSync('xmllint', ['--noout', '--schema', xsd, path('b.xml')], { encoding: 'utf8' });
        expect(r.status, `${xsd}\n${r.stderr}`).toBe(0);
      }
    },
  );

  it('writes a CSV row per bench, durations in ms', () => {
    const rows = parseCsv(readFileSync(path('b_stats.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows.map((r) => r.Name)).toHaveLength(8);
    const lru = rows.find((r) => r.Name === 'lru get')!;
    expect(Number(lru['Median (ms)'])).toBe(0.000412);
    expect(rows.find((r) => r.Name === 'load remote schema')?.Error).toMatch(/^threw in setup: ENOENT/);
  });
});

const missing = browserMissing();
describe.skipIf(missing !== undefined)('the HTML report of a bench document, in Chromium', () => {
  let browser: Browser;
  afterAll(async () => browser?.close());

  it('draws a panel per group with its bars and table, the complexity curves, no load-test panel', async () => {
    browser = await launchBrowser();
    const w = await watchedPage(browser);
    await w.page.goto(pathToFileURL(path('b.html')).href);
    await w.page.waitForSelector('.bench-bars');
    expect(await w.page.locator('h1').textContent()).toBe('Bench report');
    expect(await w.page.locator('[data-field="files"]').textContent()).toBe(
      'bench/cache.bench.ts, bench/ops.bench.ts, bench/config.bench.ts',
    );
    expect(await w.page.locator('.slot-bench section.panel h2').allTextContents()).toEqual([
      'template fetch',
      'cache ops',
      'benchmarks',
      'Complexity',
      'Warnings',
    ]);
    expect(await w.page.locator('.bench-bars').count()).toBe(3);
    // One bar (with its whisker) per bench that measured; the one that threw says so.
    expect(await w.page.locator('.bench-bar').count()).toBe(7);
    expect(await w.page.locator('.bench-threw').count()).toBe(1);
    // A histogram of its samples per bench that measured, one bar per bin.
    expect(await w.page.locator('figure.bench-dist').count()).toBe(7);
    expect(await w.page.locator('figure.bench-dist[data-bench="cold"] rect.bench-hist').count()).toBe(20);
    expect(await w.page.locator('.bench-curve').count()).toBe(2);
    expect(await w.page.locator('tr[data-bench="lru set"].failed').count()).toBe(1);
    expect(await w.page.locator('#endpoints, #thresholds, .cards').filter({ visible: true }).count()).toBe(0);
    expect([...w.pageErrors, ...w.consoleErrors]).toEqual([]);
    expect(w.requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  }, 30_000);
});
