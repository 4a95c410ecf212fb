import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputPath, STAMP, stampOf } from './outputs.js';
import { quickReportName, reportDirOutputs, runReportName } from './report-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'squall-report-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--report-dir', () => {
  it('stamps with the time in UTC, YYYYMMDD_HHMMSS', () => {
    expect(stampOf('2026-12-03T20:15:07.999+01:00')).toBe('20261203_191507');
    expect(stampOf(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))).toBe('20250102_030405');
  });

  it("gives json, html, md and csv's prefix, each named NAME_STAMP, made when missing", () => {
    const reports = join(dir, 'a', 'b');
    const outs = reportDirOutputs(reports, 'checkout');
    expect(statSync(reports).isDirectory()).toBe(true);
    expect(outs.map((o) => [o.kind, o.path, o.stamped])).toEqual([
      ['json', join(reports, `checkout_${STAMP}.json`), true],
      ['html', join(reports, `checkout_${STAMP}.html`), true],
      ['md', join(reports, `checkout_${STAMP}.md`), true],
      ['csv', join(reports, `checkout_${STAMP}`), true],
    ]);
    expect(outputPath(outs[0]!, '2026-01-31T23:59:58Z')).toBe(join(reports, 'checkout_20260131_235958.json'));
    // Only a stamped output's path is rewritten: an -o path holding the same text is the user's.
    expect(outputPath({ kind: 'json', path: `x${STAMP}.json` }, '2026-01-31T23:59:58Z')).toBe(
      `x${STAMP}.json`,
    );
    expect(reportDirOutputs(undefined, 'x')).toEqual([]);
  });

  it('refuses a file, naming the flag', () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(() => reportDirOutputs(file, 'x')).toThrow(/--report-dir .*file is a file, not a folder/);
  });

  it('names quick after METHOD host/path and run after the test file', () => {
    expect(quickReportName('GET', new URL('http://127.0.0.1:8080/api/items?x=1'))).toBe(
      'get-127.0.0.1-8080-api-items',
    );
    expect(quickReportName('POST', new URL('http://[::1]:80/'))).toBe('post-1');
    expect(runReportName('tests/checkout.yaml')).toBe('checkout');
    expect(runReportName('load.test.ts')).toBe('load.test');
    expect(runReportName('my test (v2).ts')).toBe('my-test-v2');
    expect(runReportName(null)).toBe('test');
  });
});
