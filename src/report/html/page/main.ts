/*
 * The squall report page. It draws a result document, read from the JSON in #squall-result (the
 * HTML report) or streamed from the `--ui` dashboard's /events when #squall-live is present.
 * Bundled by esbuild into one script at build time (page-bundle.ts); uPlot is its own script.
 *
 * The page is drawn in slots, each re-drawn only when its part of the document changed, so a
 * live update once a second keeps the charts, the table's sort and an open <details> as they were.
 */
import { pageTitle } from '../title.js';
import { renderAnalysis } from './analysis.js';
import { renderBanner } from './banners.js';
import { renderBench } from './bench.js';
import { renderCards } from './cards.js';
import { renderChartsPanel, updateCharts } from './charts.js';
import { renderCodesErrors } from './codes-errors.js';
import { renderComparisonPanel } from './comparison.js';
import { renderDistributionPanel, updateDistribution } from './distribution.js';
import { el } from './dom.js';
import { renderEndpointChartsPanel, updateEndpointCharts } from './endpoint-charts.js';
import { renderEndpoints, sort } from './endpoints.js';
import { renderHeader } from './header.js';
import { isLoadDocument, slotShown } from './kinds.js';
import { liveBar, startLive, updateLiveBar } from './live.js';
import { renderConfig, renderMetrics } from './metrics-config.js';
import { renderMonitor } from './monitor.js';
import { arr, isMonitorOnly, type Obj, obj } from './read.js';
import { renderSweep } from './sweep.js';
import { renderChecks, renderScenarios, renderThresholds } from './tables.js';
import { redraw, running, view } from './view.js';

/** What the monitor panel shows, without serialising every sample once a second. */
function monitorKey(d: Obj) {
  const m = d.monitor && typeof d.monitor === 'object' ? obj(d.monitor) : null;
  return m ? { ...m, samples: arr(m.samples).length } : null;
}

interface Slot {
  /** What the slot shows: redrawn when this changes. */
  deps: (d: Obj) => unknown[];
  build: (d: Obj) => HTMLElement | null;
}

/** Slots drawn once and updated in place (charts keep their canvas), by the document. */
const STATIC: Record<string, { mount: () => HTMLElement; update: (d: Obj) => void }> = {
  charts: { mount: renderChartsPanel, update: updateCharts },
  distribution: { mount: renderDistributionPanel, update: updateDistribution },
  'endpoint-charts': { mount: renderEndpointChartsPanel, update: updateEndpointCharts },
};

const SLOTS: Array<[string, Slot | null]> = [
  [
    'header',
    {
      deps: (d) => {
        const m = obj(d.monitor);
        const c = obj(d.comparison);
        return [d.version, d.startedAt, d.endedAt, d.durationSec, d.endReason, d.passed, d.config].concat([
          c.a,
          c.verdict,
          m.pid,
          m.cmd,
          m.verdict,
          m.leakSuspected,
          m.leaks,
          m.exit,
        ]);
      },
      build: renderHeader,
    },
  ],
  [
    'banner',
    {
      deps: (d) => [
        obj(d.metrics).http_reqs,
        obj(d.metrics).http_req_failed,
        d.generator,
        d.config,
        obj(d.monitor).warnings,
      ],
      build: renderBanner,
    },
  ],
  // A monitor document's process comes first, with its verdict, where a load test has its cards.
  [
    'target',
    {
      deps: (d) => [isMonitorOnly(d) && monitorKey(d)],
      build: (d) => (isMonitorOnly(d) ? renderMonitor(d) : null),
    },
  ],
  ['bench', { deps: (d) => [d.kind, d.bench, d.warnings], build: renderBench }],
  ['sweep', { deps: (d) => [d.kind, d.sweep], build: renderSweep }],
  ['cards', { deps: (d) => [d.metrics, d.thresholds, d.config], build: renderCards }],
  // `--baseline`: the run against its baseline, for a load test and a bench alike.
  ['comparison', { deps: (d) => [d.comparison], build: renderComparisonPanel }],
  ['charts', null],
  ['distribution', null],
  ['endpoints', { deps: (d) => [endpointRows(d), d.metrics, sort, d.config], build: renderEndpoints }],
  ['endpoint-charts', null],
  ['codes-errors', { deps: (d) => [endpointRows(d), d.errors, d.config], build: renderCodesErrors }],
  ['thresholds', { deps: (d) => [d.thresholds, d.metrics, d.config], build: renderThresholds }],
  ['checks', { deps: (d) => [d.checks], build: renderChecks }],
  ['scenarios', { deps: (d) => [d.scenarios], build: renderScenarios }],
  ['analysis', { deps: (d) => [d.breakingPoint, d.spike], build: renderAnalysis }],
  [
    'monitor',
    {
      deps: (d) => [!isMonitorOnly(d) && monitorKey(d)],
      build: (d) => (isMonitorOnly(d) ? null : renderMonitor(d)),
    },
  ],
  ['metrics', { deps: (d) => [d.metrics, d.config], build: renderMetrics }],
  ['config', { deps: (d) => [d.config], build: renderConfig }],
];

/** The endpoints' table figures, without their timelines and histograms (charts draw those). */
function endpointRows(d: Obj): unknown[] {
  return arr(d.endpoints).map((e) => ({ ...obj(e), timeline: undefined, histogram: undefined }));
}

const holders = new Map<string, { holder: HTMLElement; key: string }>();
const main = el('main', { class: 'page' });

function mount(live: boolean): void {
  const app = document.getElementById('app');
  if (!app) return;
  app.textContent = '';
  app.append(main);
  for (const [name] of SLOTS) {
    const holder = el('div', { class: `slot slot-${name}` });
    main.append(holder);
    holders.set(name, { holder, key: '' });
    const fixed = STATIC[name];
    if (fixed) holder.append(fixed.mount());
    if (name === 'header' && live) main.append(liveBar());
  }
  main.append(el('footer', { class: 'foot', text: 'Generated by squall' }));
}

function drawSlot(name: string, slot: Slot, doc: Obj, force: boolean): void {
  const h = holders.get(name);
  if (!h) return;
  const key = JSON.stringify([slot.deps(doc), view.state, view.final]);
  if (key === h.key && !force) return;
  h.key = key;
  // A <details> the reader opened or closed stays so when its content is redrawn.
  const folded = new Map<string, boolean>();
  for (const d of h.holder.querySelectorAll<HTMLDetailsElement>('details[data-key]'))
    folded.set(d.dataset.key ?? '', d.open);
  const node = slot.build(doc);
  h.holder.replaceChildren(...(node ? [node] : []));
  for (const d of h.holder.querySelectorAll<HTMLDetailsElement>('details[data-key]')) {
    const open = folded.get(d.dataset.key ?? '');
    if (open !== undefined) d.open = open;
  }
}

function render(): void {
  const doc = view.doc;
  if (!doc) return;
  // A bench or a sweep has no load of its own: the load test's panels stay hidden (kinds.ts).
  for (const [name, slot] of SLOTS) {
    const h = holders.get(name);
    if (h) h.holder.hidden = !slotShown(doc.kind, name);
    if (slot && !h?.holder.hidden) drawSlot(name, slot, doc, false);
  }
  if (isLoadDocument(doc.kind)) for (const fixed of Object.values(STATIC)) fixed.update(doc);
  if (view.live) updateLiveBar();
  document.title = pageTitle(doc, running());
}

redraw.all = render;
redraw.slot = (name) => {
  const slot = SLOTS.find(([n]) => n === name)?.[1];
  if (slot && view.doc) drawSlot(name, slot, view.doc, true);
};

function readJson(id: string): unknown {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent ?? 'null') : null;
}

const live = readJson('squall-live');
mount(!!live);
if (live) {
  startLive(obj(live) as { token: string });
} else {
  view.doc = obj(readJson('squall-result'));
  render();
}
