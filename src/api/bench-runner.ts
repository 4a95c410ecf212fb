import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SquallError } from '../errors/index.js';
import { buildBenchResult } from '../result/build-bench.js';
import type { ResultDocument } from '../result/schema.js';
import { findBenchFiles } from './bench-files.js';
import { mergeForkBenches, mergeForkComplexity } from './bench-forks.js';
import type { BenchJob, ChildMessage } from './bench-protocol.js';
import { type BenchMsg, benchSectionOf, type ComplexityMsg } from './bench-section.js';
import { deliverResult } from './deliver.js';
import type { SessionIO } from './io.js';
import { checkOutputsWritable, type OutputSpec } from './outputs.js';
import { reportDirOutputs } from './report-dir.js';

export interface BenchRunOptions {
  paths: string[];
  cwd: string;
  filter: string | null;
  timeMs: number | null;
  /** `--forks N`: fresh processes run one after another, each for 1/N of every bench's time. */
  forks: number;
  /** `--workers N`: a concurrent bench's calls in flight over N worker threads (default 1). */
  workers?: number;
  /** `-o KIND=PATH` file outputs, rendered from the document as a run's are. */
  outputs: OutputSpec[];
  /** `--report-dir DIR`: every file output as `bench_YYYYMMDD_HHMMSS.*` in DIR. */
  reportDir?: string;
  json: boolean;
  quiet: boolean;
  /** undefined: colour when stdout is a terminal (and NO_COLOR is unset). */
  color: boolean | undefined;
  /** `--baseline`: judges the document before it is delivered. */
  judge?: (result: ResultDocument) => void;
}

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

/**
 * Runs the benches in `--forks` child processes with --expose-gc, one after another, and merges
 * their raw figures (bench-forks.ts). A process that did not finish (interrupted, crashed) is the
 * last: what it and those before it measured is kept.
 */
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
  const benches: BenchMsg[][] = [];
  const complexity: ComplexityMsg[][] = [];
  let failure: unknown;
  for (let index = 1; index <= opts.forks; index++) {
    const one: ForkRaw = { benches: [], complexity: [], finished: false };
    benches.push(one.benches);
    complexity.push(one.complexity);
    try {
      await measureFork(opts, io, files, index, one, raw);
    } catch (e) {
      failure = e;
    }
    if (failure !== undefined || raw.interrupted || !one.finished) break;
  }
  raw.benches = mergeForkBenches(benches);
  raw.complexity = mergeForkComplexity(complexity);
  raw.endedAt = new Date();
  if (failure !== undefined) throw failure;
  return raw;
}

/** What one process measured; `finished` once it reported done. */
interface ForkRaw {
  benches: BenchMsg[];
  complexity: ComplexityMsg[];
  finished: boolean;
}

async function measureFork(
  opts: BenchRunOptions,
  io: SessionIO,
  files: ReturnType<typeof findBenchFiles>,
  index: number,
  one: ForkRaw,
  raw: BenchRaw,
): Promise<void> {
  // The child's stdout is the user's console.log: kept off stdout, where --json prints the document.
  const child = fork(CHILD, [], {
    cwd: opts.cwd,
    execArgv: ['--expose-gc', '--enable-source-maps'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.pipe(process.stderr);
  const job: BenchJob = {
    type: 'job',
    files,
    filter: opts.filter,
    timeMs: opts.timeMs,
    timeShare: 1 / opts.forks,
    workers: opts.workers ?? 1,
  };
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
            io.stderr.write(
              `  running ${m.group === null ? '' : `${m.group} › `}${m.name}${opts.forks > 1 ? ` (process ${index} of ${opts.forks})` : ''}\n`,
            );
        } else if (m.type === 'bench') {
          one.benches.push(m);
          if (m.raw.kind === 'serial') raw.timerResolutionNs = m.raw.timer.resolutionNs;
        } else if (m.type === 'complexity') one.complexity.push(m);
        else if (m.type === 'done') {
          done = true;
          one.finished = true;
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
    one.benches.push(crashed(running, exit));
  }
}

/** The entry of a bench during which the child process ended. */
function crashed(m: Extract<ChildMessage, { type: 'start' }>, exit: string): BenchMsg {
  return {
    type: 'bench',
    file: m.file,
    group: m.group,
    name: m.name,
    concurrency: 1,
    budget: [],
    speedup: null,
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

/**
 * `squall bench`: measure, then deliver the document (the console summary or --json, and the -o
 * files) as every run does. The exit code: 130 interrupted, 1 when a bench threw, 99 when a
 * budget, speedup or complexity expectation failed, else 0; bad input throws (exit 2) before
 * anything runs.
 */
export async function runBenchCommand(
  opts: BenchRunOptions,
  io: SessionIO,
): Promise<{ exitCode: number; result: ResultDocument }> {
  const outputs = [...opts.outputs, ...reportDirOutputs(opts.reportDir, 'bench')];
  checkOutputsWritable(outputs);
  const raw = await measure(opts, io);
  const { section, warnings } = benchSectionOf({
    benches: raw.benches,
    complexity: raw.complexity,
    environment: {
      node: process.version,
      gcExposed: raw.gcExposed,
      timerResolutionNs: raw.timerResolutionNs,
      cpu: cpus()[0]?.model ?? 'unknown',
    },
  });
  const doc = buildBenchResult({
    startedAt: raw.startedAt,
    endedAt: raw.endedAt,
    endReason: raw.interrupted ? 'interrupted' : 'completed',
    config: {
      command: 'bench',
      files: raw.files,
      filter: opts.filter,
      timeMs: opts.timeMs,
      ...((opts.workers ?? 1) > 1 ? { workers: opts.workers } : {}),
    },
    warnings,
    bench: section,
  });
  await deliverResult(
    doc,
    { outputs, json: opts.json, quiet: opts.quiet, color: opts.color, judge: opts.judge },
    io,
  );
  const done = (exitCode: number) => ({ exitCode, result: doc });
  if (raw.interrupted) return done(130);
  const threw = section.benches.some((b) => b.error) || section.complexity.some((c) => c.error);
  if (threw) return done(1);
  return done(doc.passed ? 0 : 99);
}
