import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { LiveSnapshot } from '../engine/live-snapshot.js';
import { createProgress, renderProgressLine } from './progress.js';

const ESC = '\u001b';

function snap(over: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return {
    elapsedMs: 12_000,
    totalMs: 30_000,
    requests: 4_944,
    rps: 412,
    p95Ms: 12.34,
    errors: 0,
    vus: 20,
    ...over,
  };
}

function fakeStream(columns?: number) {
  const writes: string[] = [];
  return { writes, columns, write: (s: string) => writes.push(s) };
}

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('renderProgressLine', () => {
  it('shows a bar, elapsed/total, VUs, requests, RPS, p95 and errors', () => {
    const line = renderProgressLine(snap(), { color: false });
    expect(line).toMatch(
      /^\[=+> +\] 40% 12s\/30s {2}vus 20 {2}reqs 4,944 {2}412 req\/s {2}p95 12\.3ms {2}errors 0$/,
    );
    expect(line).not.toContain(ESC);
  });

  it('shows p95 as - in a second with no response, never 0µs', () => {
    const line = renderProgressLine(snap({ p95Ms: null }), { color: false });
    expect(line).toContain('p95 -');
    expect(line).not.toContain('0µs');
  });

  it('fills the bar proportionally', () => {
    const line = renderProgressLine(snap({ elapsedMs: 15_000 }), { color: false });
    expect(line.startsWith(`[${'='.repeat(15)}>${' '.repeat(14)}]`)).toBe(true);
    expect(renderProgressLine(snap({ elapsedMs: 31_000 }), { color: false })).toMatch(
      /^\[={30}\] 100% 31s\/30s/,
    );
  });

  it('has no bar when the total is unknown', () => {
    const line = renderProgressLine(snap({ totalMs: undefined }), { color: false });
    expect(line).toMatch(/^running 12s {2}vus 20/);
    expect(line).not.toContain('[');
  });

  it('counts a count-bounded run and shows its elapsed time alone', () => {
    const count = { done: 120, total: 500, unit: 'iterations' };
    const line = renderProgressLine(snap({ totalMs: undefined, count }), { color: false });
    expect(line).toMatch(/^\[=+> +\] 24% 120\/500 iterations 12s {2}vus 20 {2}reqs 4,944/);
    const quick = renderProgressLine(snap({ totalMs: undefined, count: { ...count, unit: 'reqs' } }), {
      color: false,
      bar: false,
    });
    expect(quick).toMatch(/^24% 120\/500 reqs 12s {2}vus 20 {2}412 req\/s/);
    // Both bounds: whichever is nearer its end.
    expect(renderProgressLine(snap({ count }), { color: false, bar: false })).toMatch(
      /^40% 120\/500 iterations 12s\/30s/,
    );
  });

  it('formats long runs with minutes and hours', () => {
    const line = renderProgressLine(snap({ elapsedMs: 3_725_000, totalMs: 7_200_000 }), { color: false });
    expect(line).toContain('51% 1h02m05s/2h00m00s');
  });

  it('colours errors red only when there are some and colour is on', () => {
    const bad = renderProgressLine(snap({ errors: 12 }), { color: true });
    expect(bad).toContain('\u001b[31merrors 12 (0.24%)\u001b[39m');
    expect(renderProgressLine(snap({ errors: 12 }), { color: false })).not.toContain(ESC);
    expect(renderProgressLine(snap(), { color: true })).not.toContain('\u001b[31m');
  });

  it('fits the terminal width, shrinking the bar and then dropping the least useful parts', () => {
    for (const width of [20, 40, 60, 80, 100, 200]) {
      for (const color of [false, true]) {
        const line = renderProgressLine(snap({ errors: 3 }), { color, width });
        expect(stripVTControlCharacters(line).length).toBeLessThan(width);
      }
    }
    // Narrow: the bar goes before the numbers do.
    const narrow = renderProgressLine(snap({ errors: 3 }), { color: false, width: 80 });
    expect(narrow).not.toContain('[');
    expect(narrow).toContain('errors 3');
  });

  it('does not throw on nonsense input', () => {
    const junk = { elapsedMs: Number.NaN, requests: undefined, rps: null } as unknown as LiveSnapshot;
    expect(() => renderProgressLine(junk, { color: true, width: 50 })).not.toThrow();
  });
});

describe('createProgress on a TTY', () => {
  it('rewrites one line with \\r and clear-to-end-of-line, at most every 200ms', () => {
    const stream = fakeStream(120);
    const c = clock();
    const progress = createProgress({ stream, isTTY: true, color: false, now: c.now });
    progress.update(snap());
    expect(stream.writes).toHaveLength(1);
    expect(stream.writes[0]).toMatch(/^\r\[=+> +\] 40% 12s\/30s .*errors 0/);
    expect(stream.writes[0]!.endsWith(`${ESC}[K`)).toBe(true);
    c.t = 150;
    progress.update(snap());
    expect(stream.writes).toHaveLength(1);
    c.t = 210;
    progress.update(snap({ elapsedMs: 13_000 }));
    expect(stream.writes).toHaveLength(2);
    expect(stream.writes[1]).toContain('13s/30s');
    expect(stream.writes.join('')).not.toContain('\n');
  });

  it('keeps the line narrower than the terminal', () => {
    const stream = fakeStream(50);
    createProgress({ stream, isTTY: true, color: true, now: () => 0 }).update(snap({ errors: 5 }));
    const visible = stripVTControlCharacters(stream.writes[0]!.replace('\r', ''));
    expect(visible.length).toBeLessThan(50);
  });

  it('clears the line on finish, once, and ignores later updates', () => {
    const stream = fakeStream(100);
    const c = clock();
    const progress = createProgress({ stream, isTTY: true, color: true, now: c.now });
    progress.update(snap());
    progress.finish();
    progress.finish();
    c.t = 5_000;
    progress.update(snap());
    expect(stream.writes).toHaveLength(2);
    expect(stream.writes[1]).toBe('\r\u001b[K');
  });

  it('writes nothing on finish when nothing was drawn', () => {
    const stream = fakeStream(100);
    createProgress({ stream, isTTY: true, color: false }).finish();
    expect(stream.writes).toHaveLength(0);
  });
});

describe('createProgress without a TTY', () => {
  it('writes a plain line at most every 10s', () => {
    const stream = fakeStream();
    const c = clock(1_000);
    const progress = createProgress({ stream, isTTY: false, color: true, now: c.now });
    for (let s = 1; s <= 25; s++) {
      c.t = s * 1_000;
      progress.update(snap({ elapsedMs: s * 1_000, errors: 2 }));
    }
    progress.finish();
    // At 1s, 11s and 21s.
    expect(stream.writes).toHaveLength(3);
    for (const w of stream.writes) {
      expect(w).not.toContain(ESC);
      expect(w).not.toContain('\r');
      expect(w.endsWith('\n')).toBe(true);
      expect(w).not.toContain('[');
    }
    expect(stream.writes[1]).toBe(
      '36% 11s/30s  vus 20  reqs 4,944  412 req/s  p95 12.3ms  errors 2 (0.04%)\n',
    );
  });

  it('honours intervalMs', () => {
    const stream = fakeStream();
    const c = clock();
    const progress = createProgress({ stream, isTTY: false, color: false, intervalMs: 500, now: c.now });
    for (let t = 0; t <= 2_000; t += 250) {
      c.t = t;
      progress.update(snap());
    }
    expect(stream.writes).toHaveLength(5);
  });
});

describe('createProgress robustness', () => {
  it('never throws, even when the stream does', () => {
    const stream = {
      write: () => {
        throw new Error('EPIPE');
      },
    };
    const progress = createProgress({ stream, isTTY: true, color: true, now: () => 0 });
    expect(() => progress.update(snap())).not.toThrow();
    expect(() => progress.finish()).not.toThrow();
    const ok = fakeStream();
    const p2 = createProgress({ stream: ok, isTTY: false, color: false, now: () => 0 });
    expect(() => p2.update(null as unknown as LiveSnapshot)).not.toThrow();
  });
});
