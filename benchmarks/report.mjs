// Turning runs into medians, and medians into plain-text or Markdown tables.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Median of each metric over the rounds that produced a result (each metric on its own). */
export function summarize(runs) {
  const ok = runs.filter((r) => r.result);
  const pick = (k) => ok.map((r) => r.result[k]);
  return {
    ok: ok.length,
    total: runs.length,
    rps: median(pick('rps')),
    rpsMin: ok.length ? Math.min(...pick('rps')) : null,
    rpsMax: ok.length ? Math.max(...pick('rps')) : null,
    p50: median(pick('p50')),
    p99: median(pick('p99')),
    failRate: median(pick('failRate')),
    peakRssMb: median(ok.map((r) => r.peakRssMb)),
  };
}

export const fmt = {
  int: (x) => (x === null ? '–' : Math.round(x).toLocaleString('en-US')),
  ms: (x) => (x === null ? '–' : x < 100 ? x.toFixed(3) : x.toFixed(1)),
  mb: (x) => (x === null ? '–' : x.toFixed(1)),
  pct: (x) => (x === null ? '–' : `${(x * 100).toFixed(2)}%`),
  // A duration in ns, in the unit that keeps three or four significant figures.
  ns: (x) =>
    x === null || !Number.isFinite(x)
      ? '–'
      : x < 10
        ? `${x.toFixed(2)} ns`
        : x < 1000
          ? `${x.toFixed(1)} ns`
          : x < 1e6
            ? `${(x / 1e3).toFixed(2)} µs`
            : `${(x / 1e6).toFixed(2)} ms`,
  ratio: (x) => (x === null || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`),
};

export function machine() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
  return {
    date: spawnSync('date').stdout.toString().trim(),
    cpu,
    cores: os.cpus().length,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

export class Report {
  constructor(markdown) {
    this.md = markdown;
    this.lines = [];
  }

  heading(text, level = 2) {
    this.lines.push(
      this.md ? `${'#'.repeat(level + 1)} ${text}` : level === 1 ? `== ${text} ==` : `-- ${text} --`,
      '',
    );
  }

  text(line = '') {
    this.lines.push(line);
  }

  list(items) {
    for (const item of items) this.lines.push(this.md ? `- ${item}` : `  ${item}`);
    this.lines.push('');
  }

  /** rows: arrays of strings; align: one 'l' or 'r' per column (default: first left, numbers right). */
  table(headers, rows, align = `l${'r'.repeat(headers.length - 1)}`) {
    const right = (i) => align[i] === 'r';
    if (this.md) {
      this.lines.push(`| ${headers.join(' | ')} |`);
      this.lines.push(`| ${headers.map((_, i) => (right(i) ? '---:' : '---')).join(' | ')} |`);
      for (const row of rows) this.lines.push(`| ${row.join(' | ')} |`);
    } else {
      const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells) =>
        cells
          .map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
          .join('  ')
          .trimEnd();
      this.lines.push(line(headers), widths.map((w) => '-'.repeat(w)).join('  '));
      for (const row of rows) this.lines.push(line(row));
    }
    this.lines.push('');
  }

  toString() {
    // Sections are flushed one at a time; each ends with exactly one blank line.
    return `${this.lines.join('\n').trimEnd()}\n\n`;
  }
}
