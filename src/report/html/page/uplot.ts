/**
 * uPlot, the charting library: inlined into the page as its own script (its exact package file,
 * allowed by its own CSP hash), so this bundle takes it from the global it defines.
 */
import type UPlot from 'uplot';
import { el } from './dom.js';
import { isNum } from './read.js';
import { clock } from './time-format.js';

export type Plot = UPlot;
export const uPlot = (globalThis as unknown as { uPlot: typeof UPlot }).uPlot;

export const CHART_HEIGHT = 200;
const SECOND_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
const WHOLE_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];

export const AXIS = { stroke: '#64748b', grid: { stroke: '#edf0f5', width: 1 }, ticks: { show: false } };

export interface SeriesSpec {
  key: string;
  label: string;
  color: string;
  fill?: string;
  bars?: boolean;
  stepped?: boolean;
}

/** A chart of points over the run's seconds. */
export interface ChartSpec {
  id: string;
  title: string;
  fmt: (v: unknown) => string;
  axis?: (v: unknown) => string;
  /** Counts (VUs, failures) have no fractional ticks. */
  whole?: boolean;
  series: SeriesSpec[];
}

export type Data = Array<Array<number | null>>;

/** The columns uPlot draws: the seconds, then each series (null where a point lacks it). */
export function timeData(spec: ChartSpec, points: Array<Record<string, unknown>>): Data {
  const rows = points.filter((p) => isNum(p.t));
  return [
    rows.map((p) => p.t as number),
    ...spec.series.map((s) => rows.map((p) => (isNum(p[s.key]) ? p[s.key] : null) as number | null)),
  ];
}

/** Keeps the legend on the newest point away from the cursor: live charts grow. */
export function followLatest(u: Plot): void {
  const n = u.data[0].length;
  const away = u.legend.idx == null || !((u.cursor.left ?? -1) >= 0);
  if (away && n > 0 && u.legend.idx !== n - 1) u.setLegend({ idx: n - 1 }, false);
}

export function timeOptions(spec: ChartSpec, width: number): UPlot.Options {
  return {
    width,
    height: CHART_HEIGHT,
    scales: {
      // Bars are centred on their second: half a second of room on each side keeps the first
      // and last whole.
      x: {
        time: false,
        range: spec.series.some((s) => s.bars)
          ? (_u, min, max) => [min - 0.5, max + 0.5]
          : (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]),
      },
      // From zero: a rate or a latency read against a cut axis looks far worse than it is.
      y: { range: (_u, _min, max) => [0, isNum(max) && max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      { ...AXIS, values: (_u, splits) => splits.map(clock), incrs: SECOND_INCRS },
      {
        ...AXIS,
        size: 70,
        values: (_u, splits) => splits.map(spec.axis ?? spec.fmt),
        ...(spec.whole ? { incrs: WHOLE_INCRS } : {}),
      },
    ],
    series: [
      { label: 'time', value: (_u, v) => clock(v) },
      ...spec.series.map(
        (s): UPlot.Series => ({
          label: s.label,
          stroke: s.color,
          // Bars are filled only, so a second with no failures draws nothing.
          width: s.bars ? 0 : 2,
          ...(s.fill ? { fill: s.fill } : {}),
          ...(s.bars
            ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }) }
            : s.stepped
              ? { paths: uPlot.paths.stepped!({ align: 1 }) }
              : {}),
          points: { show: (u: Plot) => u.data[0].length < 3, size: 6 },
          value: (_u, v) => spec.fmt(v),
        }),
      ),
    ],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    hooks: { setLegend: [followLatest] },
  };
}

/**
 * A chart's card: its title, the canvas' host and a note for when it has nothing to draw. It
 * redraws only when its data changed: series only grow at their end (live) or never change
 * (report), so the length and the last point tell, without serialising hours of points.
 */
export class ChartBox {
  readonly box: HTMLElement;
  readonly host: HTMLElement;
  private readonly empty: HTMLElement;
  plot: Plot | null = null;
  private key = '';

  constructor(
    readonly id: string,
    title: string,
    private readonly options: (width: number) => UPlot.Options,
  ) {
    this.host = el('div', { class: 'chart', 'data-chart': id });
    this.empty = el('p', { class: 'note chart-empty', text: 'No data yet.' });
    this.box = el(
      'div',
      { class: 'chart-card', hidden: true },
      el('h3', { text: title }),
      this.host,
      this.empty,
    );
  }

  show(shown: boolean): void {
    this.box.hidden = !shown;
  }

  /** Draws the data (or says why there is none); `fresh` replaces the chart, as for a new selection. */
  draw(data: Data, emptyText: string, extraKey: unknown = null, fresh = false): void {
    const key = JSON.stringify([data[0]?.length, data.map((d) => d.at(-1)), emptyText, extraKey]);
    if (key === this.key && !fresh) return;
    this.key = key;
    const has = (data[0]?.length ?? 0) > 0;
    this.empty.textContent = emptyText;
    this.empty.hidden = has;
    this.host.hidden = !has;
    if (fresh && this.plot) {
      this.plot.destroy();
      this.plot = null;
    }
    if (!has) return;
    if (this.plot) this.plot.setData(data as UPlot.AlignedData);
    else
      this.plot = new uPlot(
        this.options(Math.max(this.host.clientWidth, 280)),
        data as UPlot.AlignedData,
        this.host,
      );
  }
}

/** Charts follow their grid's width. */
export function resizeWith(grid: HTMLElement, boxes: () => Iterable<ChartBox>): void {
  if (typeof ResizeObserver !== 'function') return;
  new ResizeObserver(() => {
    for (const c of boxes()) {
      if (c.plot && c.host.clientWidth > 0)
        c.plot.setSize({ width: c.host.clientWidth, height: CHART_HEIGHT });
    }
  }).observe(grid);
}
