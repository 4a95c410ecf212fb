import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultDocument } from '../result/schema.js';
import { benchTime, budgetText, opsText, speedupText } from './bench-format.js';
import { renderSummary } from './console.js';
import { renderMarkdown } from './markdown.js';

const stored = (): ResultDocument =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures/results/bench.json'), 'utf8'));

/** The lines of the table under a group's title, up to the blank line or the notes. */
function consoleTable(text: string, title: string): string[][] {
  const lines = text.split('\n');
  const start = lines.indexOf(`  ${title}`);
  expect(start, text).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || /[✓✗!]| is .*× /.test(line)) break;
    rows.push(line.trim().split(/\s{2,}/));
  }
  return rows;
}

describe('bench figures', () => {
  it('reads durations at a bench scale and shortens ops/s', () => {
    expect(benchTime(0.000412)).toBe('412 ns');
    expect(benchTime(0.01491)).toBe('14.9 µs');
    expect(benchTime(21.2)).toBe('21.2 ms');
    expect(benchTime(1234)).toBe('1.23 s');
    expect(benchTime(null)).toBe('-');
    expect(opsText(2_379_590)).toBe('2.38M');
    expect(opsText(65_754)).toBe('65.8k');
    expect(opsText(938.97)).toBe('938.97');
  });

  it('says a speedup below 1 as slower, with its interval turned round', () => {
    const s = {
      group: null,
      name: 'a',
      over: 'b',
      factor: 0.5,
      low: 0.4,
      high: 0.625,
      atLeast: null,
      ok: null,
    };
    expect(speedupText(s)).toBe('a is 2.00× slower than b (95 % CI 1.60–2.50×)');
    const unmeasured = { ...s, factor: null, low: null, high: null, atLeast: 3, ok: false };
    expect(speedupText(unmeasured)).toBe('a over b: not measured, expected ≥ 3× ✗');
  });
});

describe('console summary of a bench document', () => {
  const text = renderSummary(stored(), { color: false });

  it('prints one table per group, mitata-style, with every bench of the group', () => {
    const fetch = consoleTable(text, 'TEMPLATE FETCH');
    expect(fetch[0]).toEqual(['bench', 'median', 'mean ± rme', 'p99', 'ops/s', 'heap/op']);
    expect(fetch.slice(1).map((r) => r[0])).toEqual(['cold', 'warm']);
    expect(fetch[1]).toEqual(['cold', '185 µs', '189 µs ± 1.2 %', '259 µs', '5,294', '2.10 kB']);
    expect(
      consoleTable(text, 'CACHE OPS')
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(['lru get', 'lru set', 'memo hit']);
    // Ungrouped benches: the concurrency one names its calls in flight, the one that threw says so.
    const rest = consoleTable(text, 'BENCHMARKS').slice(1);
    expect(rest.map((r) => r[0])).toEqual([
      'parse config',
      'resolve, 20 in flight (×20)',
      'load remote schema',
    ]);
    expect(rest[1]![4]).toBe('938.97');
    expect(rest[2]![1]).toBe('threw');
  });

  it('gives each speedup with its interval, each budget and complexity check its verdict', () => {
    expect(text).toContain('warm is 12.4× faster than cold (95 % CI 11.9–12.9×), expected ≥ 10× ✓');
    expect(text).toContain('memo hit is 1.03× faster than lru get (95 % CI 0.98–1.09×), expected ≥ 2× ✗');
    expect(text).toContain('lru set: ✗ p(99)<0.001ms (1.35 µs)');
    expect(text).toContain('lru set: ✓ ops>500000 (1.01M ops/s)');
    // rme and heap budgets read in their own units.
    expect(budgetText({ expr: 'heap<1kB', ok: true, actual: 0 })).toBe('✓ heap<1kB (0 B)');
    expect(budgetText({ expr: 'rme<5%', ok: false, actual: 7.25 })).toBe('✗ rme<5% (7.3 %)');
    expect(text).toContain('sort: O(n log n), RMS 3.1 %, expected O(n log n) ✓');
    expect(text).toContain('dedupe: O(n^2), RMS 1.2 %, expected O(n) ✗');
    expect(text).toContain(
      "load remote schema: threw in setup: ENOENT: no such file or directory, open 'schema.json'",
    );
    expect(text).toContain('✗ FAILED');
    // No load test's sections on a bench document.
    expect(text).not.toMatch(/http_req|ENDPOINTS|THRESHOLDS/);
  });

  it("adds each bench's distribution in a terminal wide enough for it, and only then", () => {
    const wide = consoleTable(renderSummary(stored(), { color: false, width: 160 }), 'TEMPLATE FETCH');
    expect(wide[0]).toEqual(['bench', 'median', 'mean ± rme', 'p99', 'ops/s', 'heap/op', 'distribution']);
    const doc = stored();
    const counts = doc.bench!.benches[0]!.histogram!.counts;
    // One block per bin, the tallest bin the full block, an empty bin a dot.
    const cells = wide[1]![6]!;
    expect([...cells].length).toBe(counts.length);
    expect([...cells][counts.indexOf(Math.max(...counts))]).toBe('█');
    expect(cells).toMatch(/^[·▁▂▃▄▅▆▇█]+$/);
    expect([...cells][counts.indexOf(0)]).toBe('·');
    expect(
      consoleTable(renderSummary(stored(), { color: false, width: 60 }), 'TEMPLATE FETCH')[0],
    ).toHaveLength(6);
  });

  it('passes when every expectation holds', () => {
    const doc = stored();
    doc.passed = true;
    expect(renderSummary(doc, { color: false })).toMatch(/✓ PASSED: 8 benches, \d+ expectations met/);
  });
});

describe('Markdown of a bench document', () => {
  const md = renderMarkdown(stored());

  it('has a table per group, with the same cells as the console', () => {
    expect(md.startsWith('### ❌ squall bench failed')).toBe(true);
    const section = md.slice(md.indexOf('#### cache ops'));
    const rows = section.split('\n').filter((l) => l.startsWith('| '));
    expect(rows[0]).toBe('| bench | median | mean ± rme | p99 | ops/s | heap/op |');
    expect(rows[2]).toBe('| lru get | 412 ns | 420 ns ± 2.1 % | 577 ns | 2.38M | 0 B |');
    expect(md).toContain('#### template fetch');
    expect(md).toContain('#### benchmarks');
  });

  it('lists the budgets, speedups, complexity verdicts and warnings', () => {
    expect(md).toContain('- warm is 12.4× faster than cold (95 % CI 11.9–12.9×), expected ≥ 10× ✓');
    expect(md).toContain('- lru set: ✗ p(99)&lt;0.001ms (1.35 µs)');
    expect(md).toContain('#### Complexity');
    expect(md).toContain('- dedupe: O(n^2), RMS 1.2 %, expected O(n) ✗');
    expect(md).toContain('#### Warnings');
    expect(md).not.toContain('http_req');
  });
});
