import { describe, expect, it } from 'vitest';
import * as figures from './figures.js';
import { fmtSig, metricCells, metricUnit, thresholdFigure } from './figures.js';

describe('figures', () => {
  it("shows a trend's counts at the histogram's precision: 20/30/40 read back as 20.01/30.02/40.02", () => {
    expect([20.01, 30.02, 40.02, 30.0133].map(fmtSig)).toEqual(['20', '30', '40', '30']);
    expect(fmtSig(1234.6)).toBe('1,235');
    expect(fmtSig(0.5)).toBe('0.5');
    expect(fmtSig(undefined)).toBe('-');
  });

  it('takes the unit from the document, never from the name', () => {
    // A count trend whose name says "time", a time trend whose name does not.
    expect(metricUnit('lifetime_orders', { kind: 'trend', unit: 'count', p50: 7, p95: 9 })).toBe('count');
    expect(metricUnit('queue_wait', { kind: 'trend', unit: 'ms', p50: 7, p95: 9 })).toBe('ms');
    // Older documents: the built-ins' known units, and no guess for anything else.
    expect(metricUnit('data_received', { count: 1, rate: 1 })).toBe('bytes');
    expect(metricUnit('http_req_duration{name:x}', { p50: 1, p95: 1 })).toBe('ms');
    expect(metricUnit('lifetime_orders', { p50: 7, p95: 9 })).toBe('count');
    expect(metricUnit('checks', { rate: 1, total: 2, fails: 0 })).toBe('ratio');
  });

  it("formats a metric's figures and a threshold's actual value in the metric's unit", () => {
    const metrics = {
      queue_wait: {
        kind: 'trend',
        unit: 'ms',
        count: 3,
        mean: 16.5,
        min: 2,
        p50: 16.5,
        max: 40,
        p90: 16.5,
        p95: 16.5,
        p99: 16.5,
      },
      lifetime_orders: {
        kind: 'trend',
        unit: 'count',
        count: 3,
        mean: 7,
        min: 7,
        p50: 7,
        max: 7,
        p90: 7,
        p95: 7,
        p99: 7,
      },
      data_received: { kind: 'counter', unit: 'bytes', count: 3876, rate: 1935.690106 },
      http_reqs: { kind: 'counter', unit: 'count', count: 86_866, rate: 43433.419679 },
    };
    expect(metricCells('queue_wait', metrics.queue_wait)[4]).toBe('p(90)=16.5ms');
    expect(metricCells('lifetime_orders', metrics.lifetime_orders)[0]).toBe('avg=7');
    expect(metricCells('data_received', metrics.data_received)).toEqual(['3.88 kB', '1.94 kB/s']);
    const t = (metric: string, expr: string, actual: number) =>
      thresholdFigure({ metric, expr, actual }, metrics);
    expect(t('queue_wait', 'p(90)<100', 16.5)).toBe('16.5ms');
    expect(t('lifetime_orders', 'avg<100', 7)).toBe('7');
    expect(t('http_reqs', 'rate>0', 43433.419679)).toBe('43,433/s');
    expect(t('data_received', 'count>0', 3876)).toBe('3.88 kB');
    expect(t('data_received', 'rate>0', 1935.690106)).toBe('1.94 kB/s');
    expect(t('http_reqs{name:x}', 'count>0', 5)).toBe('5');
  });

  it('imports nothing and keeps no module state: the report page runs each function from its source', () => {
    const fns = Object.entries(figures).filter(([, f]) => typeof f === 'function');
    const source = fns.map(([, f]) => String(f)).join('\n');
    const names = fns.map(([name]) => name).join(', ');
    const inPage = new Function(`${source}\nreturn { ${names} };`)() as typeof figures;
    expect(inPage.thresholdFigure({ metric: 'data_sent', expr: 'rate>1', actual: 1500 }, {})).toBe(
      '1.50 kB/s',
    );
    expect(inPage.metricCells('x', { kind: 'trend', unit: 'count', count: 1, mean: 30.02 })[0]).toBe(
      'avg=30',
    );
  });
});
