import { describe, expect, it } from 'vitest';
import { changePoints } from '../analysis/change-points.js';
import { renderTrendHtml, type TrendPage, trendUnit } from './trend-html.js';

/** A history of `levels` runs each, ids from 101, commits that try to break out of their cell. */
function page(levels: number[][], name = 'api'): TrendPage {
  const values = levels.flat();
  const series = values.map((value, i) => ({
    id: 101 + i,
    startedAt: new Date(Date.UTC(2026, 11, 1, 10, i)).toISOString(),
    commit: i % 2 === 0 ? `<b>c${i}</b>"'&` : null,
    value,
  }));
  // The change points the analysis finds, named by run as `history changes` names them.
  const changes = changePoints(values).map((c) => ({ ...c, id: series[c.index]!.id }));
  return { name, metric: 'http_req_duration:p(95)', unit: 'ms', series, changes };
}

const markers = (html: string) =>
  [...html.matchAll(/<g class="change-point" data-run="(\d+)">/g)].map((m) => Number(m[1]));

describe('renderTrendHtml', () => {
  it('marks each change point once, at its run, with before → after and the shift', () => {
    const p = page([
      Array.from({ length: 8 }, (_, i) => 10 + (i % 3) * 0.1),
      Array.from({ length: 8 }, (_, i) => 14 + (i % 3) * 0.1),
    ]);
    expect(p.changes).toHaveLength(1);
    const html = renderTrendHtml(p);
    const at = p.series[8]!.id;
    expect(markers(html)).toEqual([at]);
    const c = p.changes[0]!;
    expect(html).toContain(`run ${at}: `);
    expect(html).toContain(`(+${(c.shift * 100).toFixed(1)} %)`);
    // One mean level per segment, and the change point's row is marked in the table.
    expect(html.match(/class="level"/g)).toHaveLength(2);
    expect(html.match(/<tr class="changed">/g)).toHaveLength(1);
    expect(html).toMatch(new RegExp(`<tr class="changed"><td>${at}</td>`));
  });

  it('draws no marker and one level when the history is flat', () => {
    const p = page([Array.from({ length: 12 }, (_, i) => 20 + (i % 4) * 0.2)]);
    expect(p.changes).toEqual([]);
    const html = renderTrendHtml(p);
    expect(markers(html)).toEqual([]);
    expect(html.match(/class="level"/g)).toHaveLength(1);
    expect(html).toContain('no change point');
    expect(html.match(/<circle /g)).toHaveLength(12);
  });

  it('escapes the name, the metric and commits: nothing injects markup', () => {
    const p = { ...page([[1, 2, 3]], `<script>alert("x")</script>`), metric: 'x{name:<i>}:med' };
    const html = renderTrendHtml(p);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<i>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;c0&lt;/b');
    // Self-contained: no script, no link, no external source.
    expect(html).not.toMatch(/<script|<link|src=|href=/);
  });

  it('says so when no run has the metric', () => {
    const html = renderTrendHtml({
      name: 'api',
      metric: 'http_reqs:rate',
      unit: 'per-second',
      series: [],
      changes: [],
    });
    expect(html).toContain('no saved run has this metric');
    expect(html).not.toContain('<svg');
  });

  it('reads units from the metric', () => {
    expect(trendUnit('http_req_duration:p(95)', 'quick')).toBe('ms');
    expect(trendUnit('http_req_failed:rate', 'run')).toBe('share');
    expect(trendUnit('http_reqs:rate', 'run')).toBe('per-second');
    expect(trendUnit('http_reqs:count', 'run')).toBe('plain');
    expect(trendUnit('warm:med', 'bench')).toBe('ms');
  });
});
