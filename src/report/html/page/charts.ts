import { fmtCount, fmtNum, fmtRate } from '../../../util/figures.js';
import { fmtCpu, fmtMib } from '../../format.js';
import { el, panel } from './dom.js';
import { arr, isMonitorOnly, isNum, type Obj, obj } from './read.js';
import { axisMs, fmtMs } from './time-format.js';
import { ChartBox, type ChartSpec, resizeWith, timeData, timeOptions } from './uplot.js';
import { running } from './view.js';

interface RunChart extends ChartSpec {
  source: 'timeline' | 'monitor';
  /** Threads and descriptors are drawn only when they moved: a flat count needs no chart. */
  onlyIfChanging?: boolean;
}

const CHARTS: RunChart[] = [
  {
    id: 'rps',
    title: 'Requests per second',
    source: 'timeline',
    fmt: fmtRate,
    axis: fmtNum,
    series: [{ key: 'rps', label: 'req/s', color: '#4f46e5', fill: 'rgba(79,70,229,0.12)' }],
  },
  {
    id: 'latency',
    title: 'Latency',
    source: 'timeline',
    fmt: fmtMs,
    axis: axisMs,
    series: [
      { key: 'p50', label: 'p50', color: '#0891b2' },
      { key: 'p95', label: 'p95', color: '#d97706' },
      { key: 'p99', label: 'p99', color: '#e11d48' },
    ],
  },
  {
    id: 'errors',
    title: 'Failed requests per second',
    source: 'timeline',
    fmt: fmtCount,
    whole: true,
    series: [{ key: 'errors', label: 'failed', color: '#dc2626', fill: 'rgba(220,38,38,0.55)', bars: true }],
  },
  {
    id: 'vus',
    title: 'Virtual users',
    source: 'timeline',
    fmt: fmtCount,
    whole: true,
    series: [{ key: 'vus', label: 'VUs', color: '#7c3aed', fill: 'rgba(124,58,237,0.10)', stepped: true }],
  },
  {
    id: 'memory',
    title: 'Target memory (RSS)',
    source: 'monitor',
    fmt: fmtMib,
    axis: (v) => `${fmtNum(v)} MiB`,
    series: [{ key: 'rssMb', label: 'RSS', color: '#0d9488', fill: 'rgba(13,148,136,0.12)' }],
  },
  {
    id: 'cpu',
    title: 'Target CPU',
    source: 'monitor',
    fmt: fmtCpu,
    axis: (v) => `${fmtNum(v)}%`,
    series: [{ key: 'cpuPct', label: 'CPU', color: '#ea580c' }],
  },
  {
    id: 'threads',
    title: 'Target threads',
    source: 'monitor',
    onlyIfChanging: true,
    fmt: fmtCount,
    whole: true,
    series: [{ key: 'threads', label: 'threads', color: '#7c3aed', stepped: true }],
  },
  {
    id: 'fds',
    title: 'Target open file descriptors',
    source: 'monitor',
    onlyIfChanging: true,
    fmt: fmtCount,
    whole: true,
    series: [{ key: 'fds', label: 'fds', color: '#0891b2', stepped: true }],
  },
];

const charts = new Map<RunChart, ChartBox>();

/** The points of a chart, or null when the chart has no place in this document. */
function chartPoints(spec: RunChart, doc: Obj): Obj[] | null {
  if (spec.source === 'monitor') {
    const mon = doc.monitor;
    return mon && typeof mon === 'object' ? arr(obj(mon).samples).map(obj) : null;
  }
  // A monitor document has no HTTP timeline by design: no empty request charts.
  return isMonitorOnly(doc) ? null : arr(doc.timeline).map(obj);
}

function changes(spec: RunChart, points: Obj[]): boolean {
  const values = new Set<number>();
  for (const p of points) for (const s of spec.series) if (isNum(p[s.key])) values.add(p[s.key] as number);
  return values.size > 1;
}

/** The run over time: its timeline, and the watched process' samples. */
export function renderChartsPanel(): HTMLElement {
  const grid = el('div', { class: 'chart-grid' });
  for (const spec of CHARTS) {
    const box = new ChartBox(spec.id, spec.title, (width) => timeOptions(spec, width));
    grid.append(box.box);
    charts.set(spec, box);
  }
  resizeWith(grid, () => charts.values());
  return panel('charts', 'Over time', grid);
}

export function updateCharts(doc: Obj): void {
  for (const [spec, box] of charts) {
    const points = chartPoints(spec, doc);
    const shown = points !== null && (!spec.onlyIfChanging || changes(spec, points));
    box.show(shown);
    if (!shown) continue;
    box.draw(timeData(spec, points), running() ? 'Waiting for the first second…' : 'No data in this run.');
  }
}
