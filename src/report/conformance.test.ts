import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  LOCUST_FAILURES_HEADER,
  LOCUST_HISTORY_HEADER,
  LOCUST_STATS_HEADER,
} from '../../test/helpers/locust-csv.js';
import { QUICK_OUTPUT_KINDS, REPORT_OUTPUT_KINDS } from '../config/quick.js';
import type { ResultDocument } from '../result/schema.js';
import { renderSummary } from './console.js';
import { FILE_REPORTERS, fileReporter, fileReporterKinds, type RenderedFile } from './registry.js';

/**
 * The reporters' conformance suite: every registered file reporter, and the console summary that
 * `squall report` prints, over every document in test/fixtures/results (real runs: full, quick,
 * monitor, all refused, interrupted and partial, schema 1 from the last schema-1 main), the same
 * documents with schema 2's fields added, and two malformed ones. A reporter added to the
 * registry is tested here without a line more, except its format check in WELL_FORMED.
 */

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/results');

type Doc = Record<string, unknown>;

const realDocs: [string, Doc][] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Doc]);

/** What readers of older or broken files have met: nothing at all, and fields of the wrong type. */
const malformed: [string, Doc][] = [
  ['empty {}', {}],
  [
    'null and text for lists',
    { metrics: null, endpoints: null, timeline: 'x', errors: {}, thresholds: 'x', checks: 'x', monitor: 'x' },
  ],
  [
    'wrong types',
    {
      schema: 1,
      metrics: { http_reqs: { count: null }, weird: 'x', 'custom_tokens{model:a}': { count: 3, rate: 1 } },
      endpoints: [null, 3, { name: 'x' }],
      errors: [null, { kind: 'boom' }],
      thresholds: [null, 3, { metric: 'nope', expr: '???', ok: false, actual: null }],
      timeline: [null, {}, { t: 3 }],
      checks: 'x',
      durationSec: 'n',
      monitor: { samples: 'none' },
    },
  ],
];

const isObj = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An HDR histogram's compressed base64 form, as schema 2 stores it (values x 1000). */
function histogramOf(values: number[]): string {
  const h = hdr.build();
  for (const v of values) h.recordValue(Math.max(0, Math.round(v * 1000)));
  return hdr.encodeIntoCompressedBase64(h);
}

function kindOf(m: Doc): [string, string] {
  if ('p95' in m) return ['trend', 'ms'];
  if ('fails' in m || 'passes' in m) return ['rate', 'ratio'];
  if ('value' in m) return ['gauge', 'count'];
  return ['counter', 'count'];
}

/** The document with schema 2's fields (docs/result-schema.md) added, as h2's writer adds them. */
function withSchema2(doc: Doc): Doc {
  const d = structuredClone(doc);
  d.schema = 2;
  d.kind = (d.config as Doc | undefined)?.command === 'monitor' ? 'monitor' : 'load';
  d.run = { name: 'fixture', labels: { team: 'qa' }, git: { commit: 'abc', branch: 'main', dirty: false } };
  for (const m of Object.values(isObj(d.metrics) ? d.metrics : {})) {
    if (!isObj(m)) continue;
    [m.kind, m.unit] = kindOf(m);
    if (m.kind === 'trend')
      m.histogram = histogramOf([m.p50, m.p95, m.max].filter(Number.isFinite) as number[]);
  }
  const timeline = Array.isArray(d.timeline) ? d.timeline : [];
  for (const e of Array.isArray(d.endpoints) ? d.endpoints : []) {
    if (!isObj(e)) continue;
    const lat = isObj(e.latency) ? e.latency : {};
    e.histogram = histogramOf([lat.p50, lat.p99].filter(Number.isFinite) as number[]);
    e.timeline = timeline
      .filter(isObj)
      .map((p) => ({ t: p.t, rps: 1, p50: 1, p95: 2, p99: 3, errors: 0, requests: 1 }));
  }
  for (const t of Array.isArray(d.thresholds) ? d.thresholds : []) {
    if (isObj(t)) t.aggregation = String(t.expr ?? '').replace(/[<>=!].*$/, '');
  }
  return d;
}

const DOCS: [string, Doc][] = [
  ...realDocs,
  ...realDocs
    .filter(([, d]) => d.schema === 1)
    .map(([n, d]): [string, Doc] => [`${n} + schema 2`, withSchema2(d)]),
  ...malformed,
];

/**
 * The exports for benchmark trackers carry figures, not reports: a bench that threw before any
 * sample, or an endpoint without a single figure, has nothing to plot and no entry.
 */
const METRIC_EXPORTS = new Set(['bencher', 'github-benchmark']);
const hasFigure = (v: unknown): boolean =>
  typeof v === 'number' || (isObj(v) && Object.values(v).some(hasFigure));

/** The bench and complexity names of a bench document: every reporter names each (CSV: benches). */
function benchNames(kind: string, doc: Doc): string[] {
  const b = isObj(doc.bench) ? doc.bench : {};
  if (METRIC_EXPORTS.has(kind)) {
    const benches = (Array.isArray(b.benches) ? b.benches : []).filter((e) => isObj(e) && isObj(e.stats));
    const checks = (Array.isArray(b.complexity) ? b.complexity : []).filter(
      (c) => isObj(c) && Array.isArray(c.sizes) && c.sizes.length > 0,
    );
    return [...benches, ...checks].map((e) => String((e as Doc).name));
  }
  // The CSV has a row per bench only: a complexity check is a curve, not a row of statistics.
  const complexity = kind !== 'csv' && Array.isArray(b.complexity) ? b.complexity : [];
  return [...(Array.isArray(b.benches) ? b.benches : []), ...complexity]
    .filter(isObj)
    .map((e) => String(e.name));
}

/** The endpoint names a document holds (malformed entries hold none). */
function endpointNames(doc: Doc, kind = ''): string[] {
  const list = Array.isArray(doc.endpoints) ? doc.endpoints : [];
  return list
    .filter(isObj)
    .filter((e) => !METRIC_EXPORTS.has(kind) || hasFigure({ ...e, name: null, method: null }))
    .flatMap((e) => (typeof e.name === 'string' ? [e.name] : []));
}

/**
 * The text a person reads. The HTML page's inlined libraries (uPlot and the page script) are
 * code, where `undefined` and `NaN` are words of the language; what it shows is the title and
 * the embedded document (drawn in a browser by test/e2e/html-report.test.ts).
 */
function readable(kind: string, text: string): string {
  if (kind !== 'html') return text;
  return text.replace(/<script>[\s\S]*?<\/script>/g, '');
}

/** How each kind names an endpoint: Locust's CSV splits `GET /path` into Type and Name. */
function mention(kind: string, name: string): string {
  return kind === 'csv' ? name.replace(/^([A-Z]+) /, '$1,') : name;
}

const rowsOf = (text: string) => parseCsv(text, { relax_column_count: true }) as string[][];

/** Each kind's own format, read back by a real parser where there is one. */
const WELL_FORMED: Record<string, (files: RenderedFile[], doc: Doc) => void> = {
  json: ([f]) => expect(JSON.parse(f!.text)).toBeTypeOf('object'),
  html: ([f], doc) => {
    expect(f!.text.startsWith('<!doctype html>')).toBe(true);
    const data = /<script type="application\/json" id="squall-result">([\s\S]*?)<\/script>/.exec(f!.text);
    expect(JSON.parse(data![1]!)).toEqual(JSON.parse(JSON.stringify(doc)));
  },
  csv: ([stats, history, failures], doc) => {
    if (doc.kind === 'sweep') {
      // A sweep document: its one file, a row per level.
      const levels = (doc.sweep as { levels: { level: number }[] }).levels;
      expect(stats!.suffix).toBe('_sweep.csv');
      expect(history).toBeUndefined();
      expect(
        rowsOf(stats!.text)
          .slice(1)
          .map((r) => Number(r[0])),
      ).toEqual(levels.map((l) => l.level));
      return;
    }
    if (doc.kind === 'bench') {
      // A bench document: one row per bench after its own header; Locust's other two files.
      const benches = (doc.bench as { benches: { name: string }[] }).benches;
      expect(
        rowsOf(stats!.text)
          .slice(1)
          .map((r) => r[2]),
      ).toEqual(benches.map((b) => b.name));
      expect(rowsOf(history!.text)[0]).toEqual(LOCUST_HISTORY_HEADER);
      expect(rowsOf(failures!.text)[0]).toEqual(LOCUST_FAILURES_HEADER);
      return;
    }
    expect(rowsOf(stats!.text)[0]).toEqual(LOCUST_STATS_HEADER);
    expect(rowsOf(stats!.text).at(-1)?.slice(0, 2)).toEqual(['', 'Aggregated']);
    expect(rowsOf(history!.text)[0]).toEqual(LOCUST_HISTORY_HEADER);
    expect(rowsOf(failures!.text)[0]).toEqual(LOCUST_FAILURES_HEADER);
  },
  junit: ([f]) => expect(XMLValidator.validate(f!.text)).toBe(true),
  md: ([f]) => expect(f!.text.startsWith('### ')).toBe(true),
  // Bencher's published schema (bencher.dev/bmf.json): benchmark -> measure -> { value, lower_value?, upper_value? }.
  bencher: ([f], doc) => {
    const bmf = JSON.parse(f!.text) as Record<string, Record<string, Record<string, number>>>;
    expect(isObj(bmf)).toBe(true);
    if (doc.config && (doc.config as Doc).command === 'monitor') expect(bmf).toEqual({});
    for (const measures of Object.values(bmf)) {
      expect(Object.keys(measures).length).toBeGreaterThan(0);
      for (const m of Object.values(measures)) {
        expect(Object.keys(m).every((k) => ['value', 'lower_value', 'upper_value'].includes(k))).toBe(true);
        expect(Number.isFinite(m.value)).toBe(true);
        if ('lower_value' in m) expect(m.lower_value).toBeLessThanOrEqual(m.value!);
        if ('upper_value' in m) expect(m.upper_value).toBeGreaterThanOrEqual(m.value!);
      }
    }
  },
  // github-action-benchmark's custom tools: an array of { name, unit, value, range?, extra? }, names unique.
  'github-benchmark': ([f], doc) => {
    const list = JSON.parse(f!.text) as Doc[];
    expect(Array.isArray(list)).toBe(true);
    if (doc.config && (doc.config as Doc).command === 'monitor') expect(list).toEqual([]);
    expect(new Set(list.map((e) => e.name)).size).toBe(list.length);
    for (const e of list) {
      expect(typeof e.name).toBe('string');
      expect(['ms', '%']).toContain(e.unit);
      expect(Number.isFinite(e.value)).toBe(true);
      if ('range' in e) expect(e.range).toMatch(/^± /);
      if ('extra' in e) expect(typeof e.extra).toBe('string');
    }
  },
};

const SUBJECTS: { kind: string; render: (doc: ResultDocument) => Promise<RenderedFile[]> }[] = [
  ...FILE_REPORTERS,
  // Not an -o kind, but what `squall report FILE` prints from the same documents.
  { kind: 'console', render: async (doc) => [{ suffix: '', text: renderSummary(doc, { color: false }) }] },
];

describe('the reporter registry', () => {
  it('holds json, html, csv, junit, md, bencher and github-benchmark, each found by its kind and aliases', () => {
    expect(FILE_REPORTERS.map((r) => r.kind)).toEqual([
      'json',
      'html',
      'csv',
      'junit',
      'md',
      'bencher',
      'github-benchmark',
    ]);
    for (const r of FILE_REPORTERS) {
      for (const name of [r.kind, ...r.aliases]) expect(fileReporter(name)).toBe(r);
      expect(r.extension).toMatch(/^\.[a-z]+$/);
      expect(r.suffixes.length).toBeGreaterThan(0);
    }
    expect(fileReporter('markdown')?.kind).toBe('md');
    expect(fileReporter('prometheus')).toBeUndefined();
  });

  it("is what config's -o accepts: every file kind and alias, plus the live outputs for runs", () => {
    expect([...REPORT_OUTPUT_KINDS].sort()).toEqual(fileReporterKinds().sort());
    expect(QUICK_OUTPUT_KINDS.filter((k) => !fileReporter(k))).toEqual(['prometheus', 'prometheus-rw']);
    expect(QUICK_OUTPUT_KINDS.filter((k) => fileReporter(k)).sort()).toEqual(fileReporterKinds().sort());
  });

  it('has a format check for every registered kind', () => {
    expect(Object.keys(WELL_FORMED).sort()).toEqual(FILE_REPORTERS.map((r) => r.kind).sort());
  });

  it('has the fixtures the suite promises', () => {
    const names = realDocs.map(([n]) => n);
    for (const f of ['schema1-quick.json', 'schema1-run.json', 'schema1-monitor.json', 'run-full.json']) {
      expect(names).toContain(f);
    }
    const [, full] = realDocs.find(([n]) => n === 'run-full.json')!;
    expect(endpointNames(full).length).toBeGreaterThan(2);
    expect((full.thresholds as Doc[]).map((t) => t.ok)).toEqual(expect.arrayContaining([true, false]));
    expect(full.monitor).toBeTypeOf('object');
    // The bench document holds every case a bench renderer meets (docs/result-schema.md).
    const [, bench] = realDocs.find(([n]) => n === 'bench.json')!;
    const b = bench.bench as Doc & { benches: Doc[]; speedups: Doc[]; complexity: Doc[] };
    expect(new Set(b.benches.map((e) => e.group)).size).toBeGreaterThan(2);
    expect(b.speedups.map((x) => x.ok)).toEqual(expect.arrayContaining([true, false]));
    expect(b.benches.some((e) => (e.concurrency as number) > 1)).toBe(true);
    expect(b.benches.some((e) => e.error !== null)).toBe(true);
    expect(b.benches.flatMap((e) => e.budgets as Doc[]).map((x) => x.ok)).toContain(false);
    expect(b.complexity.length).toBeGreaterThan(0);
  });
});

describe.each(SUBJECTS)('reporter $kind', ({ kind, render }) => {
  it.each(DOCS)('renders %s', async (_name, doc) => {
    const files = await render(doc as unknown as ResultDocument);
    expect(files.length).toBeGreaterThan(0);
    const whole = files.map((f) => readable(kind, f.text)).join('\n');
    for (const f of files) expect(f.text.trim()).not.toBe('');
    expect(whole).not.toMatch(/undefined|NaN|\[object Object\]/);
    for (const name of endpointNames(doc, kind)) expect(whole).toContain(mention(kind, name));
    for (const name of benchNames(kind, doc)) expect(whole).toContain(name);
    WELL_FORMED[kind]?.(files, doc);
  });
});
