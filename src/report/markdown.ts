import { type BenchSection, benchPassed } from '../result/bench-schema.js';
import type {
  EndpointResult,
  MonitorResult,
  MonitorVerdict,
  ResultDocument,
  ThresholdResult,
} from '../result/schema.js';
import {
  BENCH_COLUMNS,
  benchCells,
  benchGroups,
  benchSection,
  budgetText,
  complexityText,
  failureText,
  groupTitle,
  speedupText,
} from './bench-format.js';
import {
  comparisonHeadline,
  comparisonMarkdownTable,
  comparisonOf,
  noRegressionText,
  regressionText,
} from './comparison.js';
import { endpointLabeller } from './endpoint-label.js';
import {
  asObj,
  countRange,
  diedText,
  exitText,
  fmtCount,
  fmtCpu,
  fmtMib,
  fmtPct,
  fmtRate,
  formatMs,
  isMonitorOnly,
  isNum,
  judgesResources,
  metricCells,
  metricKind,
  monitorExited,
  monitoredName,
  monitorLeaks,
  monitorSamples,
  monitorState,
  monitorWarnings,
  type Obj,
  oneLine,
  otherReasons,
  processesSummed,
  resourceState,
  resourceVerdicts,
  rssGrowthText,
  serviceExited,
  thresholdFigure,
} from './format.js';
import { mdText, table } from './markdown-text.js';
import { sweepSection } from './sweep-format.js';
import { sweepBlocks } from './sweep-markdown.js';

/**
 * A Markdown summary of a result document, fit for a pull-request comment or GitHub's step
 * summary: a verdict line, the key figures, then thresholds, endpoints, checks and errors as
 * GitHub-flavoured tables, and the monitored target process with its verdict. A warning up top
 * says when squall itself was saturated, since its figures then measure squall.
 *
 * Names come from the test and the target, so every one is escaped: it cannot end its cell,
 * start a new row, open HTML or become a link. Long tables are cut (and say so) and long names
 * shortened, so the summary stays far below GitHub's 1 MiB step-summary limit.
 */

const MAX_ENDPOINTS = 20;
const MAX_THRESHOLDS = 50;
const MAX_CHECKS = 30;
const MAX_ERRORS = 10;

function ms(v: unknown): string {
  return isNum(v) ? formatMs(v) : '-';
}

function cutNote(shown: number, total: number, what: string, order: string): string[] {
  return shown < total ? ['', `_Showing ${shown} of ${total} ${what}, ${order}._`] : [];
}

const END_REASONS: Record<string, string> = {
  interrupted: 'interrupted; the figures cover the part that ran',
  'threshold-abort': 'aborted by a threshold (abortOnFail)',
  'breaking-point': 'stopped at the breaking point',
  'script-error': 'stopped by a script error',
};

function header(doc: ResultDocument): string[] {
  const thresholds = (Array.isArray(doc.thresholds) ? doc.thresholds : []).filter((t) => asObj(t));
  const failed = thresholds.filter((t) => t.ok !== true).length;
  const comparison = comparisonOf(doc);
  // A regression beyond its budget fails the run even when every threshold passed.
  const regressed = comparison && regressionText(comparison);
  // A watched process that died fails the run, whichever flag named it.
  const passed = doc.passed !== false && failed === 0 && !monitorExited(doc) && !regressed;
  let verdict: string;
  if (!passed) {
    const why: string[] = [];
    if (failed > 0) why.push(`${failed} of ${thresholds.length} thresholds crossed`);
    else if (serviceExited(doc)) why.push('the service under test exited while in use');
    else if (monitorExited(doc)) why.push('the watched process exited while in use');
    if (regressed) why.push(mdText(regressed, 300));
    verdict = why.length > 0 ? `failed: ${why.join('; ')}` : 'failed';
  } else {
    const met: string[] = [];
    if (thresholds.length > 0)
      met.push(`${thresholds.length === 1 ? 'the threshold' : `all ${thresholds.length} thresholds`} met`);
    if (comparison) met.push(mdText(noRegressionText(comparison), 300));
    verdict = met.length > 0 ? `passed: ${met.join('; ')}` : 'completed (no thresholds)';
  }
  const config = asObj(doc.config) ?? {};
  const target = [config.url, config.target].find((v): v is string => typeof v === 'string' && v !== '');
  const method = typeof config.method === 'string' && target ? `${config.method.toUpperCase()} ` : '';
  const parts = [`${passed ? '✅' : '❌'} squall ${verdict}`];
  if (isMonitorOnly(doc)) parts.push(mdText(monitoredName(doc), 600));
  else if (target) parts.push(mdText(`${method}${target}`, 200));
  const lines = [`### ${parts.join(' · ')}`];
  const reason = typeof doc.endReason === 'string' ? doc.endReason : 'completed';
  if (reason !== 'completed') lines.push('', `⚠️ Ended early: ${END_REASONS[reason] ?? mdText(reason)}.`);
  const failedMetric = asObj(asObj(doc.metrics)?.http_req_failed);
  if (failedMetric && failedMetric.rate === 1 && isNum(failedMetric.total) && failedMetric.total > 0) {
    lines.push(
      '',
      `⚠️ All ${fmtCount(failedMetric.total)} requests failed: the target never answered successfully.`,
    );
  }
  const bp = asObj(doc.breakingPoint);
  if (bp) {
    lines.push(
      '',
      `💥 Breaking point at ${fmtRate(bp.rate)} req/s (last healthy ${fmtRate(bp.lastHealthyRate)} req/s): ${mdText(bp.reason, 200)}`,
    );
  }
  const mon = asObj(doc.monitor) as Partial<MonitorResult> | undefined;
  if (mon && monitorState(mon) === 'leak') {
    const leaks = monitorLeaks(mon);
    lines.push(
      '',
      judgesResources(mon)
        ? `⚠️ Leak suspected in the target process${leaks.length > 0 ? `: ${leaks.join(', ')}` : ''} (see Target process).`
        : '⚠️ Memory leak suspected in the target process (see Target process).',
    );
  }
  // Doubts about what was watched come before any figure of it.
  for (const w of mon ? monitorWarnings(mon) : []) lines.push('', `⚠️ ${mdText(w, 400)}`);
  lines.push(...saturation(doc));
  return lines;
}

/** When squall ran out of CPU or its event loop lagged, its latencies include its own delay. */
function saturation(doc: ResultDocument): string[] {
  const gen = asObj(doc.generator);
  if (gen?.saturated !== true) return [];
  const reasons = (Array.isArray(gen.reasons) ? gen.reasons : []).filter((r) => typeof r === 'string');
  return [
    '',
    '⚠️ **squall itself was saturated: the figures measure squall, not the target.** ' +
      'Run again with less load (fewer connections or VUs) and compare, or run squall on a bigger ' +
      'machine, apart from the target.',
    ...(reasons.length > 0 ? ['', ...reasons.map((r) => `- ${mdText(r, 400)}`)] : []),
  ];
}

function keyFigures(doc: ResultDocument): string[] {
  // Monitoring alone sends no requests: a row of zeros would say nothing.
  if (isMonitorOnly(doc)) return [];
  const m = asObj(doc.metrics) ?? {};
  const reqs = asObj(m.http_reqs) ?? {};
  const dur = asObj(m.http_req_duration) ?? {};
  const failed = asObj(m.http_req_failed) ?? {};
  const timed = !isNum(dur.count) || dur.count > 0;
  const lat = (v: unknown) => (timed ? ms(v) : '-');
  const errors = isNum(failed.fails)
    ? `${fmtPct(failed.rate)} (${fmtCount(failed.fails)})`
    : fmtPct(failed.rate);
  return table(
    ['Requests', 'RPS', 'p50', 'p95', 'p99', 'Error rate', 'Duration'],
    ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    [
      [
        fmtCount(reqs.count),
        fmtRate(reqs.rate),
        lat(dur.p50),
        lat(dur.p95),
        lat(dur.p99),
        errors,
        isNum(doc.durationSec) ? formatMs(doc.durationSec * 1000) : '-',
      ],
    ],
  );
}

/** A threshold's actual value in its metric's unit, as every output writes it. */
function actualOf(t: ThresholdResult, metrics: Obj): string {
  return thresholdFigure(t, metrics) ?? 'no data';
}

function thresholds(doc: ResultDocument): string[] {
  const list = (Array.isArray(doc.thresholds) ? doc.thresholds : []).filter((t) => asObj(t));
  if (list.length === 0) return [];
  const metrics = asObj(doc.metrics) ?? {};
  // Crossed thresholds first: they are what the reader came for.
  const sorted = [...list.filter((t) => t.ok !== true), ...list.filter((t) => t.ok === true)];
  const shown = sorted.slice(0, MAX_THRESHOLDS);
  return [
    '#### Thresholds',
    '',
    ...table(
      ['', 'Metric', 'Expression', 'Actual'],
      ['c', 'l', 'l', 'r'],
      shown.map((t) => [t.ok === true ? '✅' : '❌', mdText(t.metric), mdText(t.expr), actualOf(t, metrics)]),
    ),
    ...cutNote(shown.length, list.length, 'thresholds', 'crossed ones first'),
  ];
}

function endpoints(doc: ResultDocument): string[] {
  const list = (Array.isArray(doc.endpoints) ? doc.endpoints : []).filter((e) => asObj(e));
  if (list.length === 0) return [];
  const countOf = (e: EndpointResult) => (isNum(e.count) ? e.count : 0);
  const shown = [...list].sort((a, b) => countOf(b) - countOf(a)).slice(0, MAX_ENDPOINTS);
  const label = endpointLabeller(list);
  const row = (e: EndpointResult): string[] => {
    const lat = asObj(e.latency) ?? {};
    // Requests that got no response (refused, timeout) have no duration: no latency to show.
    const codes = asObj(e.statusCodes);
    const timed = !codes || Object.values(codes).some((n) => isNum(n) && n > 0);
    const t = (v: unknown) => (timed ? ms(v) : '-');
    const fails = isNum(e.failures) && e.failures > 0 && isNum(e.count) && e.count > 0;
    return [
      mdText(label(e)),
      fmtCount(e.count),
      fails
        ? `${fmtCount(e.failures)} (${fmtPct((e.failures as number) / (e.count as number))})`
        : fmtCount(e.failures),
      fmtRate(e.rps),
      t(lat.p50),
      t(lat.p95),
      t(lat.p99),
      t(lat.max),
    ];
  };
  return [
    '#### Endpoints',
    '',
    ...table(
      ['Endpoint', 'Requests', 'Failures', 'RPS', 'p50', 'p95', 'p99', 'Max'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      shown.map(row),
    ),
    ...cutNote(shown.length, list.length, 'endpoints', 'the most requested'),
  ];
}

/**
 * Every metric with its figures in its unit, as the console's TOTAL RESULTS shows them, folded
 * away (a pull-request comment leads with the verdict and the key figures).
 */
function allMetrics(doc: ResultDocument): string[] {
  if (isMonitorOnly(doc)) return [];
  const metrics = asObj(doc.metrics) ?? {};
  const rows = Object.keys(metrics)
    .sort()
    .map((name) => {
      const m = asObj(metrics[name]);
      const cells = m ? metricCells(name, m) : [];
      return cells.length === 0 ? undefined : [mdText(name), metricKind(m), mdText(cells.join(' · '), 400)];
    })
    .filter((r): r is string[] => r !== undefined);
  if (rows.length === 0) return [];
  return [
    '<details><summary>All metrics</summary>',
    '',
    ...table(['Metric', 'Kind', 'Figures'], ['l', 'l', 'l'], rows),
    '',
    '</details>',
  ];
}

function checks(doc: ResultDocument): string[] {
  const raw = (doc as { checks?: unknown }).checks;
  const list = (Array.isArray(raw) ? raw : []).map((c) => asObj(c)).filter((c): c is Obj => c !== undefined);
  if (list.length === 0) return [];
  const failsOf = (c: Obj) => (isNum(c.fails) ? c.fails : 0);
  // Failing checks first, most failures first; the rest keep the test's order.
  const sorted = [...list.filter((c) => failsOf(c) > 0).sort((a, b) => failsOf(b) - failsOf(a))];
  sorted.push(...list.filter((c) => failsOf(c) === 0));
  const shown = sorted.slice(0, MAX_CHECKS);
  return [
    '#### Checks',
    '',
    ...table(
      ['', 'Check', 'Passes', 'Fails'],
      ['c', 'l', 'r', 'r'],
      shown.map((c) => [failsOf(c) > 0 ? '❌' : '✅', mdText(c.name), fmtCount(c.passes), fmtCount(c.fails)]),
    ),
    ...cutNote(shown.length, list.length, 'checks', 'failing ones first'),
  ];
}

function errors(doc: ResultDocument): string[] {
  const list = (Array.isArray(doc.errors) ? doc.errors : [])
    .map((e) => asObj(e))
    .filter((e): e is Obj => e !== undefined && isNum(e.count) && e.count > 0);
  if (list.length === 0) return [];
  const sorted = [...list].sort((a, b) => (b.count as number) - (a.count as number));
  const shown = sorted.slice(0, MAX_ERRORS);
  return [
    '#### Errors',
    '',
    ...table(
      ['Error', 'Count', 'Example'],
      ['l', 'r', 'l'],
      shown.map((e) => [mdText(e.kind), fmtCount(e.count), mdText(e.example)]),
    ),
    ...cutNote(shown.length, list.length, 'kinds of error', 'the most frequent'),
  ];
}

const VERDICTS: Record<MonitorVerdict, string> = {
  healthy: '✅ **Healthy**',
  leak: '❌ **Leak suspected**',
  inconclusive: '❔ **Inconclusive**',
};
const RESOURCE_MARKS: Record<MonitorVerdict, string> = { healthy: '✅', leak: '❌', inconclusive: '❔' };
const MAX_TAIL = 10;

/** The headline of the section: the leaking resources by name, and a death never "Healthy". */
function stateLine(m: Partial<MonitorResult>): string {
  const state = monitorState(m);
  if (state === 'leak') {
    const leaks = monitorLeaks(m);
    const which = judgesResources(m) && leaks.length > 0 ? `: ${leaks.join(', ')}` : '';
    return `${VERDICTS.leak}${which}`;
  }
  if (state === 'died') return `❌ **Died**: ${mdText(diedText({ monitor: m as MonitorResult }), 200)}`;
  return state === 'none' ? '✅ **No leak suspected**' : VERDICTS[state];
}

/** `- ❌ **memory: leak** · sentence`, one line per resource judged. */
function resourceLines(m: Partial<MonitorResult>): string[] {
  return resourceVerdicts(m).map(({ resource, r }) => {
    const state = resourceState(m, r);
    // A process that died showed no leak while it lived: that is not "healthy".
    const [mark, text] = state === 'unseen' ? ['➖', 'no leak seen'] : [RESOURCE_MARKS[state], state];
    return `- ${mark} **${resource}: ${text}** · ${mdText(r.sentence, 400)}`;
  });
}

/** Lines printed by the service, in a fence no line of theirs can close. */
function codeBlock(lines: string[]): string[] {
  const clean = lines.map((l) => oneLine(l.replace(/\p{Cc}/gu, ' '), 200));
  const longest = Math.max(
    0,
    ...clean.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))),
  );
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, ...clean, fence];
}

/** The monitored process: its verdict, the reasons, and the figures they rest on. */
function targetProcess(doc: ResultDocument): string[] {
  const m = asObj(doc.monitor) as Partial<MonitorResult> | undefined;
  if (!m) return [];
  const samples = monitorSamples(m);
  const processes = processesSummed(samples);
  const who = [
    isNum(m.pid) ? `pid ${m.pid}` : '',
    processes > 1 ? `${processes} processes summed` : '',
    typeof m.cmd === 'string' && m.cmd !== '' ? mdText(m.cmd, 500) : '',
    `${fmtCount(samples.length)} samples${isNum(m.intervalMs) ? ` every ${m.intervalMs / 1000}s` : ''}`,
  ].filter(Boolean);
  const reasons = otherReasons(m);
  const lines = [...resourceLines(m), ...reasons.map((r) => `- ${mdText(r, 400)}`)];
  const exit = asObj(m.exit);
  const rows: Array<[string, string]> = [
    ['RSS start / peak / end', `${fmtMib(m.rssStartMb)} / ${fmtMib(m.rssPeakMb)} / ${fmtMib(m.rssEndMb)}`],
    ['RSS growth', rssGrowthText(m)],
    ['CPU avg / peak', isNum(m.cpuAvgPct) ? `${fmtCpu(m.cpuAvgPct)} / ${fmtCpu(m.cpuPeakPct)}` : ''],
    [
      'Threads',
      countRange(
        m.threadsStart,
        m.threadsEnd,
        m.threadsPeak,
        m.threadsGrowthPerMin,
        asObj(m.resources)?.threads,
      ),
    ],
    ['Open files', countRange(m.fdsStart, m.fdsEnd, m.fdsPeak, m.fdsGrowthPerMin, asObj(m.resources)?.fds)],
    ['Exit', exit ? mdText(exitText(exit), 200) : ''],
  ];
  const tail = exit && Array.isArray(exit.tail) ? exit.tail.filter((l) => typeof l === 'string') : [];
  return [
    '#### Target process',
    '',
    `${stateLine(m)} · ${who.join(' · ')}`,
    ...(lines.length > 0 ? ['', ...lines] : []),
    '',
    ...table(
      ['Figure', 'Value'],
      ['l', 'l'],
      rows.filter(([, value]) => value !== ''),
    ),
    ...(tail.length > 0 ? ['', 'Its last output:', '', ...codeBlock(tail.slice(-MAX_TAIL))] : []),
  ];
}

/** `--baseline`: the run against its baseline, as `squall compare -o md=` writes the table. */
function compared(doc: ResultDocument): string[] {
  const c = comparisonOf(doc);
  if (!c) return [];
  return [
    `#### Compared with ${mdText(c.a, 200)}`,
    '',
    mdText(comparisonHeadline(c), 400),
    '',
    ...comparisonMarkdownTable(c, (t) => mdText(t)),
  ];
}

/**
 * A bench document for a PR: the verdict, one table per group (as the console prints them) with
 * its budgets and speedups, the complexity fits, the warnings.
 */
function benchBlocks(doc: ResultDocument, b: BenchSection): string[][] {
  const comparison = comparisonOf(doc);
  const regressed = comparison && regressionText(comparison);
  const failed =
    doc.passed === false || regressed
      ? [
          ...(!benchPassed(b) || !regressed
            ? ['a budget, speedup or complexity expectation failed, or a bench threw']
            : []),
          ...(regressed ? [mdText(regressed, 300)] : []),
        ]
      : [];
  const verdict =
    failed.length > 0
      ? `❌ squall bench failed: ${failed.join('; ')}`
      : `✅ squall bench passed: ${b.benches.length} benches${comparison ? `; ${mdText(noRegressionText(comparison), 300)}` : ''}`;
  const env = [b.environment.node && `node ${b.environment.node}`, b.environment.cpu].filter((x) => x);
  const blocks: string[][] = [
    [`### ${verdict}`, ...(env.length > 0 ? ['', mdText(env.join(' · '), 200)] : [])],
    compared(doc),
  ];
  for (const g of benchGroups(b)) {
    const notes: string[] = [];
    for (const e of g.benches) {
      if (e.error) notes.push(`- ❌ ${mdText(e.name)}: ${mdText(failureText(e), 300)}`);
      for (const x of e.budgets) notes.push(`- ${mdText(e.name)}: ${mdText(budgetText(x), 200)}`);
      for (const w of e.warnings) notes.push(`- ⚠️ ${mdText(e.name)}: ${mdText(w, 300)}`);
    }
    for (const s of b.speedups.filter((x) => x.group === g.group))
      notes.push(`- ${mdText(speedupText(s), 300)}`);
    blocks.push([
      `#### ${mdText(groupTitle(g.group))}`,
      '',
      ...table(
        [...BENCH_COLUMNS],
        ['l', 'r', 'r', 'r', 'r', 'r'],
        g.benches.map((e) => benchCells(e).map((c) => mdText(c))),
      ),
      ...(notes.length > 0 ? ['', ...notes] : []),
    ]);
  }
  if (b.complexity.length > 0) {
    blocks.push(['#### Complexity', '', ...b.complexity.map((c) => `- ${mdText(complexityText(c), 300)}`)]);
  }
  const warnings = Array.isArray(doc.warnings) ? doc.warnings : [];
  if (warnings.length > 0)
    blocks.push(['#### Warnings', '', ...warnings.map((w) => `- ⚠️ ${mdText(w, 300)}`)]);
  return blocks;
}

/** A Markdown summary of a result document for a pull request; ends with a newline. */
export function renderMarkdown(doc: ResultDocument): string {
  const bench = benchSection(doc);
  const sweep = sweepSection(doc);
  const blocks = bench
    ? benchBlocks(doc, bench)
    : sweep
      ? sweepBlocks(doc, sweep)
      : [
          header(doc),
          keyFigures(doc),
          compared(doc),
          thresholds(doc),
          endpoints(doc),
          checks(doc),
          errors(doc),
          targetProcess(doc),
          allMetrics(doc),
        ];
  return `${blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n')}\n`;
}
