import { formatMs } from '../util/figures.js';

/**
 * `squall history trend -o html=`: one self-contained page (no scripts, no external resources,
 * so it opens anywhere and can be attached to a CI run) with the metric across the saved runs as
 * an inline SVG line, each change point a vertical marker at its run, each segment between change
 * points drawn at its mean, and the runs as a table below. Names, labels and commits come from
 * the user and the store, so every text is escaped.
 */

/** What the page draws: the series oldest first, and the change points `history changes` finds. */
export interface TrendPage {
  /** The test's name. */
  name: string;
  /** The reading as typed, e.g. `http_req_duration:p(95)`. */
  metric: string;
  /** How values read: milliseconds, a share (0–1), per second, or plain numbers. */
  unit: TrendUnit;
  series: { id: number; startedAt: string; commit: string | null; value: number }[];
  /** `id` is the first run after the change; before and after are the segments' means. */
  changes: { id: number; before: number; after: number; shift: number; pValue: number }[];
}

export type TrendUnit = 'ms' | 'share' | 'per-second' | 'plain';

/**
 * The unit of a reading, from its name: rates of failures and checks are shares, other rates per
 * second, counts plain, and the other aggregations of a duration, a `_ms` trend or a bench (whose
 * samples are ms) milliseconds.
 */
export function trendUnit(metric: string, kind: string): TrendUnit {
  const agg = metric.slice(metric.lastIndexOf(':') + 1);
  if (agg === 'count') return 'plain';
  if (agg === 'rate') return /^(http_req_failed|checks)\b/.test(metric) ? 'share' : 'per-second';
  if (kind === 'bench' || /duration|_ms\b|_ms[{:]/.test(metric)) return 'ms';
  return 'plain';
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const plain = (v: number): string =>
  Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });

function formatValue(v: number, unit: TrendUnit): string {
  switch (unit) {
    case 'ms':
      return formatMs(v);
    case 'share':
      return `${plain(v * 100)} %`;
    case 'per-second':
      return `${plain(v)}/s`;
    default:
      return plain(v);
  }
}

const shiftText = (shift: number): string => `${shift >= 0 ? '+' : ''}${(shift * 100).toFixed(1)} %`;

/** Round ticks (1, 2 or 5 × 10ⁿ apart) covering [lo, hi], about `count` of them. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return ticks(lo - pad, hi + pad, count);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  if (out[out.length - 1]! < hi) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

// The chart's frame, in SVG units; the SVG scales to the page's width.
const W = 860;
const H = 340;
const M = { left: 76, right: 24, top: 44, bottom: 56 };

function chart(p: TrendPage): string {
  const values = p.series.map((s) => s.value);
  const n = values.length;
  const yTicks = ticks(Math.min(...values), Math.max(...values));
  const y0 = yTicks[0]!;
  const y1 = yTicks[yTicks.length - 1]!;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i: number) => M.left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number) => M.top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  const r = (v: number) => v.toFixed(1);
  const parts: string[] = [];

  for (const t of yTicks)
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${r(y(t))}" y2="${r(y(t))}"/>`,
      `<text class="tick" x="${M.left - 6}" y="${r(y(t) + 4)}" text-anchor="end">${esc(formatValue(t, p.unit))}</text>`,
    );
  // Every run's id under the axis while they fit; otherwise every k-th, and always the last.
  const every = Math.max(1, Math.ceil(n / 24));
  p.series.forEach((s, i) => {
    if (i % every === 0 || i === n - 1)
      parts.push(
        `<text class="tick" x="${r(x(i))}" y="${H - M.bottom + 18}" text-anchor="middle">${s.id}</text>`,
      );
  });
  parts.push(
    `<text class="axis" x="${M.left + plotW / 2}" y="${H - 12}" text-anchor="middle">run (oldest → newest)</text>`,
  );

  // Each segment between change points at its mean: the level the analysis compares.
  const at = new Map(p.series.map((s, i) => [s.id, i]));
  const cuts = p.changes.map((c) => at.get(c.id)).filter((i): i is number => i !== undefined);
  const bounds = [0, ...cuts, n];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const lo = bounds[k]!;
    const hi = bounds[k + 1]!;
    const level = values.slice(lo, hi).reduce((a, b) => a + b, 0) / (hi - lo);
    parts.push(
      `<line class="level" x1="${r(x(lo))}" x2="${r(x(hi - 1))}" y1="${r(y(level))}" y2="${r(y(level))}"><title>mean ${esc(formatValue(level, p.unit))}</title></line>`,
    );
  }

  parts.push(`<polyline class="line" points="${values.map((v, i) => `${r(x(i))},${r(y(v))}`).join(' ')}"/>`);
  p.series.forEach((s, i) => {
    parts.push(
      `<circle class="dot" cx="${r(x(i))}" cy="${r(y(s.value))}" r="3.5"><title>run ${s.id}: ${esc(formatValue(s.value, p.unit))}</title></circle>`,
    );
  });

  // Labels alternate between two rows, so neighbouring change points do not overwrite each other.
  p.changes.forEach((c, k) => {
    const i = at.get(c.id);
    if (i === undefined) return;
    const cx = x(i);
    const anchor = cx > M.left + plotW * 0.6 ? 'end' : 'start';
    const label = `run ${c.id}: ${formatValue(c.before, p.unit)} → ${formatValue(c.after, p.unit)} (${shiftText(c.shift)})`;
    parts.push(
      `<g class="change-point" data-run="${c.id}"><line x1="${r(cx)}" x2="${r(cx)}" y1="${M.top - 6}" y2="${M.top + plotH}"/>` +
        `<text x="${r(anchor === 'end' ? cx - 4 : cx + 4)}" y="${M.top - 24 + (k % 2) * 14}" text-anchor="${anchor}">${esc(label)}</text></g>`,
    );
  });

  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${p.metric} of '${p.name}' across ${n} runs`)}">${parts.join('')}</svg>`;
}

function table(p: TrendPage): string {
  const changed = new Map(p.changes.map((c) => [c.id, c]));
  const rows = p.series.map((s) => {
    const c = changed.get(s.id);
    const mark = c
      ? `◆ ${esc(formatValue(c.before, p.unit))} → ${esc(formatValue(c.after, p.unit))} (${esc(shiftText(c.shift))}, p = ${c.pValue.toFixed(3)})`
      : '';
    return `<tr${c ? ' class="changed"' : ''}><td>${s.id}</td><td>${esc(s.startedAt.replace('T', ' ').slice(0, 19))}</td><td><code>${esc(s.commit ? s.commit.slice(0, 8) : '-')}</code></td><td class="num">${esc(formatValue(s.value, p.unit))}</td><td>${mark}</td></tr>`;
  });
  return `<table><thead><tr><th>run</th><th>started (UTC)</th><th>commit</th><th>${esc(p.metric)}</th><th>change point</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:900px;padding:0 1rem;color:#1f2328}
h1{font-size:1.3rem}p.sub{color:#59636e}svg{width:100%;height:auto;display:block;margin:1rem 0}
.grid{stroke:#e6e8eb}.tick,.axis{font-size:11px;fill:#59636e}.line{fill:none;stroke:#2f6feb;stroke-width:2}
.dot{fill:#2f6feb}.level{stroke:#8c959f;stroke-width:2;stroke-dasharray:6 4}
.change-point line{stroke:#cf222e;stroke-width:1.5;stroke-dasharray:3 3}.change-point text{font-size:12px;fill:#cf222e}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .6rem;border-bottom:1px solid #e6e8eb}
td.num{text-align:right;font-variant-numeric:tabular-nums}tr.changed td{background:#fff1f0}`;

/** The trend as one HTML page. */
export function renderTrendHtml(p: TrendPage): string {
  const title = `${p.metric} of '${p.name}'`;
  const n = p.series.length;
  const sub =
    n === 0
      ? 'no saved run has this metric'
      : `${n} run${n === 1 ? '' : 's'}, oldest first · ${p.changes.length === 0 ? 'no change point' : `${p.changes.length} change point${p.changes.length === 1 ? '' : 's'}`} (E-Divisive means, permutation test) · dashed grey: each segment's mean`;
  const body = n === 0 ? '' : `${chart(p)}${table(p)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · squall</title><style>${STYLE}</style></head>
<body><h1>${esc(title)}</h1><p class="sub">${esc(sub)}</p>${body}</body></html>
`;
}
