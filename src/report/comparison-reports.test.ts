import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  benchDoc,
  fixture,
  loadDoc,
  NOT_REGRESSED,
  REGRESSED,
  row,
} from '../../test/helpers/comparison-docs.js';
import {
  comparisonCells,
  comparisonHeadline,
  comparisonMarkdownTable,
  comparisonOf,
  comparisonTableLines,
  renderComparison,
  renderComparisonMarkdown,
} from './comparison.js';
import { renderSummary } from './console.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

/**
 * A run with `--baseline` keeps its comparison in the document; every report shows it, in the
 * cells and words of `squall compare`, and says when a regression failed the run. The renderers
 * draw what the document says, so the comparison is a literal with a row of each verdict
 * (test/helpers/comparison-docs.ts); the documents around it are real runs' fixtures.
 */

/** The console's table rows of the comparison, split on its column gaps. */
function consoleRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith('metric '));
  expect(start, text).toBeGreaterThan(-1);
  const out: string[][] = [];
  for (const l of lines.slice(start)) {
    if (l.trim() === '') break;
    out.push(l.trim().split(/ {2,}/));
  }
  return out;
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;

describe('the console summary of a run with --baseline', () => {
  it('ends with COMPARED WITH and the table, then a verdict that says the regression failed the run', () => {
    const doc = loadDoc(REGRESSED);
    const text = renderSummary(doc, { color: false });
    expect(text).toContain('  █ COMPARED WITH baseline main (run 12)\n');
    expect(consoleRows(text)).toEqual(comparisonCells(REGRESSED));
    expect(text).toContain(`    ${comparisonHeadline(REGRESSED)}\n`);
    // The block sits just before the verdict line.
    const blocks = text.trimEnd().split('\n\n');
    expect(blocks.at(-1)).toBe('  ✗ FAILED: 2 metrics regressed against baseline main (run 12)');
    expect(blocks.slice(-4, -1).join('\n\n')).toContain('COMPARED WITH');
    expect(text.indexOf('COMPARED WITH')).toBeGreaterThan(text.indexOf('THRESHOLDS'));
  });

  it('says both when thresholds were crossed too', () => {
    const doc = loadDoc(REGRESSED, 'as run');
    const crossed = doc.thresholds.filter((t) => !t.ok).length;
    expect(crossed).toBeGreaterThan(0);
    expect(lastLine(renderSummary(doc, { color: false }))).toMatch(
      new RegExp(
        `^ {2}✗ FAILED: ${crossed} of ${doc.thresholds.length} thresholds crossed: .+; 2 metrics regressed against baseline main \\(run 12\\)$`,
      ),
    );
  });

  it('passes with no regression, thresholds or not, naming the inconclusive ones', () => {
    const doc = loadDoc(NOT_REGRESSED);
    const n = doc.thresholds.length;
    expect(lastLine(renderSummary(doc, { color: false }))).toBe(
      `  ✓ PASSED: all ${n} thresholds met; no regression against baseline main (run 12) (1 inconclusive)`,
    );
    const bare = loadDoc({ ...NOT_REGRESSED, verdict: 'improved', rows: [NOT_REGRESSED.rows[2]!] }, 'none');
    expect(lastLine(renderSummary(bare, { color: false }))).toBe(
      '  ✓ PASSED: no regression against baseline main (run 12)',
    );
  });

  it('colours regressed red, improved green and inconclusive yellow', () => {
    const text = renderSummary(loadDoc(REGRESSED), { color: true });
    const red = '\u001b[31m';
    const green = '\u001b[32m';
    const yellow = '\u001b[33m';
    expect(text).toContain(`${red}✗ regressed\u001b[39m`);
    expect(text).toContain(`${green}✓ improved\u001b[39m`);
    expect(text).toContain(`${yellow}? inconclusive (about 4 more runs)\u001b[39m`);
    expect(text).toContain(`${red}✗ FAILED: 2 metrics regressed`);
    // Padded before painting: without colour the columns line up the same.
    const plain = text.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');
    expect(plain).toBe(renderSummary(loadDoc(REGRESSED), { color: false }));
  });

  it('draws no block and keeps the old verdict for a document without a comparison', () => {
    const doc = fixture('run-full.json');
    const text = renderSummary(doc, { color: false });
    expect(text).not.toContain('COMPARED WITH');
    expect(lastLine(text)).toMatch(/^ {2}✗ FAILED: \d+ of \d+ thresholds crossed: /);
    expect(lastLine(text)).not.toContain('regressed');
  });

  it('shows the comparison of a bench document before its verdict', () => {
    const doc = benchDoc(REGRESSED);
    const text = renderSummary(doc, { color: false });
    expect(text).toContain('  COMPARED WITH baseline main (run 12)\n');
    expect(consoleRows(text.slice(text.indexOf('COMPARED WITH')))).toEqual(comparisonCells(REGRESSED));
    // The fixture has failed expectations of its own: both are said.
    expect(lastLine(text)).toBe(
      '  ✗ FAILED: a budget, speedup or complexity expectation failed, or a bench threw; 2 metrics regressed against baseline main (run 12)',
    );
    expect(lastLine(renderSummary(benchDoc(REGRESSED, 'held'), { color: false }))).toBe(
      '  ✗ FAILED: 2 metrics regressed against baseline main (run 12)',
    );
    expect(lastLine(renderSummary(benchDoc(NOT_REGRESSED, 'held'), { color: false }))).toMatch(
      /^ {2}✓ PASSED: \d+ benches, \d+ expectations met; no regression against baseline main \(run 12\) \(1 inconclusive\)$/,
    );
  });
});

describe('the Markdown of a run with --baseline', () => {
  it('puts the regression in the header and the compare table in its own section', () => {
    const md = renderMarkdown(loadDoc(REGRESSED));
    expect(md.split('\n')[0]).toMatch(
      /^### ❌ squall failed: 2 metrics regressed against baseline main \(run 12\)( · |$)/,
    );
    expect(md).toContain('#### Compared with baseline main (run 12)\n');
    const table = comparisonMarkdownTable(REGRESSED, (t) => t);
    // The same table as `squall compare -o md=`, its names escaped as every name in this report.
    for (const line of table.slice(2)) {
      const cells = line.split(' | ').slice(1);
      expect(md).toContain(cells.join(' | '));
    }
    expect(md).toContain('| http\\_req\\_duration{name:GET /a\\|\\*b\\*}:p(99) |');
    for (const v of ['✗ regressed', '= unchanged', '? inconclusive (about 4 more runs)', '✓ improved'])
      expect(md).toContain(`| ${v} |`);
  });

  it('says both failures, and passes with no regression', () => {
    const both = renderMarkdown(loadDoc(REGRESSED, 'as run')).split('\n')[0]!;
    expect(both).toMatch(/^### ❌ squall failed: \d+ of \d+ thresholds crossed; 2 metrics regressed against/);
    const ok = renderMarkdown(loadDoc(NOT_REGRESSED, 'none')).split('\n')[0]!;
    expect(ok).toMatch(
      /^### ✅ squall passed: no regression against baseline main \(run 12\) \(1 inconclusive\)/,
    );
    expect(renderMarkdown(fixture('run-full.json'))).not.toContain('Compared with');
  });

  it('shows a bench document’s comparison under its verdict', () => {
    const md = renderMarkdown(benchDoc(REGRESSED));
    expect(md.split('\n')[0]).toBe(
      '### ❌ squall bench failed: a budget, speedup or complexity expectation failed, or a bench threw; 2 metrics regressed against baseline main (run 12)',
    );
    expect(md.indexOf('#### Compared with')).toBeLessThan(md.indexOf('#### template fetch'));
    expect(renderMarkdown(benchDoc(REGRESSED, 'held')).split('\n')[0]).toBe(
      '### ❌ squall bench failed: 2 metrics regressed against baseline main (run 12)',
    );
    expect(renderMarkdown(benchDoc(NOT_REGRESSED, 'held')).split('\n')[0]).toMatch(
      /^### ✅ squall bench passed: \d+ benches; no regression against baseline main \(run 12\)/,
    );
  });

  it('colours each arrow by its verdict: a change worse but within budget is not red', () => {
    const table = comparisonMarkdownTable({
      ...REGRESSED,
      rows: [
        ...REGRESSED.rows,
        row('http_req_duration:med', 'unchanged', { b: 10.6, change: 0.06, low: 0.03, high: 0.08 }),
      ],
    }).join('\n');
    expect(table).toMatch(/\| http_reqs:rate \|.*\| -21\.2 % ↓🔴 \|/);
    expect(table).toMatch(/\| http_req_duration:p\(95\) \|.*\| \+13\.0 % ↑🟡 \|/);
    expect(table).toMatch(/\| http_req_duration\{name:GET \/a\\\|\*b\*\}:p\(99\) \|.*\| -30\.0 % ↓🟢 \|/);
    expect(table).toMatch(/\| http_req_duration:med \|.*\| \+6\.0 % ↑ \|/);
    // Inside the noise: no arrow at all.
    expect(table).toMatch(/\| http_req_failed:rate \|.*\| \+0\.00 pt \|/);
  });

  it('counts a bench comparison in processes, and says when one process per side gave no interval', () => {
    const over = { ...REGRESSED, kind: 'bench', processesA: 5, processesB: 5 };
    expect(comparisonMarkdownTable(over).join('\n')).toContain('? inconclusive (about 4 more processes)');
    expect(comparisonHeadline(over)).toMatch(/; over processes, 5 against 5\)$/);
    expect(comparisonHeadline({ ...over, processesA: 1 })).toContain(
      'one process on a side gives a bench no interval: run squall bench with --forks 5',
    );
  });

  it('squall compare’s own Markdown is built on the same table', () => {
    const own = renderComparisonMarkdown(REGRESSED);
    expect(own).toContain(comparisonMarkdownTable(REGRESSED).join('\n'));
    expect(renderComparison(REGRESSED)).toContain(
      comparisonTableLines(REGRESSED)
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  });
});

describe('the JUnit of a run with --baseline', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true,
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
  });
  type Node = Record<string, unknown>;

  it('has a suite for the comparison, a failure per regressed metric with its change, interval and budget', () => {
    const xml = renderJunit(loadDoc(REGRESSED));
    expect(XMLValidator.validate(xml)).toBe(true);
    const suites = ((parser.parse(xml) as Node).testsuites as Node).testsuite as Node[];
    const suite = suites.find((s) => s.name === 'compared with baseline main (run 12)');
    expect(suite, xml).toBeDefined();
    const cases = suite!.testcase as Node[];
    expect(cases.map((c) => c.name)).toEqual(REGRESSED.rows.map((r) => r.metric));
    expect(suite!.tests).toBe(String(REGRESSED.rows.length));
    expect(suite!.failures).toBe('2');
    const cells = comparisonCells(REGRESSED);
    const col = (name: string) => cells[0]!.indexOf(name);
    REGRESSED.rows.forEach((r, i) => {
      const failure = cases[i]!.failure as Node | undefined;
      const c = cells[i + 1]!;
      if (r.verdict !== 'regressed') {
        expect(failure, r.metric).toBeUndefined();
        return;
      }
      expect(failure?.type).toBe('regression');
      for (const part of [c[col('change')], c[col('95 % CI')], c[col('budget')]])
        expect(String(failure?.message)).toContain(part);
    });
    // Inconclusive passes, its words in the suite's output.
    expect(String(suite!['system-out'])).toContain(
      'http_req_duration:p(95): ? inconclusive (about 4 more runs)',
    );
    // The thresholds' suite is still there, passing.
    expect(suites.find((s) => s.name === 'thresholds')?.failures).toBe('0');
  });

  it('adds nothing to a document without a comparison', () => {
    expect(renderJunit(fixture('run-full.json'))).not.toContain('squall.comparison');
  });
});

describe('comparisonOf', () => {
  it('reads a partial comparison without throwing, leaving out rows it cannot show', () => {
    const d = loadDoc(REGRESSED);
    (d as { comparison: unknown }).comparison = {
      a: 'baseline x',
      rows: [{ metric: 'm', verdict: 'regressed', a: 'x' }, { verdict: 'improved' }, null, { metric: 'n' }],
    };
    const c = comparisonOf(d)!;
    expect(c.rows.map((r) => [r.metric, r.a])).toEqual([['m', null]]);
    expect(lastLine(renderSummary(d, { color: false }))).toBe(
      '  ✗ FAILED: 1 metric regressed against baseline x',
    );
    expect(() => renderMarkdown(d)).not.toThrow();
    expect(() => renderJunit(d)).not.toThrow();
    (d as { comparison: unknown }).comparison = 'nonsense';
    expect(comparisonOf(d)).toBeUndefined();
  });
});
