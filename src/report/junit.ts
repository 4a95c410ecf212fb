import type { BenchSection } from '../result/bench-schema.js';
import type { ResultDocument } from '../result/schema.js';
import type { SweepSection } from '../result/sweep-schema.js';
import { round } from '../util/units.js';
import {
  benchCells,
  benchFailures,
  benchGroups,
  benchSection,
  budgetText,
  complexityText,
  groupTitle,
} from './bench-format.js';
import { comparisonBudgetText, comparisonCells, comparisonOf } from './comparison.js';
import {
  asObj,
  fmtCount,
  fmtNum,
  fmtPct,
  fmtRate,
  formatMs,
  isNum,
  type Obj,
  thresholdFigure,
} from './format.js';
import { budgetOf, capacityText, levelUnit, sweepMeasured, sweepSection } from './sweep-format.js';

/**
 * JUnit XML of a result document that validates against both published schemas CI tools read:
 * the Apache Ant schema (windyroad's JUnit.xsd, which Jenkins, GitLab and the GitHub test
 * reporters follow) and the Jenkins xUnit plugin's junit-10.xsd (test/fixtures/junit/ has both,
 * and a test validates against them with xmllint). One suite for the thresholds (one case each)
 * and one for the checks of `squall run` (one case each), and with `--baseline` one for the
 * comparison (one case per metric compared, a regression a failure). A failed threshold or a check that
 * failed at least once is a `<failure>` whose message carries the figures, in their units (ms,
 * %, /s, bytes); every threshold's actual value is also listed in its suite's `<system-out>`. A
 * run without thresholds gets one `run completed` case in a `run` suite, so that CI never reads
 * "0 tests" for a run that happened (it fails when the run was interrupted or a script broke).
 * A sweep has a `sweep` suite for its own thresholds and, with per-level thresholds, a suite with
 * a case per level (sweepSuites).
 *
 * What both schemas allow decides the shape: Ant's `<testsuites>` takes no attributes (so the
 * totals are the suites' own: tools add them up); Ant wants every suite's `hostname`,
 * `timestamp` (no zone), `package`, `id`, `<properties>`, `<system-out>` and `<system-err>`,
 * and no `<system-out>` inside a case.
 *
 * Times add up to the run: the first suite carries the run's duration and the checks suite 0,
 * since its verdicts are over the same run (tools that add suite times would otherwise count the
 * run twice). The first suite's `<system-out>` ends with one line per endpoint (requests, failures,
p95), after a blank line, so a CI log shows what was loaded. Cases get `time="0"` (as Gatling's do): a threshold or a check is a verdict over
 * the whole run, not a step with a duration of its own.
 *
 * Everything in the file that comes from the test or the target (names, expressions, messages) is
 * escaped, and characters XML 1.0 forbids are dropped, since no parser accepts them even escaped.
 */

// XML 1.0's Char production; lone surrogates (matched one by one under the `u` flag) fall outside.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
// In attributes, whitespace is escaped too: parsers turn a raw newline or tab there into a space.
const ATTR_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

function xmlText(v: unknown): string {
  return String(v ?? '')
    .replace(NOT_XML_CHAR, '')
    .replace(/[&<>]/g, (c) => TEXT_ESCAPES[c]!);
}

function xmlAttr(v: unknown): string {
  return String(v ?? '')
    .replace(NOT_XML_CHAR, '')
    .replace(/[&<>"'\n\r\t]/g, (c) => ATTR_ESCAPES[c]!);
}

function attrs(a: Record<string, unknown>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(v)}"`)
    .join('');
}

/** A figure as plain decimal, the document's precision. */
function num(v: number): string {
  return String(round(v, 3));
}

interface Case {
  name: string;
  classname: string;
  failure?: { type: string; message: string; detail: string };
  skipped?: string;
  /** What the case measured: a line of its suite's `<system-out>`. */
  out?: string;
}

interface Suite {
  name: string;
  cases: Case[];
  /** Seconds; the suites' times add up to the run's. */
  time: string;
}

function thresholdCases(doc: ResultDocument): Case[] {
  const list = Array.isArray(doc.thresholds) ? doc.thresholds : [];
  const metrics = asObj(doc.metrics) ?? {};
  return list
    .filter((t) => asObj(t))
    .map((t) => {
      const metric = String(t.metric ?? '?');
      const expr = String(t.expr ?? '?');
      const c: Case = { name: `${metric}: ${expr}`, classname: 'squall.thresholds' };
      const actual = thresholdFigure(t, metrics) ?? 'no data';
      if (t.ok !== true) {
        c.failure = {
          type: 'threshold',
          message: `${metric} '${expr}' failed: actual ${actual}`,
          detail: `metric: ${metric}\nexpression: ${expr}\nactual: ${actual}\n`,
        };
      }
      c.out = `${c.name}: ${t.ok === true ? 'passed' : 'failed'}, actual ${actual}`;
      return c;
    });
}

/** Why a run without thresholds did not complete, if it did not. */
const NOT_COMPLETED: Record<string, string> = {
  interrupted: 'the run was interrupted before its end',
  'script-error': 'the test script failed',
};

/** The one case of a run without thresholds: it ran to its end, with its figures. */
function runCase(doc: ResultDocument): Case {
  const metrics = asObj(doc.metrics) ?? {};
  const reqs = asObj(metrics.http_reqs);
  const failed = asObj(metrics.http_req_failed);
  const endReason = String(doc.endReason ?? 'completed');
  const summary = [
    `end: ${endReason}`,
    `requests: ${fmtCount(reqs?.count)}`,
    `failed: ${fmtPct(failed?.rate)}`,
    `duration: ${isNum(doc.durationSec) ? `${num(doc.durationSec)}s` : '-'}`,
  ].join('\n');
  const c: Case = { name: 'run completed', classname: 'squall.run', out: summary };
  const why = NOT_COMPLETED[endReason];
  if (why) c.failure = { type: 'run', message: why, detail: `${summary}\n` };
  return c;
}

function checkCases(checks: unknown[]): Case[] {
  return checks
    .map((c) => asObj(c))
    .filter((c): c is Obj => c !== undefined)
    .map((c) => {
      const passes = isNum(c.passes) ? c.passes : 0;
      const fails = isNum(c.fails) ? c.fails : 0;
      const name = String(c.name ?? '?');
      const out: Case = {
        name,
        classname: 'squall.checks',
        out: `${name}: ${passes} passed, ${fails} failed`,
      };
      if (passes + fails === 0) out.skipped = 'the check never ran';
      else if (fails > 0) {
        const total = passes + fails;
        out.failure = {
          type: 'check',
          message: `${fails} of ${total} failed (${passes} passed)`,
          detail: `passes: ${passes}\nfails: ${fails}\n`,
        };
      }
      return out;
    });
}

/**
 * `--baseline`: a suite named for the comparison, a case per metric compared. A regression beyond
 * its budget is a failure whose message has the change, its interval and the budget; every other
 * verdict passes (inconclusive too, as the exit code has it), its words in the suite's output.
 */
function comparisonSuite(doc: ResultDocument): Suite | undefined {
  const c = comparisonOf(doc);
  if (!c) return undefined;
  const [head, ...rows] = comparisonCells(c);
  const col = (name: string) => head!.indexOf(name);
  return {
    name: `compared with ${c.a}`,
    time: '0',
    cases: c.rows.map((r, i) => {
      const cells = rows[i]!;
      const figures = `A ${cells[col('A')]}, B ${cells[col('B')]}, change ${cells[col('change')]} (95 % CI ${cells[col('95 % CI')]})`;
      const verdict = cells[col('verdict')]!;
      const out: Case = {
        name: r.metric,
        classname: 'squall.comparison',
        out: `${r.metric}: ${verdict}; ${figures}`,
      };
      if (r.verdict === 'regressed') {
        const budget = comparisonBudgetText(r);
        out.failure = {
          type: 'regression',
          message: `${r.metric} regressed against ${c.a}: change ${cells[col('change')]}, 95 % CI ${cells[col('95 % CI')]}, budget ${budget}`,
          detail: `A (${c.a}): ${cells[col('A')]}\nB (${c.b}): ${cells[col('B')]}\nchange: ${cells[col('change')]}\n95 % CI: ${cells[col('95 % CI')]}\nbudget: ${budget}\n`,
        };
      }
      return out;
    }),
  };
}

/**
 * A bench document's suites: one per group with a case per bench (a failure when a budget or its
 * speedup expectation failed or it threw), and one `complexity` suite with a case per check.
 */
function benchSuites(b: BenchSection, runTime: string): Suite[] {
  const suites: Suite[] = benchGroups(b).map((g) => ({
    name: groupTitle(g.group),
    time: '0',
    cases: g.benches.map((e) => {
      const cells = benchCells(e);
      const c: Case = {
        name: e.name,
        classname: `squall.bench.${groupTitle(g.group)}`,
        out: `${e.name}: median ${cells[1]}, mean ${cells[2]}, p99 ${cells[3]}, ${cells[4]} ops/s${e.budgets.map((x) => `\n  ${budgetText(x)}`).join('')}`,
      };
      const why = benchFailures(e, b);
      if (why.length > 0)
        c.failure = { type: e.error ? 'error' : 'budget', message: why[0]!, detail: `${why.join('\n')}\n` };
      return c;
    }),
  }));
  if (b.complexity.length > 0) {
    suites.push({
      name: 'complexity',
      time: '0',
      cases: b.complexity.map((x) => {
        const text = complexityText(x);
        const c: Case = { name: x.name, classname: 'squall.bench.complexity', out: text };
        if (x.error || x.ok === false) c.failure = { type: 'complexity', message: text, detail: `${text}\n` };
        return c;
      }),
    });
  }
  if (suites.length === 0) return [{ name: 'bench', time: runTime, cases: [] }];
  suites[0]!.time = runTime;
  return suites;
}

/** `level 8: 1,204 req/s, p95 12.5ms, errors 0.00%`: what a level measured. */
function levelLine(l: SweepSection['levels'][number]): string {
  const p95 = l.latency.p95 === null ? '-' : formatMs(l.latency.p95);
  const marks = [l.saturated ? ', squall saturated' : '', l.allFailed ? ', all failed' : ''].join('');
  return `level ${fmtNum(l.level)}: ${fmtRate(l.rps)} req/s, p95 ${p95}, errors ${fmtPct(l.errorRate)}${marks}`;
}

/**
 * A sweep document's suites: `sweep` with a case per sweep threshold (`sweep_capacity>=20`), or
 * one `sweep completed` case without any (failed when nothing was measured or it was
 * interrupted), its output a line per level; and with per-level thresholds a `levels` suite, a
 * case per level, failed when the level crossed one.
 */
function sweepSuites(doc: ResultDocument, s: SweepSection, runTime: string): Suite[] {
  const unit = levelUnit(s);
  const lines = s.levels.map(levelLine);
  const thresholds = thresholdCases(doc).map((c) => ({ ...c, classname: 'squall.sweep.thresholds' }));
  const cases = thresholds.length > 0 ? thresholds : [sweepCase(doc, s, lines)];
  // The levels' figures follow the cases' own lines in the suite's output.
  const last = cases.at(-1)!;
  if (thresholds.length > 0 && lines.length > 0)
    last.out = `${last.out}\n\nlevels (${unit}):\n${lines.join('\n')}`;
  const suites: Suite[] = [{ name: 'sweep', cases, time: runTime }];
  const judged = s.levels.filter((l) => l.withinBudget !== null);
  if (judged.length > 0) {
    const metrics = asObj(doc.metrics) ?? {};
    suites.push({
      name: `levels within ${budgetOf(s) ?? 'budget'}`,
      time: '0',
      cases: judged.map((l) => {
        const c: Case = {
          name: `level ${fmtNum(l.level)} ${unit}`,
          classname: 'squall.sweep.levels',
          out: `${levelLine(l)}: ${l.withinBudget ? 'within budget' : 'over budget'}`,
        };
        if (l.withinBudget === false) {
          const crossed = l.thresholds
            .filter((t) => t.ok !== true)
            .map((t) => `${t.metric} '${t.expr}' actual ${thresholdFigure(t, metrics) ?? 'no data'}`);
          c.failure = {
            type: 'threshold',
            message: `level ${fmtNum(l.level)} crossed ${crossed.join(', ')}`,
            detail: `${levelLine(l)}\n${crossed.join('\n')}\n${capacityText(s)}\n`,
          };
        }
        return c;
      }),
    });
  }
  return suites;
}

/** The one case of a sweep without sweep thresholds: it measured the service, to its end. */
function sweepCase(doc: ResultDocument, s: SweepSection, lines: string[]): Case {
  const summary = [`end: ${s.endReason}`, ...lines].join('\n');
  const c: Case = { name: 'sweep completed', classname: 'squall.sweep', out: summary };
  const why = !sweepMeasured(s)
    ? 'no request succeeded at the first level: nothing was measured'
    : doc.endReason === 'interrupted' || s.endReason === 'interrupted'
      ? 'the sweep was interrupted before its last level'
      : null;
  if (why) c.failure = { type: 'sweep', message: why, detail: `${summary}\n` };
  return c;
}

function renderCase(c: Case): string {
  const open = `    <testcase${attrs({ name: c.name, classname: c.classname, time: '0' })}`;
  if (c.failure) {
    const f = c.failure;
    return `${open}>\n      <failure${attrs({ message: f.message, type: f.type })}>${xmlText(f.detail)}</failure>\n    </testcase>`;
  }
  if (c.skipped !== undefined)
    return `${open}>\n      <skipped${attrs({ message: c.skipped })}/>\n    </testcase>`;
  return `${open}/>`;
}

function count(s: Suite, what: 'failure' | 'skipped'): number {
  return s.cases.filter((c) => c[what] !== undefined).length;
}

/** The Ant schema's timestamp: UTC without a zone or a fraction; required, so never left out. */
function timestampOf(doc: ResultDocument): string {
  for (const v of [doc.startedAt, doc.endedAt]) {
    const t = Date.parse(String(v ?? ''));
    if (Number.isFinite(t)) return new Date(t).toISOString().slice(0, 19);
  }
  return '1970-01-01T00:00:00';
}

/** The machine that ran the load when the document says (`run.host`); Ant's 'localhost' otherwise. */
function hostnameOf(doc: ResultDocument): string {
  const host = asObj((doc as { run?: unknown }).run)?.host;
  return typeof host === 'string' && host.trim() !== '' ? host : 'localhost';
}

/** `GET /items: 1,204 requests, 3 failed, p95 12.5ms`, one line per endpoint of the run. */
function endpointLines(doc: ResultDocument): string[] {
  const list = (Array.isArray(doc.endpoints) ? doc.endpoints : []).map((e) => asObj(e));
  return list
    .filter((e): e is Obj => e !== undefined && typeof e.name === 'string')
    .map((e) => {
      const p95 = asObj(e.latency)?.p95;
      const latency = isNum(p95) ? `, p95 ${formatMs(p95)}` : '';
      return `  ${e.name}: ${fmtCount(e.count)} requests, ${fmtCount(e.failures)} failed${latency}\n`;
    });
}

/** JUnit XML of a result document's thresholds and checks. */
export function renderJunit(doc: ResultDocument): string {
  const runTime = isNum(doc.durationSec) ? num(doc.durationSec) : '0';
  const timestamp = timestampOf(doc);
  const hostname = hostnameOf(doc);

  const thresholds = thresholdCases(doc);
  const bench = benchSection(doc);
  const sweep = sweepSection(doc);
  const suites: Suite[] = bench
    ? benchSuites(bench, runTime)
    : sweep
      ? sweepSuites(doc, sweep, runTime)
      : thresholds.length > 0
        ? [{ name: 'thresholds', cases: thresholds, time: runTime }]
        : [{ name: 'run', cases: [runCase(doc)], time: runTime }];
  const checks = (doc as { checks?: unknown }).checks;
  // Only `squall run` has checks; quick's document has none to report, not zero that passed.
  if (Array.isArray(checks)) suites.push({ name: 'checks', cases: checkCases(checks), time: '0' });
  const compared = comparisonSuite(doc);
  if (compared) suites.push(compared);

  const properties = [
    ['squall.version', doc.version],
    ['squall.endReason', doc.endReason],
    ['squall.passed', doc.passed],
  ].filter(([, v]) => v !== undefined && v !== null);

  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>'];
  suites.forEach((s, id) => {
    const a = {
      name: s.name,
      tests: s.cases.length,
      failures: count(s, 'failure'),
      errors: 0,
      skipped: count(s, 'skipped'),
      time: s.time,
      timestamp,
      hostname,
      id,
      package: 'squall',
    };
    lines.push(`  <testsuite${attrs(a)}>`, '    <properties>');
    for (const [name, value] of properties) lines.push(`      <property${attrs({ name, value })}/>`);
    lines.push('    </properties>');
    lines.push(...s.cases.map(renderCase));
    const out = s.cases.filter((c) => c.out !== undefined).map((c) => `${c.out}\n`);
    const endpoints = id === 0 ? endpointLines(doc) : [];
    if (endpoints.length > 0) out.push('\nendpoints:\n', ...endpoints);
    lines.push(`    <system-out>${xmlText(out.join(''))}</system-out>`, '    <system-err></system-err>');
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
