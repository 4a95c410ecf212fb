import { complexityCurve } from '../../../analysis/complexity-fit.js';
import type { BenchEntry, BenchSection, ComplexityEntry } from '../../../result/bench-schema.js';
import type { ResultDocument } from '../../../result/schema.js';
import {
  BENCH_COLUMNS,
  benchCells,
  benchFailures,
  benchGroups,
  benchSection,
  benchTime,
  budgetText,
  complexityText,
  failureText,
  groupTitle,
  speedupText,
} from '../../bench-format.js';
import { dataTable, el, fig, note, panel } from './dom.js';
import type { Obj } from './read.js';

/**
 * A bench document's page: per group, its bars (the median of each bench, with whiskers of the
 * 95 % margin of error around the mean) and its table with budgets and speedups; then each
 * complexity check's curve (the times measured and the best fit) with its verdict. Drawn as
 * inline SVG: a handful of bars needs no chart library.
 */

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The bar's centre and whisker of a bench, ms: a concurrency bench's per-call latency. */
function barOf(e: BenchEntry): { median: number; low: number; high: number } | null {
  if (e.concurrent)
    return {
      median: e.concurrent.latency.p50,
      low: e.concurrent.latency.p50,
      high: e.concurrent.latency.p50,
    };
  const s = e.stats;
  if (!s) return null;
  const moe = s.moe ?? 0;
  return { median: s.median, low: Math.max(0, s.mean - moe), high: s.mean + moe };
}

function bars(benches: BenchEntry[]): SVGElement {
  const rowH = 26;
  const labelW = 200;
  const plotW = 460;
  const width = labelW + plotW + 90;
  const height = benches.length * rowH + 8;
  const figures = benches.map(barOf);
  const max = Math.max(1e-12, ...figures.map((f) => (f ? f.high : 0)));
  const x = (v: number) => labelW + (v / max) * plotW;
  const root = svg('svg', {
    class: 'bench-bars',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
  });
  benches.forEach((e, i) => {
    const y = 4 + i * rowH;
    const f = figures[i];
    root.append(
      svg('text', { x: labelW - 8, y: y + 16, 'text-anchor': 'end', class: 'bench-label' }, e.name),
    );
    if (!f) {
      root.append(svg('text', { x: labelW + 4, y: y + 16, class: 'bench-threw' }, 'threw'));
      return;
    }
    const failed =
      benchFailures(e, { benches: [e], speedups: [], complexity: [] } as unknown as BenchSection).length > 0;
    root.append(
      svg('rect', {
        x: labelW,
        y: y + 4,
        width: Math.max(1, x(f.median) - labelW),
        height: rowH - 10,
        class: `bench-bar${failed ? ' bad' : ''}`,
      }),
      svg('line', {
        x1: x(f.low),
        x2: x(f.high),
        y1: y + rowH / 2 - 1,
        y2: y + rowH / 2 - 1,
        class: 'bench-whisker',
      }),
      svg('line', { x1: x(f.low), x2: x(f.low), y1: y + 7, y2: y + rowH - 9, class: 'bench-whisker' }),
      svg('line', { x1: x(f.high), x2: x(f.high), y1: y + 7, y2: y + rowH - 9, class: 'bench-whisker' }),
      svg('text', { x: x(f.high) + 6, y: y + 16, class: 'bench-value' }, benchTime(f.median)),
    );
  });
  return root;
}

/** One bench's samples as a histogram (per-op times; a concurrency bench's call latencies). */
function distribution(e: BenchEntry): HTMLElement | null {
  const h = e.histogram;
  if (!h || !Array.isArray(h.counts) || h.counts.length === 0) return null;
  const W = 220;
  const H = 70;
  const base = H - 16;
  const max = Math.max(1, ...h.counts);
  const bw = W / h.counts.length;
  const root = svg('svg', {
    class: 'bench-dist',
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
    'aria-label': `distribution of ${e.name}`,
  });
  h.counts.forEach((c, i) => {
    const bh = (c / max) * (base - 4);
    root.append(
      svg('rect', {
        x: i * bw + 0.5,
        y: base - bh,
        width: Math.max(1, bw - 1),
        height: bh,
        class: 'bench-hist',
      }),
    );
  });
  root.append(svg('line', { x1: 0, x2: W, y1: base, y2: base, class: 'bench-axis' }));
  root.append(svg('text', { x: 0, y: H - 3, class: 'bench-value' }, benchTime(h.fromMs)));
  root.append(svg('text', { x: W, y: H - 3, 'text-anchor': 'end', class: 'bench-value' }, benchTime(h.toMs)));
  return el(
    'figure',
    { class: 'bench-dist', 'data-bench': e.name },
    el('figcaption', { text: e.name }),
    root,
  );
}

function groupPanel(b: BenchSection, group: string | null, benches: BenchEntry[], i: number): HTMLElement {
  const notes: HTMLElement[] = [];
  for (const e of benches) {
    if (e.error) notes.push(el('li', { class: 'bad', text: `✗ ${e.name}: ${failureText(e)}` }));
    for (const x of e.budgets)
      notes.push(el('li', { class: x.ok ? 'ok' : 'bad', text: `${e.name}: ${budgetText(x)}` }));
    for (const w of e.warnings) notes.push(el('li', { class: 'warn', text: `! ${e.name}: ${w}` }));
  }
  for (const s of b.speedups.filter((x) => x.group === group)) {
    notes.push(el('li', { class: s.ok === false ? 'bad' : s.ok ? 'ok' : '', text: speedupText(s) }));
  }
  return panel(
    `bench-group-${i}`,
    groupTitle(group),
    el('div', { class: 'table-wrap' }, bars(benches)),
    el('div', { class: 'bench-dists' }, benches.map(distribution)),
    el(
      'div',
      { class: 'table-wrap' },
      dataTable(
        'bench',
        BENCH_COLUMNS.map((c, k): [string, string] => [c, k === 0 ? 'text' : 'num']),
        benches.map((e) =>
          el(
            'tr',
            { 'data-bench': e.name, class: benchFailures(e, b).length > 0 ? 'failed' : null },
            benchCells(e).map((c, k) =>
              k === 0 ? fig('td', 'name', e.name, c, 'text') : fig('td', BENCH_COLUMNS[k]!, null, c, 'num'),
            ),
          ),
        ),
      ),
    ),
    notes.length > 0 ? el('ul', { class: 'bench-notes' }, notes) : null,
  );
}

/** The times measured (dots) and the best fit (line), on linear axes from 0. */
function curve(c: ComplexityEntry): SVGElement | null {
  const n = Math.min(c.sizes.length, c.timesMs.length);
  if (n === 0) return null;
  const W = 480;
  const H = 200;
  const pad = 36;
  const maxN = Math.max(...c.sizes.slice(0, n));
  const fit = c.fits.find((f) => f.class === c.best);
  const fitted = (size: number) =>
    fit ? fit.coefficient * complexityCurve(fit.class, Math.max(size, 1)) : Number.NaN;
  const maxT = Math.max(...c.timesMs.slice(0, n), ...c.sizes.slice(0, n).map(fitted).filter(Number.isFinite));
  const x = (v: number) => pad + (v / maxN) * (W - 2 * pad);
  const y = (v: number) => H - pad - (v / (maxT || 1)) * (H - 2 * pad);
  const root = svg('svg', {
    class: 'bench-curve',
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
  });
  root.append(svg('line', { x1: pad, x2: W - pad, y1: H - pad, y2: H - pad, class: 'bench-axis' }));
  root.append(svg('line', { x1: pad, x2: pad, y1: pad / 2, y2: H - pad, class: 'bench-axis' }));
  if (fit) {
    const pts: string[] = [];
    for (let k = 0; k <= 40; k++) {
      const size = (maxN * k) / 40;
      pts.push(`${x(size).toFixed(1)},${y(fitted(size)).toFixed(1)}`);
    }
    root.append(svg('polyline', { points: pts.join(' '), class: 'bench-fit' }));
  }
  for (let k = 0; k < n; k++) {
    root.append(svg('circle', { cx: x(c.sizes[k]!), cy: y(c.timesMs[k]!), r: 3.5, class: 'bench-point' }));
  }
  root.append(
    svg('text', { x: W - pad, y: H - 8, 'text-anchor': 'end', class: 'bench-value' }, `n = ${maxN}`),
  );
  root.append(svg('text', { x: pad + 4, y: pad / 2 + 10, class: 'bench-value' }, benchTime(maxT)));
  return root;
}

function complexityPanel(list: ComplexityEntry[]): HTMLElement {
  return panel(
    'bench-complexity',
    'Complexity',
    list.map((c) =>
      el(
        'div',
        { class: 'bench-complexity', 'data-complexity': c.name },
        el('p', { class: c.error || c.ok === false ? 'bad' : c.ok ? 'ok' : '', text: complexityText(c) }),
        curve(c),
      ),
    ),
  );
}

export function renderBench(doc: Obj): HTMLElement | null {
  const b = benchSection(doc as unknown as ResultDocument);
  if (!b) return null;
  const out = el('div', { class: 'bench' });
  if (b.benches.length === 0 && b.complexity.length === 0)
    out.append(panel('bench', 'Benchmarks', note('No benchmarks ran.')));
  benchGroups(b).forEach((g, i) => {
    out.append(groupPanel(b, g.group, g.benches, i));
  });
  if (b.complexity.length > 0) out.append(complexityPanel(b.complexity));
  const warnings = Array.isArray(doc.warnings) ? doc.warnings.map(String) : [];
  if (warnings.length > 0) {
    out.append(
      panel(
        'bench-warnings',
        'Warnings',
        el(
          'ul',
          { class: 'bench-notes' },
          warnings.map((w) => el('li', { class: 'warn', text: w })),
        ),
      ),
    );
  }
  return out;
}
