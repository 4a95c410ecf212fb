/** Live mode: frames from the dashboard's /events, a progress bar, a Stop button. */
import { el, fig } from './dom.js';
import { arr, isNum, num, type Obj, obj } from './read.js';
import { clock } from './time-format.js';
import { redraw, view } from './view.js';

const parts: {
  fill?: HTMLElement;
  elapsed?: HTMLElement;
  stop?: HTMLButtonElement;
  problem?: HTMLElement;
} = {};

export function liveBar(): HTMLElement {
  parts.fill = el('div', { class: 'progress-fill' });
  parts.elapsed = fig('span', 'elapsed', null, '', 'elapsed');
  parts.stop = el('button', { type: 'button', class: 'stop', onclick: onStop }, 'Stop test');
  parts.problem = el('span', { class: 'problem', role: 'status' });
  return el(
    'div',
    { class: 'live-bar' },
    el('div', { class: 'progress' }, parts.fill),
    parts.elapsed,
    parts.problem,
    parts.stop,
  );
}

export function updateLiveBar(): void {
  const { fill, elapsed: shown, stop, problem } = parts;
  if (!fill || !shown || !stop || !problem) return;
  // Once finished, the run's own duration against the planned one: a stopped run shows how far
  // it got.
  const durationSec = num(obj(view.doc).durationSec);
  const elapsed = view.final ? (durationSec === null ? null : durationSec * 1000) : view.elapsedMs;
  const total = view.totalMs;
  const ratio = isNum(elapsed) && isNum(total) && total > 0 ? Math.min(1, elapsed / total) : null;
  fill.style.width = ratio === null ? '100%' : `${(ratio * 100).toFixed(1)}%`;
  fill.classList.toggle('indeterminate', ratio === null && !view.final);
  shown.setAttribute('data-value', isNum(elapsed) ? String(elapsed) : '');
  const of = isNum(total) ? ` of ${clock(Math.round(total / 1000))}` : '';
  shown.textContent = isNum(elapsed) ? `${clock(Math.round(elapsed / 1000))}${of}` : '';
  stop.hidden = view.final;
  stop.disabled = view.state !== 'running';
  stop.textContent = view.state === 'stopping' ? 'stopping…' : 'Stop test';
  problem.textContent = view.problem;
}

async function onStop(): Promise<void> {
  if (view.state === 'stopping' || view.final || !view.live) return;
  const previous = view.state;
  view.state = 'stopping';
  view.problem = '';
  redraw.all();
  try {
    const res = await fetch('stop', { method: 'POST', headers: { 'X-Squall-Token': view.live.token } });
    if (!res.ok) throw new Error(`the dashboard answered ${res.status}`);
  } catch (e) {
    if (view.final) return;
    view.state = previous;
    view.problem = `Could not stop the test: ${(e as Error).message}`;
    redraw.all();
  }
}

/** The page's copy of the growing series: messages carry only the points it lacks. */
const held: { timeline: unknown[]; samples: unknown[]; endpoints: Map<string, unknown[]> } = {
  timeline: [],
  samples: [],
  endpoints: new Map(),
};

/** Each endpoint's timeline comes cut at the run's `timelineStart`, as the run's own does. */
function spliceEndpoints(endpoints: unknown, start: unknown): unknown {
  if (!Array.isArray(endpoints)) return endpoints;
  return endpoints.map((e) => {
    const ep = obj(e);
    if (!Array.isArray(ep.timeline)) return e;
    const key = `${String(ep.method ?? '')} ${String(ep.name ?? '')}`;
    const timeline = splice(held.endpoints.get(key) ?? [], start, ep.timeline);
    held.endpoints.set(key, timeline);
    return { ...ep, timeline };
  });
}

function splice(list: unknown[], start: unknown, points: unknown): unknown[] {
  return list.slice(0, Math.min(num(start) ?? 0, list.length)).concat(arr(points));
}

function onFrame(msg: Obj): void {
  if (view.final) return;
  const doc = obj(msg.doc);
  held.timeline = splice(held.timeline, msg.timelineStart, doc.timeline);
  const monitor = doc.monitor && typeof doc.monitor === 'object' ? obj(doc.monitor) : null;
  if (monitor) held.samples = splice(held.samples, msg.samplesStart, monitor.samples);
  view.doc = {
    ...doc,
    timeline: held.timeline,
    endpoints: spliceEndpoints(doc.endpoints, msg.timelineStart),
    monitor: monitor ? { ...monitor, samples: held.samples } : null,
  };
  view.elapsedMs = num(msg.elapsedMs);
  view.totalMs = num(msg.totalMs);
  if (view.state !== 'stopping') {
    view.state = 'running';
    view.problem = '';
  }
  redraw.all();
}

function onFinal(doc: unknown): void {
  view.final = true;
  view.state = 'finished';
  view.doc = obj(doc);
  redraw.all();
}

export function startLive(live: { token: string }): void {
  view.live = live;
  view.state = 'connecting';
  view.doc = { metrics: {}, endpoints: [], errors: [], timeline: [], thresholds: [], monitor: null };
  redraw.all();
  const events = new EventSource('events');
  events.addEventListener('frame', (e) => onFrame(obj(JSON.parse((e as MessageEvent).data))));
  events.addEventListener('final', (e) => {
    // The run is over and its server is about to close: no reconnecting.
    events.close();
    onFinal(JSON.parse((e as MessageEvent).data));
  });
  events.addEventListener('error', () => {
    if (view.final) return;
    // EventSource reconnects by itself; the next frame sets the state back to running.
    view.state = 'disconnected';
    view.problem = 'Lost the connection to squall; the test may have ended.';
    redraw.all();
  });
}
