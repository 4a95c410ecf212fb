/**
 * One endpoint over time: its latency (p50, p95, p99) and its throughput and failures per
 * second, from `endpoints[i].timeline` (schema 2; the busiest endpoints carry one, in the run's
 * own seconds). A document without them has no such panel.
 */
import { fmtNum, fmtRate } from '../../../util/figures.js';
import { endpointLabeller } from '../../endpoint-label.js';
import { el, panel } from './dom.js';
import { arr, isMonitorOnly, type Obj, obj, str } from './read.js';
import { Selector } from './selector.js';
import { axisMs, fmtMs } from './time-format.js';
import { ChartBox, type ChartSpec, resizeWith, timeData, timeOptions } from './uplot.js';
import { running } from './view.js';

const LATENCY: ChartSpec = {
  id: 'endpoint-latency',
  title: 'Latency',
  fmt: fmtMs,
  axis: axisMs,
  series: [
    { key: 'p50', label: 'p50', color: '#0891b2' },
    { key: 'p95', label: 'p95', color: '#d97706' },
    { key: 'p99', label: 'p99', color: '#e11d48' },
  ],
};

const THROUGHPUT: ChartSpec = {
  id: 'endpoint-rps',
  title: 'Requests and failures per second',
  fmt: fmtRate,
  axis: fmtNum,
  series: [
    { key: 'rps', label: 'req/s', color: '#4f46e5', fill: 'rgba(79,70,229,0.12)' },
    { key: 'errors', label: 'failed', color: '#dc2626', fill: 'rgba(220,38,38,0.55)', bars: true },
  ],
};

let section: HTMLElement;
let selector: Selector;
let boxes: Array<[ChartSpec, ChartBox]> = [];
let endpoints: Obj[] = [];
/** The endpoints' names as the selector shows them, in the same order. */
let labels: string[] = [];
let shownName: string | null = null;

function withTimeline(doc: Obj): Obj[] {
  if (isMonitorOnly(doc)) return [];
  return arr(doc.endpoints)
    .map(obj)
    .filter((ep) => Array.isArray(ep.timeline) && ep.timeline.length > 0);
}

export function renderEndpointChartsPanel(): HTMLElement {
  selector = new Selector('endpoint-select', 'Endpoint', () => draw(true));
  boxes = [LATENCY, THROUGHPUT].map((spec) => [
    spec,
    new ChartBox(spec.id, spec.title, (w) => timeOptions(spec, w)),
  ]);
  const grid = el(
    'div',
    { class: 'chart-grid' },
    boxes.map(([, b]) => b.box),
  );
  resizeWith(grid, () => boxes.map(([, b]) => b));
  section = panel(
    'endpoint-timelines',
    'Endpoints over time',
    el('p', { class: 'panel-tools' }, selector.node),
    grid,
  );
  section.hidden = true;
  return section;
}

export function updateEndpointCharts(doc: Obj): void {
  endpoints = withTimeline(doc);
  section.hidden = endpoints.length === 0;
  if (endpoints.length === 0) return;
  // Named as the console's endpoint table names them: `GET items` and `POST items` stay apart.
  const label = endpointLabeller(endpoints);
  labels = endpoints.map(label);
  selector.set(labels);
  draw(false);
}

function draw(fresh: boolean): void {
  const i = endpoints[selector.node.selectedIndex] ? selector.node.selectedIndex : 0;
  const ep = endpoints[i];
  if (!ep) return;
  const name = labels[i] ?? str(ep.name);
  const changed = fresh || name !== shownName;
  shownName = name;
  const points = arr(ep.timeline).map(obj);
  for (const [spec, box] of boxes) {
    box.show(true);
    box.draw(
      timeData(spec, points),
      running() ? 'Waiting for the first second…' : 'No data in this run.',
      name,
      changed,
    );
  }
}
