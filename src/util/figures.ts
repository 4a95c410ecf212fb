/**
 * Figures in their units: the one set of rules by which every output (console summary, Markdown,
 * JUnit, the HTML report and the live dashboard) turns a number of the result document into text.
 * A metric's kind and unit come from the document (`kind`, `unit` on each metric); documents
 * older than those fields fall back to the built-in metrics' known units, never to a guess from
 * a metric's name.
 *
 * The report page runs these same functions in the browser (src/report/html/page bundles this
 * file), so it imports nothing from Node.
 */

/** A metric's kind, as the document's `kind` field says it. */
export type FigureKind = 'counter' | 'rate' | 'trend' | 'gauge';

/** A metric's unit, as the document's `unit` field says it (DESIGN.md, schema 2). */
export type FigureUnit = 'ms' | 'bytes' | '1/s' | 'ratio' | 'count';

/** Result documents come from files and other versions: treat anything odd as missing. */
export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Formats milliseconds for people: `850µs`, `12.3ms`, `4.56s`, `2m3s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  // Round to whole seconds first, so that 119.6 s reads 2m0s and never 1m60s.
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}m${total % 60}s`;
}

/** Formats a byte count: `512 B`, `1.2 kB`, `3.4 MB` (SI, as k6 prints data_sent). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** A count with thousands separators (`12,345`), fixed to en-US so output is the same everywhere. */
export function fmtCount(n: unknown): string {
  if (!isNum(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

/** A plain number with up to two decimals (`3.14`, `1,200`). */
export function fmtNum(n: unknown): string {
  if (!isNum(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * A per-second rate with fixed decimals by magnitude, so a column of rates lines up and small
 * rates keep their meaning (`0.25`, `13.3`, `1,204`).
 */
export function fmtRate(n: unknown): string {
  if (!isNum(n)) return '-';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * A fraction as a percentage with two decimals. Never rounds a partial failure to `100.00%`
 * or a non-zero one to `0.00%`: either would tell the reader the opposite of the truth.
 */
export function fmtPct(fraction: unknown): string {
  if (!isNum(fraction)) return '-';
  let s = (fraction * 100).toFixed(2);
  if (fraction < 1 && s === '100.00') s = '99.99';
  if (fraction > 0 && s === '0.00') return '<0.01%';
  return `${s}%`;
}

/** A byte count (`3.88 kB`); a fraction of a byte (a mean, a rate) is rounded first. */
export function fmtBytes(n: unknown): string {
  return isNum(n) ? formatBytes(Math.round(n)) : '-';
}

/**
 * A value read from a trend's HDR histogram, which holds three significant digits: the values
 * 20, 30 and 40 come back as 20.01, 30.02 and 40.02. Shown with three significant digits (all
 * the integer digits of a larger value), so the histogram's rounding shows as `30`, not `30.02`.
 */
export function fmtSig(n: unknown): string {
  if (!isNum(n)) return '-';
  const whole = Math.abs(n) >= 1 ? Math.floor(Math.log10(Math.abs(n))) + 1 : 1;
  const digits = Math.min(21, Math.max(3, whole));
  return Number(n.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** `http_req_duration{name:GET /x}` -> `http_req_duration`. */
export function baseName(key: string): string {
  const i = key.indexOf('{');
  return i < 0 ? key : key.slice(0, i).trim();
}

/**
 * A metric's kind: the document's `kind`, or for documents older than it, what the summary's
 * fields say (a trend has percentiles, a rate a total, a gauge a value, a counter a count).
 */
export function metricKind(m: unknown): FigureKind | 'unknown' {
  if (m === null || typeof m !== 'object') return 'unknown';
  const o = m as Record<string, unknown>;
  if (o.kind === 'counter' || o.kind === 'rate' || o.kind === 'trend' || o.kind === 'gauge') return o.kind;
  // A trend with no samples has null figures (the document's "none").
  if ((isNum(o.p50) || o.p50 === null) && (isNum(o.p95) || o.p95 === null)) return 'trend';
  if (isNum(o.rate) && isNum(o.total)) return 'rate';
  if (isNum(o.value)) return 'gauge';
  if (isNum(o.count)) return 'counter';
  return 'unknown';
}

/**
 * A metric's unit: the document's `unit`; for documents older than it, the built-in metrics'
 * known units (k6's), a rate's ratio, and otherwise a plain count. Never a guess from the name.
 */
export function metricUnit(name: string, m: unknown): FigureUnit {
  const o = m !== null && typeof m === 'object' ? (m as Record<string, unknown>) : {};
  const u = o.unit;
  if (u === 'ms' || u === 'bytes' || u === '1/s' || u === 'ratio' || u === 'count') return u;
  const builtin: Record<string, FigureUnit> = {
    http_req_duration: 'ms',
    http_req_waiting: 'ms',
    http_req_connecting: 'ms',
    http_req_service_duration: 'ms',
    http_req_tls_handshaking: 'ms',
    http_req_blocked: 'ms',
    http_req_sending: 'ms',
    http_req_receiving: 'ms',
    iteration_duration: 'ms',
    data_sent: 'bytes',
    data_received: 'bytes',
  };
  const known = builtin[baseName(name)];
  if (known !== undefined) return known;
  return metricKind(m) === 'rate' ? 'ratio' : 'count';
}

/** A value in its unit: `42.5ms`, `3.88 kB`, `0.50%`, `1,204/s`, `7`. */
export function fmtIn(unit: FigureUnit, v: unknown): string {
  if (!isNum(v)) return '-';
  switch (unit) {
    case 'ms':
      return formatMs(v);
    case 'bytes':
      return fmtBytes(v);
    case 'ratio':
      return fmtPct(v);
    case '1/s':
      return `${fmtRate(v)}/s`;
    default:
      return fmtNum(v);
  }
}

/** A value of a trend in its unit; a count at the histogram's precision (`30`, not `30.02`). */
export function fmtTrend(unit: FigureUnit, v: unknown): string {
  return unit === 'count' ? fmtSig(v) : fmtIn(unit, v);
}

/** A counter's per-second rate in its unit: `1.94 kB/s`, `43,433/s`. */
export function fmtPerSec(unit: FigureUnit, v: unknown): string {
  if (!isNum(v)) return '-';
  return unit === 'bytes' ? `${fmtBytes(v)}/s` : `${fmtRate(v)}/s`;
}

/**
 * The figures of one metric, in k6's order and the metric's unit: a trend's `avg=… min=… med=…
 * max=… p(90)=… p(95)=… p(99)=…`; a counter's total and rate; a rate's share and `n out of total`
 * (n: the true values, e.g. the failed requests of http_req_failed); a gauge's value and extremes.
 */
export function metricCells(name: string, m: unknown): string[] {
  if (m === null || typeof m !== 'object') return [];
  const o = m as Record<string, unknown>;
  const unit = metricUnit(name, m);
  switch (metricKind(m)) {
    case 'trend': {
      if (o.count === 0) return ['no samples'];
      const stats: Array<[string, unknown]> = [
        ['avg', o.mean],
        ['min', o.min],
        ['med', o.p50],
        ['max', o.max],
        ['p(90)', o.p90],
        ['p(95)', o.p95],
        ['p(99)', o.p99],
      ];
      return stats.map(([label, v]) => `${label}=${fmtTrend(unit, v)}`);
    }
    case 'rate': {
      const total = isNum(o.total) ? o.total : 0;
      const rate = isNum(o.rate) ? o.rate : 0;
      // http_req_failed's `fails` are its true values (failed requests); other rates' `fails`
      // are their false ones, so the true count is derived from the rate for those.
      const trues =
        baseName(name) === 'http_req_failed' && isNum(o.fails) ? o.fails : Math.round(rate * total);
      return [fmtPct(rate), `${fmtCount(trues)} out of ${fmtCount(total)}`];
    }
    case 'gauge':
      return [fmtIn(unit, o.value), `min=${fmtIn(unit, o.min)}`, `max=${fmtIn(unit, o.max)}`];
    case 'counter': {
      const total = unit === 'bytes' ? fmtBytes(o.count) : fmtCount(o.count);
      return isNum(o.rate) ? [total, fmtPerSec(unit, o.rate)] : [total];
    }
    default:
      return [];
  }
}

/** What a threshold expression reads: `p(95)<300` -> `p(95)`; `count>0` -> `count`. */
export function thresholdLabel(expr: string): string {
  const m = /^\s*(p\(\s*([\d.]+)\s*\)|avg|min|max|med|count|rate|value)/.exec(expr);
  if (!m) return 'value';
  return m[2] !== undefined ? `p(${m[2]})` : m[1]!;
}

/**
 * A threshold's value as its aggregation reads it, in its metric's kind and unit (all three as
 * the document says them): `rate` is a fraction on a Rate metric but a per-second rate on a
 * Counter (bytes are always a counter's); `count` a count or bytes; anything else in the unit.
 */
export function aggregationFigure(
  aggregation: string,
  kind: string | undefined,
  unit: FigureUnit,
  v: number,
): string {
  if (aggregation === 'rate') return kind === 'counter' || unit === 'bytes' ? fmtPerSec(unit, v) : fmtPct(v);
  if (aggregation === 'count') return unit === 'bytes' ? fmtBytes(v) : fmtCount(v);
  if (aggregation === 'value') return fmtIn(unit, v);
  return fmtTrend(unit, v);
}

/**
 * A threshold's actual value in the unit its metric is read in (ms, %, /s, bytes, a count);
 * undefined when it had no data.
 */
export function thresholdFigure(
  t: { metric?: unknown; expr?: unknown; actual?: unknown },
  metrics: Record<string, unknown>,
): string | undefined {
  const v = t.actual;
  if (!isNum(v)) return undefined;
  const label = thresholdLabel(String(t.expr ?? ''));
  const key = String(t.metric ?? '');
  // A tagged threshold (`http_reqs{name:x}`) reads its metric's kind and unit.
  const m = metrics[key] ?? metrics[baseName(key)];
  const kind = metricKind(m);
  return aggregationFigure(label, kind === 'unknown' ? undefined : kind, metricUnit(key, m), v);
}
