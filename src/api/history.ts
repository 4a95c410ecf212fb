import { existsSync, writeFileSync } from 'node:fs';
import { changePoints } from '../analysis/change-points.js';
import { badFlag, SquallError } from '../errors/index.js';
import { renderSummary } from '../report/console.js';
import { renderJson } from '../report/json.js';
import { sparkline } from '../report/sparkline.js';
import { renderTrendHtml, type TrendPage, trendUnit } from '../report/trend-html.js';
import { type MetricReading, readMetric } from '../result/metric-reading.js';
import { readResultFile } from '../result/read.js';
import type { ResultDocument } from '../result/schema.js';
import { openStore } from '../store/open.js';
import type { HistoryStore, StoredRun } from '../store/types.js';
import { didYouMean } from '../util/suggest.js';
import { type SessionIO, useColor } from './io.js';

/**
 * `squall history` and `squall baseline`: what the store kept, looked at from the CLI or from
 * code. Every function opens the store (`--store`, SQUALL_STORE, else .squall/history.db), does
 * one thing and closes it.
 */

export interface StoreOptions {
  /** `--store`: a SQLite path or a postgres:// URL; undefined for SQUALL_STORE or the default. */
  store?: string;
  cwd: string;
}

type IO = Pick<SessionIO, 'stdout' | 'stderr' | 'env'>;

export async function withStore<T>(o: StoreOptions, io: IO, f: (s: HistoryStore) => Promise<T>): Promise<T> {
  const store = await openStore(o.store ?? (io.env.SQUALL_STORE || undefined), o.cwd, { create: false });
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

function notFound(
  what: string,
  store: HistoryStore,
  hint = 'squall history list shows the saved runs',
): SquallError {
  return new SquallError('SQ_HISTORY_NOT_FOUND', `${what} is not in the history at ${store.location}`, {
    hint,
  });
}

/** A run id as typed: a whole number ≥ 1. */
export function parseRunId(text: string, what = 'a run id'): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new SquallError('SQ_USAGE_BAD_FLAG', `${what} must be a run number such as 12, got "${text}"`, {
      hint: 'squall history list shows the saved runs and their numbers',
    });
  return n;
}

/**
 * A document named as `compare` and `baseline set` take it: a result file, a run id, `last`
 * (the newest run, of `name` when given), or `baseline:NAME`.
 */
export async function resolveRef(
  ref: string,
  store: () => Promise<HistoryStore>,
  name?: string,
): Promise<{ doc: ResultDocument; label: string; id: number | null }> {
  if (/^\d+$/.test(ref) && !existsSync(ref)) {
    const s = await store();
    const got = await s.get(Number(ref));
    if (!got) throw notFound(`run ${ref}`, s);
    return { doc: got.doc, label: `run ${ref}`, id: Number(ref) };
  }
  if (ref === 'last') {
    const s = await store();
    const last = await s.last(name);
    if (!last) throw notFound(name ? `a run of '${name}'` : 'a run', s, 'save one with --save');
    const got = await s.get(last.id);
    return { doc: got!.doc, label: `run ${last.id} (last)`, id: last.id };
  }
  if (ref.startsWith('baseline:')) {
    const s = await store();
    const bname = ref.slice('baseline:'.length);
    const id = await s.getBaseline(bname);
    if (id === null) {
      const near = didYouMean(
        bname,
        (await s.listBaselines()).map((b) => b.name),
      );
      throw notFound(
        `the baseline '${bname}'`,
        s,
        `${near ? `${near} ` : ''}squall baseline list shows the baselines`,
      );
    }
    const got = await s.get(id);
    if (!got) throw notFound(`run ${id} (baseline '${bname}')`, s);
    return { doc: got.doc, label: `baseline ${bname} (run ${id})`, id };
  }
  return { doc: readResultFile(ref), label: ref, id: null };
}

const pad = (rows: string[][]): string[] => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
};

function commitOf(r: StoredRun): string {
  const g = r.meta.git;
  return g ? `${g.commit.slice(0, 8)}${g.dirty ? '+' : ''}` : '-';
}

function verdictOf(r: StoredRun): string {
  return r.meta.passed === null ? '-' : r.meta.passed ? 'passed' : 'failed';
}

export async function historyList(
  o: StoreOptions & { name?: string; limit?: number; json: boolean },
  io: IO,
): Promise<void> {
  await withStore(o, io, async (s) => {
    const runs = await s.list({ name: o.name, limit: o.limit });
    if (o.json) {
      io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return;
    }
    if (runs.length === 0) {
      io.stdout.write(
        `no saved runs${o.name ? ` of '${o.name}'` : ''} in ${s.location}; keep one with --save\n`,
      );
      return;
    }
    const rows = [
      ['id', 'started (UTC)', 'kind', 'verdict', 'commit', 'name', 'labels'],
      ...runs.map((r) => [
        String(r.id),
        r.meta.startedAt.replace('T', ' ').slice(0, 19),
        r.meta.kind,
        verdictOf(r),
        commitOf(r),
        r.meta.name,
        Object.entries(r.meta.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ]),
    ];
    io.stdout.write(`${pad(rows).join('\n')}\n`);
  });
}

export async function historyShow(id: number, o: StoreOptions & { color?: boolean }, io: IO): Promise<void> {
  await withStore(o, io, async (s) => {
    const got = await s.get(id);
    if (!got) throw notFound(`run ${id}`, s);
    const m = got.run.meta;
    const facts = [
      `run ${id}: ${m.name} (${m.kind}), started ${m.startedAt}, saved ${got.run.savedAt}`,
      m.git
        ? `git ${m.git.commit}${m.git.dirty ? ' (dirty)' : ''}${m.git.branch ? ` on ${m.git.branch}` : ''}`
        : null,
      `${m.host} · ${m.cpu} · node ${m.node} · squall ${m.squallVersion}`,
      m.ci
        ? `CI: ${m.ci.provider} run ${m.ci.runId ?? '-'} ${m.ci.ref ?? ''}${m.ci.pullRequest ? ` (PR #${m.ci.pullRequest})` : ''}`
        : null,
      Object.keys(m.labels).length > 0
        ? `labels: ${Object.entries(m.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : null,
    ].filter((x) => x !== null);
    io.stdout.write(`${facts.join('\n')}\n\n`);
    io.stdout.write(`${renderSummary(got.doc, { color: useColor(io.stdout, o.color, io.env) })}\n`);
  });
}

export async function historyExport(id: number, o: StoreOptions, io: IO): Promise<void> {
  await withStore(o, io, async (s) => {
    const got = await s.get(id);
    if (!got) throw notFound(`run ${id}`, s);
    io.stdout.write(renderJson(got.doc));
  });
}

export async function historyRemove(ids: number[], o: StoreOptions, io: IO): Promise<void> {
  await withStore(o, io, async (s) => {
    for (const id of ids) if (!(await s.get(id))) throw notFound(`run ${id}`, s);
    for (const id of ids) {
      await s.remove(id);
      io.stderr.write(`removed run ${id}\n`);
    }
  });
}

/** One metric across the saved runs of a test, oldest first: what trend and changes read. */
export async function metricSeries(
  s: HistoryStore,
  name: string,
  reading: MetricReading,
  limit?: number,
): Promise<{ run: StoredRun; value: number }[]> {
  const runs = (await s.list({ name, limit })).reverse();
  const out: { run: StoredRun; value: number }[] = [];
  for (const run of runs) {
    const got = await s.get(run.id);
    const v = got ? readMetric(got.doc, reading) : null;
    if (v !== null) out.push({ run, value: v });
  }
  return out;
}

type Series = { run: StoredRun; value: number }[];

/** The change points of a series (what `history changes` lists), each named by its run. */
export function seriesChanges(series: Series) {
  return changePoints(series.map((x) => x.value)).map((cp) => {
    const run = series[cp.index]!.run;
    return {
      id: run.id,
      startedAt: run.meta.startedAt,
      commit: run.meta.git?.commit ?? null,
      before: cp.before,
      after: cp.after,
      shift: cp.shift,
      pValue: cp.pValue,
    };
  });
}

/** `-o html=PATH` of `history trend`, checked before the store is opened. */
function trendOutputs(out: readonly string[] = []): string[] {
  return out.map((t) => {
    const m = /^html=(.+)$/.exec(t);
    if (!m) throw badFlag('-o', `-o "${t}" is not html=PATH; history trend writes the trend as an HTML page`);
    return m[1]!;
  });
}

export async function historyTrend(
  o: StoreOptions & {
    name: string;
    reading: MetricReading;
    limit?: number;
    json: boolean;
    /** `-o html=PATH`, repeatable: the trend with its change points as a page. */
    out?: string[];
  },
  io: IO,
): Promise<void> {
  const html = trendOutputs(o.out);
  await withStore(o, io, async (s) => {
    const series = await metricSeries(s, o.name, o.reading, o.limit);
    const points = series.map((x) => ({
      id: x.run.id,
      startedAt: x.run.meta.startedAt,
      commit: x.run.meta.git?.commit ?? null,
      value: x.value,
    }));
    printTrend(o, series, points, io);
    if (html.length === 0) return;
    const page = renderTrendHtml({
      name: o.name,
      metric: o.reading.text,
      unit: trendUnit(o.reading.text, series[0]?.run.meta.kind ?? ''),
      series: points,
      changes: seriesChanges(series),
    });
    // After the table, as compare writes its Markdown: the console reads top to bottom.
    for (const path of html) {
      writeFileSync(path, page);
      io.stderr.write(`wrote ${path}\n`);
    }
  });
}

/** The trend on stdout: JSON, or a sparkline and a table. */
function printTrend(
  o: { name: string; reading: MetricReading; json: boolean },
  series: Series,
  points: TrendPage['series'],
  io: IO,
): void {
  if (o.json) {
    io.stdout.write(`${JSON.stringify(points, null, 2)}\n`);
    return;
  }
  if (series.length === 0) {
    io.stdout.write(`no saved run of '${o.name}' has ${o.reading.text}\n`);
    return;
  }
  const values = series.map((x) => x.value);
  io.stdout.write(`${o.reading.text} of '${o.name}', ${series.length} runs, oldest first\n`);
  io.stdout.write(
    `${sparkline(values, { fromMin: true })}  ${fmt(Math.min(...values))} … ${fmt(Math.max(...values))}\n\n`,
  );
  const rows = [
    ['id', 'started (UTC)', 'commit', o.reading.text],
    ...series.map((x) => [
      String(x.run.id),
      x.run.meta.startedAt.replace('T', ' ').slice(0, 19),
      commitOf(x.run),
      fmt(x.value),
    ]),
  ];
  io.stdout.write(`${pad(rows).join('\n')}\n`);
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export async function baselineSet(name: string, ref: string, o: StoreOptions, io: IO): Promise<void> {
  await withStore(o, io, async (s) => {
    let id: number;
    if (ref === 'last') {
      const last = await s.last();
      if (!last) throw notFound('a run', s, 'save one with --save');
      id = last.id;
    } else id = parseRunId(ref, 'the run of a baseline');
    await s.setBaseline(name, id);
    io.stderr.write(`baseline '${name}' is run ${id}\n`);
  });
}

export async function baselineList(o: StoreOptions & { json: boolean }, io: IO): Promise<void> {
  await withStore(o, io, async (s) => {
    const list = await s.listBaselines();
    if (o.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else if (list.length === 0)
      io.stdout.write(`no baselines in ${s.location}; set one with squall baseline set NAME last\n`);
    else
      io.stdout.write(
        `${pad([['name', 'run', 'set at (UTC)'], ...list.map((b) => [b.name, String(b.id), b.setAt.replace('T', ' ').slice(0, 19)])]).join('\n')}\n`,
      );
  });
}

export async function baselineRemove(name: string, o: StoreOptions, io: IO): Promise<void> {
  await withStore(o, io, async (s) => {
    if (!(await s.removeBaseline(name)))
      throw notFound(`the baseline '${name}'`, s, 'squall baseline list shows the baselines');
    io.stderr.write(`removed baseline '${name}'\n`);
  });
}

/**
 * `squall history changes`: the runs where a metric's level shifted (E-Divisive means with a
 * permutation test), each with its run, commit and the size of the shift.
 */
export async function historyChanges(
  o: StoreOptions & { name: string; reading: MetricReading; limit?: number; json: boolean },
  io: IO,
): Promise<void> {
  await withStore(o, io, async (s) => {
    const series = await metricSeries(s, o.name, o.reading, o.limit);
    const points = seriesChanges(series);
    if (o.json) {
      io.stdout.write(
        `${JSON.stringify({ name: o.name, metric: o.reading.text, runs: series.length, changes: points }, null, 2)}\n`,
      );
      return;
    }
    io.stdout.write(`${o.reading.text} of '${o.name}' over ${series.length} runs: `);
    if (points.length === 0) {
      io.stdout.write(
        series.length < 6 ? 'too few runs to find a change (at least 6)\n' : 'no change point\n',
      );
      return;
    }
    io.stdout.write(`${points.length} change point${points.length === 1 ? '' : 's'}\n`);
    for (const p of points)
      io.stdout.write(
        `  from run ${p.id}${p.commit ? ` (${p.commit.slice(0, 8)})` : ''}: ${fmt(p.before)} → ${fmt(p.after)}, ${p.shift >= 0 ? '+' : ''}${(p.shift * 100).toFixed(1)} % (p = ${p.pValue.toFixed(3)})\n`,
      );
  });
}
