import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../result/schema.js';
import { cspHash } from './assets.js';
import { renderPage } from './page.js';
import { renderHtml } from './render.js';

const HOSTILE = '</script><script>window.__xss=1</script><!-- <img src=x onerror=alert(1)>';

const doc: ResultDocument = {
  schema: 1,
  tool: 'squall',
  version: 'test',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:02.000Z',
  durationSec: 2,
  endReason: 'completed',
  config: { command: 'quick', url: 'http://127.0.0.1:1/' },
  metrics: {
    http_reqs: { count: 3, rate: 1.5 },
    http_req_duration: {
      count: 3,
      min: 1,
      mean: 2,
      stdev: 1,
      p50: 2,
      p90: 3,
      p95: 3,
      p99: 3,
      p999: 3,
      max: 3,
    },
    http_req_failed: { rate: 1 / 3, fails: 1, total: 3 },
  },
  endpoints: [
    {
      name: HOSTILE,
      count: 3,
      failures: 1,
      rps: 1.5,
      statusCodes: { '200': 2, '503': 1 },
      latency: { p50: 2, p95: 3, p99: 3, max: 3, mean: 2 },
    },
  ],
  errors: [{ kind: 'status 503', count: 1, example: `${HOSTILE} answered 503` }],
  timeline: [{ t: 1, rps: 1, p50: 2, p95: 3, p99: 3, errors: 1, vus: 1 }],
  thresholds: [],
  passed: true,
  monitor: null,
  breakingPoint: null,
};

/** The text of every inline element `<tag …>…</tag>`, as the HTML parser would cut it. */
function elements(html: string, tag: string): Array<{ attrs: string; text: string }> {
  const re = new RegExp(`<${tag}(\\b[^>]*)>([\\s\\S]*?)</${tag}`, 'gi');
  return [...html.matchAll(re)].map((m) => ({ attrs: m[1]!, text: m[2]! }));
}

describe('renderHtml', () => {
  const html = renderHtml(doc);
  const scripts = elements(html, 'script');

  it('embeds the document so that it reads back exactly, whatever its strings hold', () => {
    const data = scripts.find((s) => s.attrs.includes('id="squall-result"'));
    expect(data?.attrs).toContain('type="application/json"');
    expect(JSON.parse(data!.text)).toEqual(doc);
    // The data, uPlot and the page script, no more: no string closed one early or opened another.
    expect(scripts.map((s) => s.attrs.trim())).toEqual([
      'type="application/json" id="squall-result"',
      '',
      '',
    ]);
    expect(html.match(/<\/script/gi)).toHaveLength(scripts.length);
  });

  it('inlines uPlot from its package and loads nothing from anywhere', () => {
    const require = createRequire(import.meta.url);
    const uplot = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    expect(scripts.some((s) => s.text === uplot)).toBe(true);
    expect(html).not.toMatch(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=/i);
  });

  it('allows exactly its own scripts and no connection in its Content-Security-Policy', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    const runnable = scripts.filter((s) => !s.attrs.includes('application/json'));
    const allowed = /script-src ([^;]*)/.exec(csp)?.[1]?.trim().split(/\s+/);
    expect(allowed).toEqual(runnable.map((s) => cspHash(s.text)));
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain("default-src 'none'");
  });
});

describe('renderPage for the dashboard', () => {
  const html = renderPage({ doc: null, live: { token: 'abc123' } });

  it('carries the token, no document, and may connect to its own server only', () => {
    const scripts = elements(html, 'script');
    const live = scripts.find((s) => s.attrs.includes('id="squall-live"'));
    expect(JSON.parse(live!.text)).toEqual({ token: 'abc123' });
    expect(JSON.parse(scripts.find((s) => s.attrs.includes('id="squall-result"'))!.text)).toBeNull();
    expect(html).toContain("connect-src 'self'");
  });
});
