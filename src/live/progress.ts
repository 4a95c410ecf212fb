import type { LiveSnapshot } from '../engine/live-snapshot.js';
import { fmtCount, fmtPct, fmtRate, isNum, painter, visibleWidth } from '../report/format.js';
import { formatMs } from '../util/duration.js';

/**
 * The live progress of a running test, written to stderr: one line rewritten in place on a
 * terminal, an occasional plain line in CI logs (where `\r` rewrites turn into a wall of text).
 */

export interface ProgressLineOptions {
  color: boolean;
  /** Terminal columns; the line is kept shorter, since a wrapped line breaks the `\r` rewrite. */
  width?: number;
  /** Draw the `[===>  ]` bar (default true); logs read better without it. */
  bar?: boolean;
}

export interface ProgressOptions {
  stream: NodeJS.WriteStream | { write(s: string): unknown };
  isTTY: boolean;
  color: boolean;
  /** Least time between two writes: 200ms on a TTY, 10s otherwise. */
  intervalMs?: number;
  now?: () => number;
}

export interface Progress {
  update(snap: LiveSnapshot): void;
  /** Clears the live line (TTY) so the summary starts on a clean line. Safe to call twice. */
  finish(): void;
}

const CLEAR_TO_EOL = '\u001b[K';
const MAX_BAR = 30;
const MIN_BAR = 10;

/** `12s`, `4m05s`, `2h00m30s`: whole seconds, so the line does not jitter. */
function clock(ms: number): string {
  const total = Math.max(0, Math.round((isNum(ms) ? ms : 0) / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  const ss = String(s).padStart(2, '0');
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${ss}s`;
  if (m > 0) return `${m}m${ss}s`;
  return `${s}s`;
}

function bar(ratio: number, inner: number): string {
  const filled = Math.floor(ratio * inner);
  if (filled >= inner) return `[${'='.repeat(inner)}]`;
  return `[${'='.repeat(filled)}>${' '.repeat(inner - filled - 1)}]`;
}

interface Segment {
  text: string;
  /** Lower is dropped first when the terminal is too narrow. */
  keep: number;
}

/**
 * One progress line, fitted to `width` when given:
 * `[=====>    ] 40% 12s/30s  vus 50  reqs 1,234  412 req/s  p95 12.3ms  errors 0`.
 */
export function renderProgressLine(snap: LiveSnapshot, opts: ProgressLineOptions): string {
  const p = painter(opts.color);
  const total = isNum(snap.totalMs) && snap.totalMs > 0 ? snap.totalMs : undefined;
  const count = snap.count && isNum(snap.count.total) && snap.count.total > 0 ? snap.count : undefined;
  const errors = isNum(snap.errors) ? snap.errors : 0;
  const requests = isNum(snap.requests) ? snap.requests : 0;
  const done = count && isNum(count.done) ? count.done : 0;
  // With both bounds (quick -n -d) the run ends at whichever comes first.
  const ratios = [...(total ? [(snap.elapsedMs || 0) / total] : []), ...(count ? [done / count.total] : [])];
  const known = ratios.length > 0;
  const ratio = known ? Math.min(1, Math.max(0, ...ratios)) : 0;

  const clockText = total ? `${clock(snap.elapsedMs)}/${clock(total)}` : clock(snap.elapsedMs);
  const countText = count ? `${fmtCount(done)}/${fmtCount(count.total)} ${count.unit} ` : '';
  const time = known ? `${Math.floor(ratio * 100)}% ${countText}${clockText}` : `running ${clockText}`;
  let errorText = `errors ${fmtCount(errors)}`;
  if (errors > 0 && requests > 0) errorText += ` (${fmtPct(errors / requests)})`;
  const segments: Segment[] = [
    { text: time, keep: 9 },
    { text: `vus ${fmtCount(snap.vus)}`, keep: 5 },
    // quick -n counts requests in its progress already.
    ...(count?.unit === 'reqs' ? [] : [{ text: `reqs ${fmtCount(requests)}`, keep: 4 }]),
    { text: `${fmtRate(snap.rps)} req/s`, keep: 8 },
    { text: `p95 ${isNum(snap.p95Ms) ? formatMs(snap.p95Ms) : '-'}`, keep: 7 },
    { text: errors > 0 ? p('red', errorText) : errorText, keep: 8 },
  ];

  const width = isNum(opts.width) && opts.width > 0 ? opts.width : undefined;
  const join = (segs: Segment[]) => segs.map((s) => s.text).join('  ');
  // The last terminal column is left free: writing into it makes some terminals wrap.
  const room = width ? width - 1 : Number.POSITIVE_INFINITY;
  let rest = segments;
  while (rest.length > 1 && visibleWidth(join(rest)) > room) {
    const weakest = rest.reduce((a, b) => (b.keep < a.keep ? b : a));
    rest = rest.filter((s) => s !== weakest);
  }
  let line = join(rest);

  if (known && opts.bar !== false) {
    const inner = Math.min(MAX_BAR, room - visibleWidth(line) - 3);
    if (inner >= MIN_BAR) line = `${p('cyan', bar(ratio, inner))} ${line}`;
  }
  if (visibleWidth(line) > room) {
    // Too narrow for even one segment: cut the plain text, since cutting escapes garbles them.
    line = renderProgressLine(snap, { color: false, bar: false }).slice(0, Math.max(0, room));
  }
  return line;
}

/** A progress writer. update() is throttled and never throws: progress must not stop a test. */
export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? (opts.isTTY ? 200 : 10_000);
  let lastWrite: number | undefined;
  let drawn = false;
  let finished = false;

  const write = (s: string) => {
    try {
      opts.stream.write(s);
    } catch {
      // A closed stderr (EPIPE) must not abort the run; the summary and outputs still matter.
    }
  };

  return {
    update(snap) {
      try {
        if (finished) return;
        const t = now();
        if (lastWrite !== undefined && t - lastWrite < interval) return;
        lastWrite = t;
        if (opts.isTTY) {
          const columns = (opts.stream as { columns?: unknown }).columns;
          const width = isNum(columns) && columns > 0 ? columns : 80;
          // Write then clear the rest, rather than clear then write, so the line never flickers.
          write(`\r${renderProgressLine(snap, { color: opts.color, width })}${CLEAR_TO_EOL}`);
          drawn = true;
        } else {
          write(`${renderProgressLine(snap, { color: false, bar: false })}\n`);
        }
      } catch {
        // A malformed snapshot costs one progress line, never the test.
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      if (opts.isTTY && drawn) write(`\r${CLEAR_TO_EOL}`);
    },
  };
}
