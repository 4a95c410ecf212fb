import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { CheckResult, ResultDocument, ThresholdResult } from '../result/schema.js';
import { renderJunit } from './junit.js';

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Decodes character references (&#10;) as every XML parser does.
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});

function parseJunit(xml: string): { root: Node; suites: Node[] } {
  const valid = XMLValidator.validate(xml);
  expect(valid, `invalid XML: ${JSON.stringify(valid)}\n${xml}`).toBe(true);
  const root = (parser.parse(xml) as Node).testsuites as Node;
  return { root, suites: (root.testsuite as Node[] | undefined) ?? [] };
}

const casesOf = (suite: Node | undefined) => ((suite?.testcase as Node[] | undefined) ?? []) as Node[];
const suiteNamed = (suites: Node[], name: string) => suites.find((s) => s.name === name);

function doc(thresholds: ThresholdResult[], checks?: CheckResult[]): ResultDocument {
  const d: ResultDocument = {
    schema: 1,
    tool: 'squall',
    version: '0.1.0',
    startedAt: '2025-06-01T10:00:00.250Z',
    endedAt: '2025-06-01T10:00:12.750Z',
    durationSec: 12.5,
    endReason: 'completed',
    config: {},
    metrics: {
      http_reqs: { count: 10, rate: 1 },
      http_req_duration: {
        count: 10,
        min: 1,
        mean: 2,
        stdev: 0,
        p50: 2,
        p90: 3,
        p95: 3,
        p99: 3,
        p999: 3,
        max: 3,
      },
      http_req_failed: { rate: 0, fails: 0, total: 10 },
    },
    endpoints: [],
    errors: [],
    timeline: [],
    thresholds,
    passed: thresholds.every((t) => t.ok),
    monitor: null,
    breakingPoint: null,
  };
  if (checks) d.checks = checks;
  return d;
}

const THRESHOLDS: ThresholdResult[] = [
  { metric: 'http_req_duration', expr: 'p(95)<300', ok: true, actual: 212.345 },
  { metric: 'http_req_duration{name:GET /slow}', expr: 'p(99)<500', ok: false, actual: 812.5 },
  { metric: 'http_req_failed', expr: 'rate<0.01', ok: false, actual: null },
];
const CHECKS: CheckResult[] = [
  { name: 'status is 200', passes: 40, fails: 0 },
  { name: 'body has id', passes: 37, fails: 3 },
  { name: 'never reached', passes: 0, fails: 0 },
];

describe('renderJunit', () => {
  it('has a thresholds suite with one case per threshold; failures carry the expression and the actual value', () => {
    const d = doc(THRESHOLDS, CHECKS);
    const { suites } = parseJunit(renderJunit(d));
    const suite = suiteNamed(suites, 'thresholds');
    const cases = casesOf(suite);
    expect(cases).toHaveLength(d.thresholds.length);
    d.thresholds.forEach((t, i) => {
      const c = cases[i]!;
      expect(c.name).toContain(t.metric);
      expect(c.name).toContain(t.expr);
      const failure = c.failure as Node | undefined;
      if (t.ok) {
        expect(failure, t.expr).toBeUndefined();
        return;
      }
      expect(failure, t.expr).toBeDefined();
      expect(failure!.message).toContain(t.expr);
      expect(failure!.message).toContain(t.actual === null ? 'no data' : `${t.actual}`);
    });
    expect(Number(suite!.tests)).toBe(d.thresholds.length);
    expect(Number(suite!.failures)).toBe(d.thresholds.filter((t) => !t.ok).length);
  });

  it('has a checks suite: a check that ever failed is a failure with its counts; one that never ran is skipped', () => {
    const d = doc(THRESHOLDS, CHECKS);
    const { suites } = parseJunit(renderJunit(d));
    const suite = suiteNamed(suites, 'checks');
    const cases = casesOf(suite);
    expect(cases.map((c) => c.name)).toEqual(CHECKS.map((c) => c.name));
    CHECKS.forEach((check, i) => {
      const c = cases[i]!;
      const failure = c.failure as Node | undefined;
      if (check.fails > 0) {
        expect(failure?.message).toContain(String(check.fails));
        expect(failure?.message).toContain(String(check.passes));
        expect(failure?.message).toContain(String(check.passes + check.fails));
      } else {
        expect(failure).toBeUndefined();
      }
      expect(c.skipped !== undefined, check.name).toBe(check.passes + check.fails === 0);
    });
    expect(Number(suite!.tests)).toBe(CHECKS.length);
    expect(Number(suite!.failures)).toBe(CHECKS.filter((c) => c.fails > 0).length);
    expect(Number(suite!.skipped)).toBe(CHECKS.filter((c) => c.passes + c.fails === 0).length);
  });

  it('adds up: suite times make the run once (the checks suite, a verdict on the same run, takes 0)', () => {
    const d = doc(THRESHOLDS, CHECKS);
    const { root, suites } = parseJunit(renderJunit(d));
    // The Ant schema allows no attribute on <testsuites>: tools add the suites up themselves.
    expect(Object.keys(root).filter((k) => k !== 'testsuite' && k !== '#text')).toEqual([]);
    const sum = (k: string) => suites.reduce((n, s) => n + Number(s[k]), 0);
    expect(sum('tests')).toBe(d.thresholds.length + CHECKS.length);
    expect(sum('errors')).toBe(0);
    expect(sum('time')).toBe(d.durationSec);
    expect(suites.map((s) => Number(s.time))).toEqual([d.durationSec, 0]);
    suites.forEach((s, i) => {
      // The Ant schema's timestamp: no zone, no fraction; its hostname, id and package.
      expect(s.timestamp).toBe(d.startedAt.slice(0, 19));
      expect(s).toMatchObject({ hostname: 'localhost', id: String(i), package: 'squall' });
      for (const c of casesOf(s)) expect(Number(c.time)).toBe(0);
    });
  });

  it('escapes names from the test or the target and drops characters XML 1.0 forbids', () => {
    // NUL, SOH, ESC, BS, a non-character and a lone surrogate: none of them can be in an XML file.
    const forbiddenChars = '\u0000\u0001\u001b\u0008\uFFFE\uD800';
    const kept = ['a<b>&c "d" \'e\' ]]> ', ' tab\there\nline'];
    const hostile = kept.join(forbiddenChars);
    const allowed = kept.join('');
    const d = doc(
      [{ metric: `http_req_duration{name:${hostile}}`, expr: 'p(95)<1', ok: false, actual: 2 }],
      [{ name: hostile, passes: 1, fails: 1 }],
    );
    const xml = renderJunit(d);
    const { suites } = parseJunit(xml);
    const check = casesOf(suiteNamed(suites, 'checks'))[0]!;
    // Attribute whitespace is written as character references, so tabs and newlines survive parsing.
    expect(check.name).toBe(allowed);
    const threshold = casesOf(suiteNamed(suites, 'thresholds'))[0]!;
    expect(threshold.name).toContain(allowed);
    expect((threshold.failure as Node).message).toContain(allowed);
    const forbidden = [...xml].filter((ch) => {
      const c = ch.codePointAt(0)!;
      return (
        (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || (c >= 0xd800 && c <= 0xdfff)
      );
    });
    expect(forbidden).toEqual([]);
  });

  it("has no checks suite for quick's document, which has no checks", () => {
    const { suites } = parseJunit(renderJunit(doc(THRESHOLDS)));
    expect(suites.map((s) => s.name)).toEqual(['thresholds']);
    expect(Number(suites[0]!.tests)).toBe(THRESHOLDS.length);
  });

  it('gives a run without thresholds one "run completed" case, failed when the run was cut short', () => {
    const { suites } = parseJunit(renderJunit(doc([])));
    expect(suites).toHaveLength(1);
    expect(Number(suites[0]!.tests)).toBe(1);
    expect(Number(suites[0]!.failures)).toBe(0);
    const [c] = casesOf(suiteNamed(suites, 'run'));
    expect(c).toMatchObject({ name: 'run completed', classname: 'squall.run' });
    expect(String(suites[0]!['system-out'])).toContain('requests: 10');
    const cut = parseJunit(renderJunit({ ...doc([]), endReason: 'interrupted' }));
    expect(Number(cut.suites[0]!.failures)).toBe(1);
    expect((casesOf(suiteNamed(cut.suites, 'run'))[0]!.failure as Node).message).toMatch(/interrupted/);
  });

  it("gives every threshold's actual value its unit: ms, %, /s, bytes", () => {
    const d = doc([
      { metric: 'http_req_duration', expr: 'p(95)<1', ok: false, actual: 212.5 },
      { metric: 'http_req_failed', expr: 'rate<0.01', ok: false, actual: 0.125 },
      { metric: 'http_reqs', expr: 'rate>100', ok: false, actual: 42.5 },
      { metric: 'data_received', expr: 'count<1', ok: false, actual: 2_500_000 },
      { metric: 'http_req_duration', expr: 'p(50)<1000', ok: true, actual: 2 },
    ]);
    d.metrics.data_received = { count: 2_500_000, rate: 1 };
    const suite = suiteNamed(parseJunit(renderJunit(d)).suites, 'thresholds');
    const messages = casesOf(suite).map((c) => (c.failure as Node | undefined)?.message);
    expect(messages[0]).toMatch(/actual 212\.5\s?ms$/);
    expect(messages[1]).toMatch(/actual 12\.50%$/);
    expect(messages[2]).toMatch(/actual 42\.5\/s$/);
    expect(messages[3]).toMatch(/actual 2\.50? ?MB$/);
    // A passed threshold's value is in its suite's <system-out> (the Ant schema has none per case).
    expect(String(suite!['system-out'])).toMatch(
      /^http_req_duration: p\(50\)<1000: passed, actual 2(\.0+)?\s?ms$/m,
    );
  });
});
