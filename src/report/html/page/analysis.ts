import { fmtCount, fmtRate } from '../../../util/figures.js';
import { el, kv, panel } from './dom.js';
import { num, type Obj, obj, str } from './read.js';
import { clock, fmtSec } from './time-format.js';

/** The analyses of a run: its breaking point, its recovery from a spike. */
export function renderAnalysis(doc: Obj): HTMLElement | null {
  const parts: HTMLElement[] = [];
  if (doc.breakingPoint && typeof doc.breakingPoint === 'object') {
    const b = obj(doc.breakingPoint);
    parts.push(
      el(
        'div',
        { class: 'analysis', id: 'breaking-point' },
        el('h3', { text: 'Breaking point' }),
        el('p', { class: 'lead', 'data-field': 'breakingPoint.reason', text: str(b.reason) || '-' }),
        kv([
          ['Broke at', 'breakingPoint.rate', num(b.rate), `${fmtRate(b.rate)}/s`],
          [
            'Last healthy rate',
            'breakingPoint.lastHealthyRate',
            num(b.lastHealthyRate),
            `${fmtRate(b.lastHealthyRate)}/s`,
          ],
          ['VUs then', 'breakingPoint.vus', num(b.vus), fmtCount(b.vus)],
          ['At', 'breakingPoint.atSec', num(b.atSec), clock(b.atSec)],
        ]),
      ),
    );
  }
  if (doc.spike && typeof doc.spike === 'object') {
    const s = obj(doc.spike);
    const rec = num(s.recoverySec);
    parts.push(
      el(
        'div',
        { class: 'analysis', id: 'spike' },
        el('h3', { text: 'Spike' }),
        kv([
          ['Spike from', 'spike.startSec', num(s.startSec), clock(s.startSec)],
          ['Spike to', 'spike.endSec', num(s.endSec), clock(s.endSec)],
          ['Recovery', 'spike.recoverySec', rec, rec === null ? 'never recovered' : fmtSec(rec)],
        ]),
      ),
    );
  }
  return parts.length > 0
    ? panel('analysis', 'Analysis', el('div', { class: 'analysis-grid' }, parts))
    : null;
}
