import { parseBudgets } from '../analysis/bench-verdicts.js';
import { parseComplexity } from '../analysis/complexity-fit.js';
import { importTestModule } from '../config/load-module.js';
import { sampleConcurrent } from '../engine/bench/concurrency.js';
import type { RawError } from '../engine/bench/raw.js';
import { sampleFunction } from '../engine/bench/sample.js';
import { isSquallError, SquallError } from '../errors/index.js';
import {
  type BenchRegistration,
  benchRegistry,
  type ComplexityRegistration,
  type Registration,
} from '../script-api/bench.js';
import type { BenchJob, ChildMessage, WireError } from './bench-protocol.js';
import { sampleInThreads } from './bench-threads.js';

/**
 * The process `squall bench` forks (with --expose-gc): loads every bench file, then measures
 * each registered bench in turn and posts the raw figures to the parent. Statistics and output
 * are the parent's (bench-runner.ts).
 */

const DEFAULT_TIME_MS = 1000;
/** Sampling per size of a complexity check is this share of a bench's time, at least 50 ms. */
const MIN_SIZE_TIME_MS = 50;

function post(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(msg, () => resolve()));
}

function wire(e: RawError | null): WireError | null {
  return e === null ? null : { phase: e.phase, message: e.message };
}

/** A raw result as it crosses to the parent: the thrown value itself stays here. */
function wireRaw<R extends { error: RawError | null }>(
  raw: R,
): Omit<R, 'error'> & { error: WireError | null } {
  return { ...raw, error: wire(raw.error) };
}

async function badInput(e: SquallError): Promise<void> {
  await post({ type: 'bad-input', code: e.code, message: e.message, where: e.where, hint: e.hint });
}

/** A registration and its file: as named in messages, and its absolute path (for --workers' threads). */
interface Loaded {
  file: string;
  abs: string;
  entry: Registration;
}

/** Every file's registrations, or the first bad input (nothing is measured then). */
async function loadAll(job: BenchJob): Promise<Loaded[] | SquallError> {
  const all: Loaded[] = [];
  const registry = benchRegistry();
  for (const f of job.files) {
    registry.entries = [];
    registry.group = null;
    try {
      await importTestModule(f.abs, f.rel);
    } catch (e) {
      if (isSquallError(e)) return e;
      throw e;
    }
    if (registry.entries.length === 0) {
      return new SquallError('SQ_BENCH_EMPTY', `${f.rel} registers no benchmark`, {
        where: { file: f.rel },
        hint: "call bench('name', fn) or complexity(...) at the top level of the file, imported from 'squall'",
      });
    }
    const problem = registry.entries.map((e) => optionProblem(e, f.rel, registry.entries)).find(Boolean);
    if (problem) return problem;
    for (const entry of registry.entries) all.push({ file: f.rel, abs: f.abs, entry });
  }
  return all;
}

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
const wholeAtLeast1 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
const isFn = (v: unknown): boolean => typeof v === 'function';

function labelOf(entry: Registration): string {
  return entry.group === null ? entry.name : `${entry.group} › ${entry.name}`;
}

/**
 * What is wrong with a registration's options, found before anything is measured: the error
 * names the file and the bench (a budget's own message quotes the expression and the forms).
 */
function optionProblem(entry: Registration, file: string, all: Registration[]): SquallError | undefined {
  const where = { file };
  const invalid = (problem: string) =>
    new SquallError('SQ_CONFIG_INVALID', `${entry.kind} '${labelOf(entry)}' in ${file}: ${problem}`, {
      where,
    });
  try {
    const text = entry.kind === 'bench' ? benchProblem(entry, all) : complexityProblem(entry, file);
    return text === undefined ? undefined : invalid(text);
  } catch (e) {
    // parseBudgets and parseComplexity say what is wrong and what is accepted.
    if (!isSquallError(e)) throw e;
    return new SquallError(e.code, `${file}: ${e.message}`, { where, hint: e.hint });
  }
}

function benchProblem(entry: BenchRegistration, all: Registration[]): string | undefined {
  const o = entry.options ?? {};
  if (typeof o !== 'object') return `options must be an object, got ${JSON.stringify(o)}`;
  if (o.concurrency !== undefined && !wholeAtLeast1(o.concurrency))
    return `concurrency must be a whole number of at least 1, got ${JSON.stringify(o.concurrency)}`;
  if (o.time !== undefined && !positive(o.time))
    return `time must be a positive number of milliseconds, got ${JSON.stringify(o.time)}`;
  if (o.iterations !== undefined && !wholeAtLeast1(o.iterations))
    return `iterations must be a whole number of at least 1, got ${JSON.stringify(o.iterations)}`;
  if (o.setup !== undefined && !isFn(o.setup)) return 'setup must be a function';
  if (o.teardown !== undefined && !isFn(o.teardown)) return 'teardown must be a function';
  const w = o.warmup as unknown;
  if (
    w !== undefined &&
    w !== false &&
    (typeof w !== 'object' ||
      w === null ||
      ((w as { time?: unknown }).time !== undefined && !positive((w as { time?: unknown }).time)) ||
      ((w as { iterations?: unknown }).iterations !== undefined &&
        !wholeAtLeast1((w as { iterations?: unknown }).iterations)))
  )
    return `warmup must be false or { time: ms, iterations: n }, got ${JSON.stringify(w)}`;
  parseBudgets(o.budget, labelOf(entry));
  if (o.speedup !== undefined) {
    const sp = o.speedup as { over?: unknown; atLeast?: unknown };
    if (typeof sp !== 'object' || sp === null || typeof sp.over !== 'string')
      return `speedup must be { over: 'the name of a bench in the same group', atLeast?: a factor }, got ${JSON.stringify(sp)}`;
    if (sp.atLeast !== undefined && !positive(sp.atLeast))
      return `speedup.atLeast must be a positive factor such as 10, got ${JSON.stringify(sp.atLeast)}`;
    if (sp.over === entry.name) return 'speedup.over names the bench itself';
    const peers = all.filter((x) => x.kind === 'bench' && x.group === entry.group && x !== entry);
    if (!peers.some((x) => x.name === sp.over)) {
      const names = peers.map((x) => `'${x.name}'`).join(', ') || 'none';
      return `speedup.over is '${sp.over}', which is no bench of ${entry.group === null ? 'this file outside a group' : `group '${entry.group}'`} (benches there: ${names})`;
    }
  }
  return undefined;
}

function complexityProblem(entry: ComplexityRegistration, file: string): string | undefined {
  const o = entry.options as Partial<ComplexityRegistration['options']> | undefined;
  if (!isFn(o?.fn)) return 'fn must be the function to time on each input';
  if (!isFn(o!.setup)) return 'setup must be a function that builds the input of size n';
  if (!Array.isArray(o!.sizes) || new Set(o!.sizes).size < 3 || !o!.sizes.every(wholeAtLeast1))
    return `sizes must be at least three distinct whole numbers ≥ 1, got ${JSON.stringify(o!.sizes)}`;
  if (o!.expect !== undefined)
    parseComplexity(o!.expect, `the expect of complexity '${labelOf(entry)}'`, { file });
  return undefined;
}

/**
 * The registrations to run: those the filter matches, and the bench each of them claims a
 * speedup over (a speedup needs both), in the files' order.
 */
function selection(loaded: Loaded[], filter: RegExp | null): Loaded[] {
  if (filter === null) return loaded;
  const matches = (e: Registration) =>
    filter.test(e.group === null ? e.name : `${e.group} ${e.name}`) || filter.test(e.name);
  const picked = new Set(loaded.filter((x) => matches(x.entry)));
  for (const x of [...picked]) {
    const over = x.entry.kind === 'bench' ? x.entry.options.speedup?.over : undefined;
    if (over === undefined) continue;
    const target = loaded.find(
      (y) => y.entry.kind === 'bench' && y.entry.group === x.entry.group && y.entry.name === over,
    );
    if (target) picked.add(target);
  }
  return loaded.filter((x) => picked.has(x));
}

async function runBench(
  file: { abs: string; rel: string },
  b: BenchRegistration,
  job: BenchJob,
): Promise<void> {
  const o = b.options;
  const concurrency = o.concurrency ?? 1;
  const time = (job.timeMs ?? o.time ?? DEFAULT_TIME_MS) * job.timeShare;
  const iterations = job.timeMs === null ? o.iterations : undefined;
  const common = { time, iterations, warmup: o.warmup, setup: o.setup, teardown: o.teardown };
  // --workers spreads the calls in flight of a concurrent bench over threads; a bench of one
  // call at a time stays here, where nothing else runs beside it.
  const raw =
    concurrency > 1 && job.workers > 1
      ? await sampleInThreads(
          { ...file, group: b.group, name: b.name },
          { concurrency, time, iterations },
          job.workers,
        )
      : concurrency > 1
        ? wireRaw(await sampleConcurrent(b.fn, { ...common, concurrency }))
        : wireRaw(await sampleFunction(b.fn, common));
  await post({
    type: 'bench',
    file: file.rel,
    group: b.group,
    name: b.name,
    concurrency,
    budget: o.budget === undefined ? [] : Array.isArray(o.budget) ? o.budget : [o.budget],
    speedup: o.speedup ? { over: o.speedup.over, atLeast: o.speedup.atLeast ?? null } : null,
    raw,
  });
}

/**
 * Rounds over the sizes. A shared machine slows down whole stretches of time (another process on
 * the core or its hyperthread): timed once, the size that ran during such a stretch reads slow and
 * bends the fit towards a faster-growing class. Timed in interleaved rounds, each size keeps its
 * fastest round's median, since load only ever adds time.
 */
const COMPLEXITY_ROUNDS = 5;

/** One size's median time per call over `time` ms, or the error that stopped it. */
async function timeSize(
  o: ComplexityRegistration['options'],
  n: number,
  time: number,
): Promise<{ ms: number } | { error: WireError }> {
  let input: unknown;
  try {
    input = await o.setup(n);
  } catch (e) {
    return { error: { phase: 'setup', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } };
  }
  const raw = await sampleFunction(o.fn, {
    setup: () => input,
    time,
    warmup: { time: Math.min(50, time / 4) },
    memory: false,
  });
  if (raw.error) return { error: wire(raw.error)! };
  const sorted = [...raw.samples].sort((a, b) => a - b);
  return { ms: sorted[sorted.length >> 1]! };
}

async function runComplexity(file: string, c: ComplexityRegistration, job: BenchJob): Promise<void> {
  const o = c.options;
  const sizes = Array.isArray(o.sizes) ? o.sizes : [];
  const perSize = Math.max(
    MIN_SIZE_TIME_MS,
    ((job.timeMs ?? DEFAULT_TIME_MS) * job.timeShare) / Math.max(1, sizes.length),
  );
  const perRound = perSize / COMPLEXITY_ROUNDS;
  const best = sizes.map(() => Number.POSITIVE_INFINITY);
  let error: WireError | null = null;
  for (let round = 0; round < COMPLEXITY_ROUNDS && error === null; round++) {
    for (let i = 0; i < sizes.length; i++) {
      const t = await timeSize(o, sizes[i]!, perRound);
      globalThis.gc?.();
      if ('error' in t) {
        error = t.error;
        break;
      }
      best[i] = Math.min(best[i]!, t.ms);
    }
  }
  // After an error, the sizes timed before it (a prefix: the first round runs them in order).
  const timesMs = best.filter(Number.isFinite);
  await post({
    type: 'complexity',
    file,
    group: c.group,
    name: c.name,
    sizes,
    timesMs,
    expect: o.expect ?? null,
    error,
  });
}

async function runJob(job: BenchJob): Promise<void> {
  const loaded = await loadAll(job);
  if (!Array.isArray(loaded)) {
    await badInput(loaded);
    return;
  }
  const filter = job.filter === null ? null : new RegExp(job.filter);
  for (const { file, abs, entry } of selection(loaded, filter)) {
    await post({ type: 'start', file, group: entry.group, name: entry.name });
    globalThis.gc?.();
    if (entry.kind === 'bench') await runBench({ abs, rel: file }, entry, job);
    else await runComplexity(file, entry, job);
  }
  await post({ type: 'done', gcExposed: typeof globalThis.gc === 'function' });
}

// The parent decides what Ctrl-C means (print what was measured, exit 130) and ends this process.
process.on('SIGINT', () => {});
process.once('message', (job: BenchJob) => {
  runJob(job)
    .catch((e: unknown) => {
      process.stderr.write(`squall bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    })
    .finally(() => process.disconnect());
});
