import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchStats } from '../analysis/bench-stats.js';
import { fitComplexity } from '../analysis/complexity-fit.js';
import { SquallError } from '../errors/index.js';
import { VERSION } from '../result/version.js';
import { findBenchFiles } from './bench-files.js';
import type { BenchJob, ChildMessage } from './bench-protocol.js';
import type { SessionIO } from './io.js';

export interface BenchRunOptions {
  paths: string[];
  cwd: string;
  filter: string | null;
  timeMs: number | null;
  json: boolean;
  quiet: boolean;
  color: boolean;
}

type BenchMsg = Extract<ChildMessage, { type: 'bench' }>;
type ComplexityMsg = Extract<ChildMessage, { type: 'complexity' }>;

/** What the child measured, in the order it ran. */
export interface BenchRaw {
  files: string[];
  benches: BenchMsg[];
  complexity: ComplexityMsg[];
  gcExposed: boolean;
  timerResolutionNs: number;
  startedAt: Date;
  endedAt: Date;
  interrupted: boolean;
}

const CHILD = fileURLToPath(new URL('./bench-child.js', import.meta.url));

/** Runs the benches in a child process with --expose-gc and collects its raw figures. */
async function measure(opts: BenchRunOptions, io: SessionIO): Promise<BenchRaw> {
  const files = findBenchFiles(opts.paths, opts.cwd);
  if (opts.filter !== null) {
    try {
      new RegExp(opts.filter);
    } catch (e) {
      throw new SquallError(
        'SQ_USAGE_BAD_FLAG',
        `--filter "${opts.filter}" is not a regular expression: ${(e as Error).message}`,
        { where: { flag: '--filter' } },
      );
    }
  }
  const raw: BenchRaw = {
    files: files.map((f) => f.rel),
    benches: [],
    complexity: [],
    gcExposed: false,
    timerResolutionNs: 0,
    startedAt: new Date(),
    endedAt: new Date(),
    interrupted: false,
  };
  // The child's stdout is the user's console.log: kept off stdout, where --json prints the document.
  const child = fork(CHILD, [], {
    cwd: opts.cwd,
    execArgv: ['--expose-gc', '--enable-source-maps'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.pipe(process.stderr);
  const job: BenchJob = { type: 'job', files, filter: opts.filter, timeMs: opts.timeMs };
  child.send(job);
  let bad: SquallError | undefined;
  let done = false;
  let running: Extract<ChildMessage, { type: 'start' }> | undefined;
  let exit = '';
  const onSignal = () => {
    raw.interrupted = true;
    io.stderr.write('\nsquall: interrupted; reporting the benches measured so far\n');
    child.kill('SIGKILL');
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  try {
    await new Promise<void>((resolve) => {
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'bad-input') {
          bad = new SquallError(m.code, m.message, { where: m.where, hint: m.hint });
        } else if (m.type === 'start') {
          running = m;
          if (!opts.quiet && !opts.json)
            io.stderr.write(`  running ${m.group === null ? '' : `${m.group} › `}${m.name}\n`);
        } else if (m.type === 'bench') {
          raw.benches.push(m);
          if (m.raw.kind === 'serial') raw.timerResolutionNs = m.raw.timer.resolutionNs;
        } else if (m.type === 'complexity') raw.complexity.push(m);
        else if (m.type === 'done') {
          done = true;
          raw.gcExposed = m.gcExposed;
          // A bench file may leave a timer or a socket open: the child is not waited for.
          child.kill('SIGKILL');
        }
      });
      child.on('exit', (code, signal) => {
        exit = signal ?? `code ${code}`;
        resolve();
      });
    });
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
  }
  raw.endedAt = new Date();
  if (bad) throw bad;
  if (!done && !raw.interrupted) {
    // A bench that ends the process (process.exit, a crash): reported as that bench's error
    // (exit 1), with what was measured before it; the benches after it are not run.
    if (
      running === undefined ||
      raw.benches.some((b) => b.name === running!.name && b.group === running!.group)
    )
      throw new SquallError(
        'SQ_INTERNAL',
        `the bench process ended (${exit}) before it finished; see its output above`,
      );
    raw.benches.push(crashed(running, exit));
  }
  return raw;
}

/** The entry of a bench during which the child process ended. */
function crashed(m: Extract<ChildMessage, { type: 'start' }>, exit: string): BenchMsg {
  return {
    type: 'bench',
    file: m.file,
    group: m.group,
    name: m.name,
    concurrency: 1,
    raw: {
      kind: 'concurrent',
      concurrency: 1,
      latencies: [],
      completed: 0,
      windowMs: 0,
      opsPerSecond: 0,
      peakInFlight: 0,
      warmupIterations: 0,
      error: {
        phase: 'sample',
        message: `the bench process ended (${exit}) while this bench ran; later benches were not run`,
      },
    },
  };
}

function errorOf(raw: BenchMsg['raw']): { phase: string; message: string } | null {
  return raw.error === null ? null : { phase: raw.error.phase, message: raw.error.message };
}

/** One bench's entry in the document (docs/bench.md; bench-doc.md's BenchEntry). */
function benchEntry(m: BenchMsg) {
  const r = m.raw;
  const samples = r.kind === 'serial' ? r.samples : r.latencies;
  const s = samples.length ? benchStats(samples) : null;
  const warnings: string[] = [];
  if (s?.noisy) warnings.push('noisy: the margin of error is wider than 5 % of the mean');
  if (s?.bimodal) warnings.push('bimodal: the samples look like two populations');
  const concurrent =
    r.kind === 'concurrent' && s
      ? {
          latency: { mean: s.mean, p50: s.median, p95: quantile(r.latencies, 0.95), p99: s.p99, max: s.max },
          opsPerSec: r.opsPerSecond,
          completed: r.completed,
          windowMs: r.windowMs,
        }
      : null;
  return {
    file: m.file,
    group: m.group,
    name: m.name,
    async: r.kind === 'serial' ? r.async : true,
    concurrency: m.concurrency,
    stats: s && {
      samples: s.samples,
      mean: s.mean,
      median: s.median,
      p75: s.p75,
      p99: s.p99,
      min: s.min,
      max: s.max,
      sd: s.sd,
      moe: s.moe,
      rme: s.rme,
      // JSON has no Infinity: a function too fast to time reads as the ops/s of one timer step.
      opsPerSec: Number.isFinite(s.opsPerSec) ? s.opsPerSec : 0,
    },
    iterationsPerSample: r.kind === 'serial' ? r.iterationsPerSample : 1,
    totalIterations: r.kind === 'serial' ? r.totalIterations : r.completed,
    heapBytesPerOp: r.kind === 'serial' ? r.heapBytesPerOp : null,
    outliers: { low: s?.outliers.low ?? 0, high: s?.outliers.high ?? 0 },
    concurrent,
    budgets: [] as { expr: string; ok: boolean; actual: number | null }[],
    warnings,
    error: errorOf(r),
  };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function complexityEntry(m: ComplexityMsg) {
  let best: string | null = null;
  let fits: { class: string; coefficient: number; rms: number }[] = [];
  if (m.error === null && m.timesMs.length === m.sizes.length) {
    try {
      const fit = fitComplexity(m.sizes, m.timesMs);
      best = fit.best.class;
      fits = fit.fits.map((f) => ({ class: f.class, coefficient: f.coefficient, rms: f.rms }));
    } catch {
      // Too few or degenerate sizes: reported without a fit.
    }
  }
  return {
    file: m.file,
    name: m.name,
    sizes: m.sizes,
    timesMs: m.timesMs,
    best,
    fits,
    expect: m.expect,
    ok: null,
    error: m.error,
  };
}

/**
 * The bench result document (kind "bench", schema 2 family). Kept in one function so that the
 * result/ builder can take its place.
 */
export function benchDocument(raw: BenchRaw, opts: Pick<BenchRunOptions, 'filter' | 'timeMs'>) {
  const benches = raw.benches.map(benchEntry);
  const complexity = raw.complexity.map(complexityEntry);
  const warnings = benches.flatMap((b) => b.warnings.map((w) => `${b.name}: ${w}`));
  return {
    schema: 2 as const,
    tool: 'squall' as const,
    version: VERSION,
    kind: 'bench' as const,
    startedAt: raw.startedAt.toISOString(),
    endedAt: raw.endedAt.toISOString(),
    durationSec: (raw.endedAt.getTime() - raw.startedAt.getTime()) / 1000,
    endReason: raw.interrupted ? ('interrupted' as const) : ('completed' as const),
    config: { command: 'bench' as const, files: raw.files, filter: opts.filter, timeMs: opts.timeMs },
    passed: benches.every((b) => b.error === null) && complexity.every((c) => c.error === null),
    warnings,
    bench: {
      environment: {
        node: process.version,
        gcExposed: raw.gcExposed,
        timerResolutionNs: raw.timerResolutionNs,
        cpu: cpus()[0]?.model ?? 'unknown',
      },
      benches,
      speedups: [] as unknown[],
      complexity,
    },
  };
}

export type BenchDocument = ReturnType<typeof benchDocument>;

/** A duration per operation for people, down to nanoseconds. */
export function formatOpTime(ms: number): string {
  if (ms < 0.001) return `${(ms * 1e6).toFixed(2)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(2)} µs`;
  if (ms < 1000) return `${ms.toFixed(2)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function fmtOps(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

/** The console table: one row per bench, then each complexity check. */
export function benchTable(doc: BenchDocument): string {
  const head = ['benchmark', 'median', 'mean ± rme', 'p99', 'ops/s', 'samples'];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const b of doc.bench.benches) {
    const name = b.group === null ? b.name : `${b.group} › ${b.name}`;
    const s = b.stats;
    if (b.error) notes.push(`✗ ${name}: threw in ${b.error.phase}: ${b.error.message}`);
    if (!s) {
      rows.push([name, '-', '-', '-', '-', '0']);
      continue;
    }
    const ops = b.concurrent ? b.concurrent.opsPerSec : s.opsPerSec;
    const rme = s.rme === null ? '' : ` ± ${(s.rme * 100).toFixed(2)} %`;
    rows.push([
      `${name}${b.concurrency > 1 ? ` (×${b.concurrency})` : ''}`,
      formatOpTime(s.median),
      `${formatOpTime(s.mean)}${rme}`,
      formatOpTime(s.p99),
      fmtOps(ops),
      String(s.samples),
    ]);
    for (const w of b.warnings) notes.push(`! ${name}: ${w}`);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = rows.length ? [line(head), ...rows.map(line)] : [];
  for (const c of doc.bench.complexity) {
    const times = c.sizes
      .slice(0, c.timesMs.length)
      .map((n, i) => `n=${n}: ${formatOpTime(c.timesMs[i]!)}`)
      .join(', ');
    out.push(
      `complexity ${c.name}: ${c.best ?? 'no fit'}${c.expect ? ` (expected ${c.expect})` : ''}  ${times}`,
    );
    if (c.error) notes.push(`✗ ${c.name}: threw in ${c.error.phase}: ${c.error.message}`);
  }
  return [...out, ...notes].join('\n');
}

/**
 * `squall bench`: measure, then print the table (or the document with --json). The exit code:
 * 130 interrupted, 1 when a bench threw, else 0; bad input throws (exit 2) before anything runs.
 */
export async function runBenchCommand(opts: BenchRunOptions, io: SessionIO): Promise<number> {
  const raw = await measure(opts, io);
  const doc = benchDocument(raw, opts);
  if (opts.json) io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else if (!opts.quiet) io.stdout.write(`${benchTable(doc)}\n`);
  if (raw.interrupted) return 130;
  return doc.passed ? 0 : 1;
}
