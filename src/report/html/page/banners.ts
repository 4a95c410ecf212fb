import { fmtCount } from '../../../util/figures.js';
import { droppedNotes } from '../../dropped.js';
import { monitorWarnings } from '../../monitor-state.js';
import { el, note } from './dom.js';
import { arr, isMonitorOnly, num, type Obj, obj, str } from './read.js';
import { running } from './view.js';

/** What makes the figures below mislead, said before them. */
export function renderBanner(doc: Obj): HTMLElement | null {
  // Why iterations were dropped, in the console's words: in the open model a stall shows as
  // drops, so the reason belongs beside the count.
  const notes: Array<HTMLElement | null> = [
    renderSaturation(doc),
    ...droppedNotes(doc).map((text) => note(text, 'warn banner dropped')),
  ];
  const m = obj(doc.metrics);
  const count = num(obj(m.http_reqs).count);
  const fails = num(obj(m.http_req_failed).fails);
  if (count === 0 && !running() && !isMonitorOnly(doc)) {
    notes.push(note('No request completed in this run.', 'warn banner'));
  }
  if (count !== null && count > 0 && fails === count) {
    notes.push(
      note(
        `Every request failed (${fmtCount(count)} of ${fmtCount(count)}): see Errors below.`,
        'bad banner',
      ),
    );
  }
  // Doubts about the watched process (a wrapper, not the port's owner) come before any figure.
  for (const w of monitorWarnings(obj(doc.monitor))) {
    const n = note(`⚠ Target process: ${w}`, 'warn banner');
    n.setAttribute('data-field', 'monitor.bannerWarning');
    notes.push(n);
  }
  const shown = notes.filter((n): n is HTMLElement => n !== null);
  return shown.length > 0 ? el('div', { class: 'banners' }, shown) : null;
}

/** The seconds squall fell behind its own schedule, as the timeline counts them (t of 1 = the first). */
function limitedSeconds(g: Obj): HTMLElement | null {
  const secs = arr(g.limitedSeconds).filter((s): s is number => typeof s === 'number');
  if (secs.length === 0) return null;
  return el('p', {
    class: 'limited-seconds',
    'data-field': 'generator.limitedSeconds',
    'data-value': secs.join(','),
    text:
      `⏱ Generator-limited seconds (${secs.length}): ` +
      secs
        .slice(0, 12)
        .map((s) => `${s - 1}–${s} s`)
        .join(', ') +
      (secs.length > 12 ? ', …' : ''),
  });
}

/** squall ran out of CPU or its event loop lagged: its latencies include its own delay. */
function renderSaturation(doc: Obj): HTMLElement | null {
  const g = obj(doc.generator);
  if (g.saturated !== true) return null;
  const command = obj(doc.config).command;
  const fewer =
    command === 'quick' ? 'fewer connections (-c)' : command === 'run' ? 'fewer VUs (--vus)' : 'less load';
  return el(
    'div',
    {
      class: 'banner warn saturation',
      id: 'saturation',
      'data-field': 'generator.saturated',
      'data-value': 'true',
    },
    el('p', {
      class: 'banner-title',
      text: 'squall itself was saturated: the figures below measure squall, not the target.',
    }),
    el(
      'ul',
      { class: 'reasons' },
      arr(g.reasons).map((r) => el('li', { 'data-field': 'generator.reason', text: str(r) })),
    ),
    limitedSeconds(g),
    el('p', {
      class: 'banner-hint',
      text: `Run again with ${fewer} and compare, or run squall on a bigger machine, apart from the target.`,
    }),
  );
}
