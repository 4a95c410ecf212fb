import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOutputs } from '../api/outputs.js';
import type { ResultDocument } from '../result/schema.js';
import type { SweepLevel, SweepSection } from '../result/sweep-schema.js';
import { fmtNum, fmtPct, fmtRate, formatMs } from '../util/figures.js';
import { renderSummary } from './console.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { fileReporter } from './registry.js';

/**
 * The text reports of a sweep document (test/fixtures/results/sweep.json, a real `squall sweep`
 * against the demo server): console, Markdown, CSV and JUnit. Every expected figure is read from
 * the document.
 */

const ROOT = join(import.meta.dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/results/sweep.json');
const stored = (): ResultDocument & { sweep: SweepSection } => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const XSDS = ['JUnit.xsd', 'junit-10.xsd'].map((f) => join(ROOT, 'test/fixtures/junit', f));
const xmllint = spawnSync('xmllint', ['--version']).status === 0;

const ms = (v: number | null) => (v === null ? '-' : formatMs(v));
/** A level's figures as every report writes them: level, req/s, mean, p50, p95, p99, errors, N. */
const figures = (l: SweepLevel) => [
  fmtNum(l.level),
  fmtRate(l.rps),
  ms(l.latency.mean),
  ms(l.latency.p50),
  ms(l.latency.p95),
  ms(l.latency.p99),
  fmtPct(l.errorRate),
  l.littleN === null ? '-' : fmtNum(l.littleN),
];
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The lines of a console block, from its title to the next blank line. */
function consoleBlock(text: string, title: RegExp): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => title.test(l));
  expect(start, text).toBeGreaterThan(-1);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A copy of the fixture where the sweep threshold failed, as the sweep would have written it. */
function withFailedSweepThreshold() {
  const doc = stored();
  doc.thresholds[0]!.ok = false;
  doc.passed = false;
  return doc;
}

/** A copy where the first level crossed its thresholds: no level held (capacity 0, analysis/sweep.ts). */
function withFirstLevelOverBudget() {
  const doc = stored();
  const first = doc.sweep.levels[0]!;
  first.thresholds[0]!.ok = false;
  first.withinBudget = false;
  doc.sweep.capacity = 0;
  doc.passed = false;
  return doc;
}

describe('the sweep fixture', () => {
  it('is a real sweep over several levels, with per-level and sweep thresholds that held', () => {
    const doc = stored();
    expect(doc.kind).toBe('sweep');
    expect(doc.sweep.levels.length).toBeGreaterThan(2);
    expect(doc.sweep.levels.every((l) => l.thresholds.length > 0 && l.withinBudget !== null)).toBe(true);
    expect(doc.thresholds.length).toBeGreaterThan(0);
    expect(doc.sweep.verdict).not.toBe('');
  });
});

describe('console summary of a sweep document', () => {
  const doc = stored();
  const s = doc.sweep;
  const text = renderSummary(doc, { color: false });

  it('has a header with the target, the mode, the hold and the warm-up', () => {
    const head = text.split('\n').slice(0, 2).join('\n');
    expect(head).toContain(String(doc.config.url ?? doc.config.target));
    expect(head).toContain(`concurrency ${s.planned.map(fmtNum).join(', ')}`);
    expect(head).toContain(`hold ${formatMs(s.holdSec * 1000)}`);
    expect(head).toContain(`warm-up ${formatMs(s.warmupSec * 1000)}`);
  });

  it('prints one table row per level with the document’s own figures and its budget mark', () => {
    const block = consoleBlock(text, /^ {2}LEVELS \(concurrent\)$/);
    const [header, ...rows] = block.slice(0, s.levels.length + 1);
    expect(header!.trim().split(/\s{2,}/)).toEqual([
      'level',
      'req/s',
      'mean',
      'p50',
      'p95',
      'p99',
      'errors',
      "Little's N",
      'budget',
    ]);
    expect(rows).toHaveLength(s.levels.length);
    rows.forEach((row, i) => {
      const l = s.levels[i]!;
      const cells = row.trim().split(/\s{2,}/);
      const n = figures(l);
      if (l.littleOk === false) n[7] = `${n[7]} !`;
      expect(cells.slice(0, 8)).toEqual(n);
      expect(cells[8]).toBe(l.withinBudget ? '✓' : '✗');
    });
  });

  it('draws throughput and p95 against the level, one bar per level, the longest for the largest', () => {
    const rps = consoleBlock(text, /THROUGHPUT \(req\/s\)/);
    const p95 = consoleBlock(text, /LATENCY p95/);
    for (const [lines, value] of [
      [rps, (l: SweepLevel) => fmtRate(l.rps)],
      [p95, (l: SweepLevel) => ms(l.latency.p95)],
    ] as const) {
      expect(lines).toHaveLength(s.levels.length);
      lines.forEach((line, i) => {
        const l = s.levels[i]!;
        expect(line.trim().startsWith(`${fmtNum(l.level)} `)).toBe(true);
        expect(line).toContain(`  ${value(l)}`);
        expect(line.length).toBeLessThanOrEqual(80);
      });
    }
    const bars = rps.map((l) => (l.match(/[█▏▎▍▌▋▊▉]+/)?.[0] ?? '').length);
    const top = s.levels.reduce((m, l, i) => (l.rps > s.levels[m]!.rps ? i : m), 0);
    expect(Math.max(...bars)).toBe(bars[top]);
    expect(bars[top]).toBe(40);
  });

  it('shows the fit, the knee, the capacity, the sweep thresholds and the verdict paragraph', () => {
    const fit = consoleBlock(text, /USL FIT/).join('\n');
    if (s.fit) {
      expect(text).toContain(`R² ${s.fit.r2.toFixed(3)}`);
      for (const sym of ['λ', 'σ', 'κ']) expect(fit).toMatch(new RegExp(`^ +${sym} `, 'm'));
    } else expect(fit).toMatch(/no USL fit/);
    const answers = squash(consoleBlock(text, /KNEE AND CAPACITY/).join(' '));
    expect(answers).toContain(s.knee === null ? 'no knee' : `knee at ${fmtNum(s.knee)} concurrent`);
    expect(answers).toContain(`: ${fmtNum(s.capacity!)} concurrent`);
    const thresholds = consoleBlock(text, /SWEEP THRESHOLDS/);
    expect(thresholds).toHaveLength(doc.thresholds.length);
    doc.thresholds.forEach((t, i) => {
      expect(thresholds[i]).toContain(`✓ ${t.metric} '${t.expr}'`);
    });
    expect(squash(consoleBlock(text, /^ {2}VERDICT$/).join(' '))).toBe(squash(s.verdict));
  });

  it('ends PASSED when everything held, FAILED naming the crossed sweep threshold otherwise', () => {
    const last = (t: string) => t.trimEnd().split('\n').at(-1)!;
    expect(last(text)).toMatch(/^ {2}✓ PASSED: /);
    expect(last(text)).toContain(`capacity ${fmtNum(s.capacity!)}`);
    const failed = withFailedSweepThreshold();
    const t = failed.thresholds[0]!;
    const line = last(renderSummary(failed, { color: false }));
    expect(line).toMatch(/^ {2}✗ FAILED: 1 of \d+ sweep thresholds crossed: /);
    expect(line).toContain(`${t.metric} '${t.expr}'`);
    const over = renderSummary(withFirstLevelOverBudget(), { color: false });
    expect(last(over)).toMatch(/^ {2}✗ FAILED: no level held the per-level thresholds/);
    expect(over).toMatch(new RegExp(`✗ level ${fmtNum(s.levels[0]!.level)}: `));
  });

  it('says when every request of the first level failed, and fails', () => {
    // As the sweep writes it (api/sweep.ts): the level measured, marked, and the sweep ended there.
    const doc = stored();
    const first = doc.sweep.levels[0]!;
    Object.assign(first, {
      failed: first.requests,
      errorRate: 1,
      latency: { mean: null, p50: null, p95: null, p99: null },
      littleN: null,
      littleOk: null,
      allFailed: true,
    });
    Object.assign(doc.sweep, {
      levels: [first],
      fit: null,
      knee: null,
      endReason: 'all-failed',
      verdict: '.',
    });
    doc.passed = false;
    const out = renderSummary(doc, { color: false });
    const row = consoleBlock(out, /LEVELS/)[1]!
      .trim()
      .split(/\s{2,}/);
    expect(row.slice(2, 6)).toEqual(['-', '-', '-', '-']);
    expect(row.at(-1)).toBe('⚠ all failed');
    expect(squash(out)).toContain(
      `every request failed at level ${fmtNum(first.level)}: the sweep ended there`,
    );
    expect(out).not.toContain('VERDICT');
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/✗ FAILED: .*no request succeeded at the first level/);
  });

  it('colours only through the painter, and the same text remains without colour', () => {
    const coloured = renderSummary(doc, { color: true });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ANSI codes are what is removed
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(text);
    expect(text).not.toContain('\u001b');
  });
});

describe('Markdown of a sweep document', () => {
  const doc = stored();
  const s = doc.sweep;
  const md = renderMarkdown(doc);

  it('starts with the verdict and has the table per level with the document’s figures', () => {
    expect(md.split('\n')[0]).toMatch(/^### ✅ squall sweep passed: capacity /);
    const lines = md.split('\n');
    const start = lines.findIndex((l) => l.startsWith('#### Levels'));
    const rows = lines.slice(start + 4, start + 4 + s.levels.length);
    expect(lines[start + 2]).toMatch(/^\| level \| req\/s \|/);
    s.levels.forEach((l, i) => {
      const cells = rows[i]!.slice(2, -2).split(' | ');
      // Markdown writes `<` as an entity (`<0.01%`).
      expect(cells.slice(0, 8).map((c) => c.replace(/ ⚠️$/, ''))).toEqual(
        figures(l).map((c) => c.replace(/</g, '&lt;')),
      );
      expect(cells[8]).toBe(l.withinBudget ? '✅' : '❌');
    });
  });

  it('has the fit, the knee and capacity, the verdict and the sweep thresholds', () => {
    expect(md).toContain('#### USL fit');
    expect(md).toContain('#### Knee and capacity');
    expect(md).toContain(`: ${fmtNum(s.capacity!)} concurrent`);
    expect(md).toContain('#### Sweep thresholds');
    // Markdown's escapes undone: `\_` and `&lt;` are what GitHub shows as `_` and `<`.
    const plain = md.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
    for (const t of doc.thresholds) expect(plain).toContain(`| ✅ | ${t.metric} | ${t.expr} |`);
    expect(plain.split('#### Verdict\n\n')[1]!.split('\n')[0]).toBe(s.verdict);
  });

  it('says failed when a sweep threshold failed', () => {
    expect(renderMarkdown(withFailedSweepThreshold()).split('\n')[0]).toMatch(
      /^### ❌ squall sweep failed: 1 of \d+ sweep thresholds crossed/,
    );
  });
});

describe('CSV of a sweep document', () => {
  const doc = stored();
  const s = doc.sweep;
  const dir = mkdtempSync(join(tmpdir(), 'squall-sweep-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one file, PREFIX_sweep.csv, with a row per level of the document’s figures', async () => {
    const files = await fileReporter('csv')!.render(doc);
    expect(files.map((f) => f.suffix)).toEqual(['_sweep.csv']);
    const rows = parseCsv(files[0]!.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(s.levels.length);
    rows.forEach((r, i) => {
      const l = s.levels[i]!;
      expect(Number(r.level)).toBe(l.level);
      expect(Number(r.requests)).toBe(l.requests);
      expect(Number(r.failed)).toBe(l.failed);
      expect(Number(r.rps)).toBeCloseTo(l.rps, 3);
      expect(Number(r.latencyP95)).toBeCloseTo(l.latency.p95!, 3);
      expect(Number(r.littleN)).toBeCloseTo(l.littleN!, 3);
      expect(r.withinBudget).toBe(String(l.withinBudget));
      expect(r.saturated).toBe(String(l.saturated));
    });
  });

  it('-o csv=PREFIX writes PREFIX_sweep.csv and none of Locust’s files', async () => {
    const { written, error } = await writeOutputs(doc, [{ kind: 'csv', path: join(dir, 's') }]);
    expect(error).toBeNull();
    expect(written).toEqual([join(dir, 's_sweep.csv')]);
    expect(readdirSync(dir)).toEqual(['s_sweep.csv']);
  });
});

describe('JUnit of a sweep document', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  type Node = Record<string, unknown>;
  const suitesOf = (xml: string) => {
    expect(XMLValidator.validate(xml)).toBe(true);
    return ((parser.parse(xml) as Node).testsuites as Node).testsuite as Node[];
  };
  const cases = (suite: Node) => suite.testcase as Node[];

  it('has a case per sweep threshold and one per level, failed where the level crossed', () => {
    const doc = stored();
    const [sweep, levels] = suitesOf(renderJunit(doc));
    expect(cases(sweep!).map((c) => c.name)).toEqual(doc.thresholds.map((t) => `${t.metric}: ${t.expr}`));
    expect(cases(levels!).map((c) => c.name)).toEqual(
      doc.sweep.levels.map((l) => `level ${fmtNum(l.level)} concurrent`),
    );
    expect(cases(levels!).every((c) => c.failure === undefined)).toBe(true);
    const [, over] = suitesOf(renderJunit(withFirstLevelOverBudget()));
    expect(over!.failures).toBe('1');
    expect(cases(over!)[0]!.failure).toBeDefined();
    const [failed] = suitesOf(renderJunit(withFailedSweepThreshold()));
    expect(failed!.failures).toBe('1');
  });

  it.skipIf(!xmllint && !process.env.CI)('validates against the Ant and the Jenkins xUnit schemas', () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-sweep-junit-'));
    try {
      for (const [name, doc] of [
        ['held', stored()],
        ['over', withFirstLevelOverBudget()],
      ] as const) {
        const file = join(dir, `${name}.xml`);
        writeFileSync(file, renderJunit(doc));
        for (const xsd of XSDS) {
          const r = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
          expect(r.status, `${xsd}\n${r.stderr}`).toBe(0);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
