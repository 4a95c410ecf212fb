/**
 * The latency distribution as HdrHistogram's plotter draws it: each percentile's latency against
 * 1/(1−q) on a log scale, so that 90 %, 99 %, 99.9 % … sit at equal distances and the tail,
 * where the trouble is, gets room. Run-wide and per endpoint, read from the trends' histograms
 * (schema 2); a document without them has no such panel.
 */
import type UPlot from 'uplot';
import { fmtCount, fmtIn } from '../../../util/figures.js';
import { endpointLabeller } from '../../endpoint-label.js';
import { el, fig, panel } from './dom.js';
import { type DecodedHistogram, decodeHistogram } from './hdr-decode.js';
import { arr, isMonitorOnly, isNum, type Obj, obj } from './read.js';
import { Selector } from './selector.js';
import { percentileAt, spectrumPoints } from './spectrum-points.js';
import { axisMs } from './time-format.js';
import { AXIS, ChartBox, followLatest, resizeWith } from './uplot.js';

interface Source {
  label: string;
  histogram: string;
}

/** The percentiles the table lists, as HdrHistogram's percentile output starts them. */
const TABLE = [50, 90, 99, 99.9, 99.99, 100];

const decoded = new Map<string, Promise<DecodedHistogram>>();
let sources: Source[] = [];
let section: HTMLElement;
let table: HTMLElement;
let selector: Selector;
let chart: ChartBox;
/** The source drawn last and its labels by point, for the legend. */
let drawn = '';
let pointLabels: string[] = [];

function histogramSources(doc: Obj): Source[] {
  if (isMonitorOnly(doc)) return [];
  const out: Source[] = [];
  const run = obj(obj(doc.metrics).http_req_duration).histogram;
  if (typeof run === 'string' && run !== '') out.push({ label: 'All requests', histogram: run });
  // Named as the console's endpoint table names them: `GET items` and `POST items` stay apart.
  const endpoints = arr(doc.endpoints).map(obj);
  const label = endpointLabeller(endpoints);
  for (const ep of endpoints) {
    if (typeof ep.histogram === 'string' && ep.histogram !== '')
      out.push({ label: label(ep), histogram: ep.histogram });
  }
  return out;
}

function options(width: number): UPlot.Options {
  return {
    width,
    height: 260,
    scales: {
      x: {
        time: false,
        distr: 3,
        log: 10,
        range: (_u, _min, max) => [1, 10 ** Math.max(1, Math.ceil(Math.log10(max) - 1e-9))],
      },
      y: { range: (_u, _min, max) => [0, isNum(max) && max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        ...AXIS,
        // One label per decade: 0%, 90%, 99%, 99.9% …
        splits: (u) => {
          const max = u.scales.x?.max ?? 10;
          const out: number[] = [];
          for (let x = 1; x <= max * 1.000001; x *= 10) out.push(x);
          return out;
        },
        values: (_u, splits) => splits.map(percentileAt),
      },
      { ...AXIS, size: 70, values: (_u, splits) => splits.map(axisMs) },
    ],
    series: [
      {
        label: 'percentile',
        value: (u, _v, _s, i) => (i === null ? '-' : (pointLabels[i] ?? percentileAt(u.data[0][i] ?? 1))),
      },
      {
        label: 'latency',
        stroke: '#4f46e5',
        width: 2,
        fill: 'rgba(79,70,229,0.10)',
        points: { show: (u: UPlot) => u.data[0].length < 3, size: 6 },
        value: (_u, v) => fmtIn('ms', v),
      },
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    // Away from the cursor the legend shows the last point: the maximum, the far end of the tail.
    hooks: { setLegend: [followLatest] },
  };
}

function decode(b64: string): Promise<DecodedHistogram> {
  let p = decoded.get(b64);
  if (!p) {
    p = decodeHistogram(b64);
    decoded.set(b64, p);
  }
  return p;
}

export function renderDistributionPanel(): HTMLElement {
  selector = new Selector('distribution-select', 'Latency distribution of', () => void draw(true));
  chart = new ChartBox('spectrum', 'Latency by percentile', options);
  table = el('div', { class: 'table-wrap' });
  const grid = el('div', { class: 'chart-grid spectrum-grid' }, chart.box, table);
  resizeWith(grid, () => [chart]);
  section = panel(
    'distribution',
    'Latency distribution',
    el('p', { class: 'panel-tools' }, selector.node),
    grid,
  );
  section.hidden = true;
  return section;
}

export function updateDistribution(doc: Obj): void {
  sources = histogramSources(doc);
  section.hidden = sources.length === 0;
  if (sources.length === 0) return;
  selector.set(sources.map((s) => s.label));
  void draw(false);
}

async function draw(fresh: boolean): Promise<void> {
  const source = sources[selector.node.selectedIndex] ?? sources[0];
  if (!source) return;
  if (source.histogram === drawn && !fresh) return;
  drawn = source.histogram;
  let h: DecodedHistogram;
  try {
    h = await decode(source.histogram);
  } catch (e) {
    chart.show(true);
    chart.draw([[]], `This histogram cannot be read: ${(e as Error).message}.`, source.histogram, true);
    table.replaceChildren();
    return;
  }
  // A newer choice was made while this one was being read.
  if (drawn !== source.histogram) return;
  const { x, y, labels } = spectrumPoints(h);
  pointLabels = labels;
  chart.show(true);
  chart.draw(h.totalCount > 0 ? [x, y] : [[]], 'No requests in this histogram.', source.histogram, true);
  table.replaceChildren(percentileTable(source, h));
}

function percentileTable(source: Source, h: DecodedHistogram): HTMLElement {
  return el(
    'table',
    { class: 'data percentiles', 'data-source': source.label },
    el(
      'thead',
      null,
      el(
        'tr',
        null,
        el('th', { class: 'text', text: 'Percentile' }),
        el('th', { class: 'num', text: 'Latency' }),
      ),
    ),
    el(
      'tbody',
      null,
      TABLE.map((p) => {
        const v = h.totalCount > 0 ? h.valueAtPercentile(p) / 1000 : null;
        return el(
          'tr',
          { 'data-percentile': String(p) },
          el('td', { class: 'text', text: p === 100 ? 'max' : `${p}%` }),
          fig('td', `spectrum.p${p}`, v, fmtIn('ms', v), 'num'),
        );
      }),
      el(
        'tr',
        { 'data-percentile': 'count' },
        el('td', { class: 'text', text: 'requests' }),
        fig('td', 'spectrum.count', h.totalCount, fmtCount(h.totalCount), 'num'),
      ),
    ),
  );
}
