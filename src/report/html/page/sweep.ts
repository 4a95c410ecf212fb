import type { ResultDocument } from '../../../result/schema.js';
import type { SweepSection } from '../../../result/sweep-schema.js';
import { fmtSig } from '../../../util/figures.js';
import { dataTable, el, fig, kv, note, panel } from './dom.js';
import type { Obj } from './read.js';
import {
  type ChartPoint,
  fitFigures,
  LEVEL_COLUMNS,
  latencyChart,
  levelRows,
  type SweepChart,
  throughputChart,
} from './sweep-model.js';

/**
 * A sweep document's page part (`squall sweep`): throughput against the level with the fitted
 * USL curve, the knee and the capacity; latency (p50, p95, p99) against the level; then the
 * levels' table, the fit's figures with their intervals and the verdict. Inline SVG, as the bench
 * page draws: a handful of levels needs no chart library. The geometry is sweep-model.ts's.
 */

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function isSweep(doc: Obj): boolean {
  return doc.kind === 'sweep';
}

function sweepOf(doc: Obj): SweepSection | null {
  const s = (doc as unknown as ResultDocument).sweep;
  return s && Array.isArray(s.levels) ? s : null;
}

function pointTitle(p: ChartPoint, series: string, unit: string): string {
  const what = series === 'rps' ? '' : `${series} `;
  return `${p.level}: ${what}${fmtSig(p.value)} ${unit}${p.excluded ? ' (left out of the fit)' : ''}`;
}

function chart(c: SweepChart, name: string, label: string): SVGElement {
  const root = svg('svg', {
    class: 'sweep-chart',
    'data-chart': name,
    viewBox: `0 0 ${c.width} ${c.height}`,
    width: c.width,
    height: c.height,
    role: 'img',
    'aria-label': label,
  });
  for (const t of c.yTicks) {
    root.append(svg('line', { x1: c.left, x2: c.right, y1: t.at, y2: t.at, class: 'sweep-grid' }));
    root.append(
      svg('text', { x: c.left - 6, y: t.at + 4, 'text-anchor': 'end', class: 'sweep-tick' }, t.label),
    );
  }
  for (const t of c.xTicks) {
    root.append(
      svg('text', { x: t.at, y: c.bottom + 16, 'text-anchor': 'middle', class: 'sweep-tick' }, t.label),
    );
  }
  root.append(
    svg('line', { x1: c.left, x2: c.right, y1: c.bottom, y2: c.bottom, class: 'sweep-axis' }),
    svg('line', { x1: c.left, x2: c.left, y1: c.top, y2: c.bottom, class: 'sweep-axis' }),
    svg(
      'text',
      { x: (c.left + c.right) / 2, y: c.height - 4, 'text-anchor': 'middle', class: 'sweep-title' },
      c.xTitle,
    ),
    svg('text', { x: 4, y: 12, class: 'sweep-title' }, c.yTitle),
  );
  // Marks first, under the data: a dashed line up the plot, its name at the top.
  c.marks.forEach((m, i) => {
    const g = svg('g', {
      class: `sweep-mark sweep-mark-${m.kind}`,
      'data-mark': m.kind,
      'data-level': m.level,
    });
    g.append(
      svg('line', { x1: m.x, x2: m.x, y1: c.top, y2: c.bottom }),
      // Staggered, so that a knee and a capacity at the same level do not print over each other.
      // Near the right edge the name goes to the line's left, or the plot would cut it off.
      m.x > c.width - 80
        ? svg('text', { x: m.x - 4, y: c.top + 10 + i * 12, 'text-anchor': 'end' }, m.label)
        : svg('text', { x: m.x + 4, y: c.top + 10 + i * 12 }, m.label),
    );
    root.append(g);
  });
  if (c.curve) root.append(svg('path', { d: c.curve, class: 'sweep-fit', 'data-series': 'usl' }));
  for (const s of c.series) {
    if (s.points.length > 1)
      root.append(
        svg('polyline', { points: s.line, class: `sweep-line sweep-${s.name}`, 'data-series': s.name }),
      );
    for (const p of s.points) {
      const dot = svg('circle', {
        cx: p.x,
        cy: p.y,
        r: 4,
        class: `sweep-point sweep-${s.name}${p.excluded ? ' excluded' : ''}`,
        'data-series': s.name,
        'data-level': p.level,
        'data-value': p.value,
      });
      dot.append(svg('title', {}, pointTitle(p, s.name, c.yTitle)));
      root.append(dot);
    }
  }
  return root;
}

function legend(items: Array<[string, string]>): HTMLElement {
  return el(
    'ul',
    { class: 'sweep-legend' },
    items.map(([cls, text]) => el('li', null, el('span', { class: `swatch ${cls}` }), text)),
  );
}

function chartsPanel(s: SweepSection): HTMLElement {
  const tp = throughputChart(s);
  const lat = latencyChart(s);
  const items: Array<[string, string]> = [['sweep-rps', 'measured']];
  if (tp.curve) items.push(['sweep-fit', 'USL fit']);
  if (tp.series[0]!.points.some((p) => p.excluded))
    items.push(['excluded', 'left out of the fit (saturated)']);
  return panel(
    'sweep-charts',
    s.mode === 'rate' ? 'Throughput and latency by arrival rate' : 'Throughput and latency by concurrency',
    el(
      'div',
      { class: 'sweep-charts' },
      el(
        'figure',
        { class: 'sweep-figure' },
        el('figcaption', { text: 'Throughput (requests/s)' }),
        chart(tp, 'sweep-throughput', 'throughput against the level'),
        legend(items),
      ),
      el(
        'figure',
        { class: 'sweep-figure' },
        el('figcaption', { text: 'Latency (ms)' }),
        chart(lat, 'sweep-latency', 'latency p50, p95 and p99 against the level'),
        legend([
          ['sweep-p50', 'p50'],
          ['sweep-p95', 'p95'],
          ['sweep-p99', 'p99'],
        ]),
      ),
    ),
  );
}

function levelsPanel(s: SweepSection): HTMLElement {
  const skipped = s.planned.filter((l) => !s.levels.some((m) => m.level === l));
  return panel(
    'sweep-levels',
    'Levels',
    el(
      'div',
      { class: 'table-wrap' },
      dataTable(
        'sweep-levels',
        LEVEL_COLUMNS,
        levelRows(s).map((cells, i) => {
          const l = s.levels[i]!;
          return el(
            'tr',
            { 'data-level': l.level, class: l.allFailed || l.withinBudget === false ? 'failed' : null },
            cells.map((c, k) =>
              fig('td', c.field, c.value, c.text, `${LEVEL_COLUMNS[k]![1]} ${c.cls ?? ''}`),
            ),
          );
        }),
      ),
    ),
    note(
      `${s.holdSec}s measured per level after a ${s.warmupSec}s warm-up` +
        (skipped.length > 0 ? `; not run: ${skipped.join(', ')} (${s.endReason})` : '') +
        (s.until ? `; --until ${s.until.expr}` : ''),
    ),
  );
}

function fitPanel(s: SweepSection): HTMLElement {
  return panel(
    'sweep-fit',
    'Scalability',
    kv(fitFigures(s).map(([label, field, value, text]) => [label, `sweep.${field}`, value, text])),
    s.fit
      ? null
      : note(
          s.mode === 'rate'
            ? 'No USL fit: the law is for concurrency, and this sweep set arrival rates.'
            : 'No USL fit: it needs three levels or more that squall did not saturate.',
        ),
    fig('p', 'sweep.verdict', s.verdict, s.verdict, 'sweep-verdict'),
  );
}

export function renderSweep(doc: Obj): HTMLElement | null {
  if (!isSweep(doc)) return null;
  const s = sweepOf(doc);
  if (!s) return panel('sweep', 'Sweep', note('This document has no sweep section.'));
  if (s.levels.length === 0)
    return el(
      'div',
      { class: 'sweep' },
      panel('sweep-levels', 'Levels', note('No level was measured.')),
      fitPanel(s),
    );
  return el('div', { class: 'sweep' }, chartsPanel(s), levelsPanel(s), fitPanel(s));
}
