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

async function badInput(e: SquallError): Promise<void> {
  await post({ type: 'bad-input', code: e.code, message: e.message, where: e.where, hint: e.hint });
}

/** Every file's registrations, or the first bad input (nothing is measured then). */
async function loadAll(job: BenchJob): Promise<{ file: string; entry: Registration }[] | SquallError> {
  const all: { file: string; entry: Registration }[] = [];
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
    for (const entry of registry.entries) {
      const problem = optionProblem(entry);
      if (problem) {
        const label = entry.group === null ? entry.name : `${entry.group} › ${entry.name}`;
        return new SquallError('SQ_CONFIG_INVALID', `${entry.kind} '${label}' in ${f.rel}: ${problem}`, {
          where: { file: f.rel },
        });
      }
      all.push({ file: f.rel, entry });
    }
  }
  return all;
}

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
const wholeAtLeast1 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;

/** What is wrong with a registration's options, found before anything is measured. */
function optionProblem(entry: Registration): string | undefined {
  if (entry.kind === 'bench') {
    const o = entry.options ?? {};
    if (typeof o !== 'object') return `options must be an object, got ${JSON.stringify(o)}`;
    if (o.concurrency !== undefined && !wholeAtLeast1(o.concurrency))
      return `concurrency must be a whole number of at least 1, got ${JSON.stringify(o.concurrency)}`;
    if (o.time !== undefined && !positive(o.time))
      return `time must be a positive number of milliseconds, got ${JSON.stringify(o.time)}`;
    if (o.iterations !== undefined && !wholeAtLeast1(o.iterations))
      return `iterations must be a whole number of at least 1, got ${JSON.stringify(o.iterations)}`;
    return undefined;
  }
  const o = entry.options as Partial<ComplexityRegistration['options']> | undefined;
  if (typeof o?.fn !== 'function') return 'fn must be the function to time on each input';
  if (typeof o.setup !== 'function') return 'setup must be a function that builds the input of size n';
  if (!Array.isArray(o.sizes) || new Set(o.sizes).size < 2 || !o.sizes.every(wholeAtLeast1))
    return `sizes must be at least two distinct whole numbers ≥ 1, got ${JSON.stringify(o.sizes)}`;
  return undefined;
}

function selected(entry: Registration, filter: RegExp | null): boolean {
  if (filter === null) return true;
  const full = entry.group === null ? entry.name : `${entry.group} ${entry.name}`;
  return filter.test(full) || filter.test(entry.name);
}

async function runBench(file: string, b: BenchRegistration, job: BenchJob): Promise<void> {
  const o = b.options;
  const concurrency = o.concurrency ?? 1;
  const time = job.timeMs ?? o.time ?? DEFAULT_TIME_MS;
  const iterations = job.timeMs === null ? o.iterations : undefined;
  const common = { time, iterations, warmup: o.warmup, setup: o.setup, teardown: o.teardown };
  const raw =
    concurrency > 1
      ? await sampleConcurrent(b.fn, { ...common, concurrency })
      : await sampleFunction(b.fn, common);
  await post({
    type: 'bench',
    file,
    group: b.group,
    name: b.name,
    concurrency,
    raw: { ...raw, error: wire(raw.error) },
  });
}

async function runComplexity(file: string, c: ComplexityRegistration, job: BenchJob): Promise<void> {
  const o = c.options;
  const sizes = Array.isArray(o.sizes) ? o.sizes : [];
  const perSize = Math.max(MIN_SIZE_TIME_MS, (job.timeMs ?? DEFAULT_TIME_MS) / Math.max(1, sizes.length));
  const timesMs: number[] = [];
  let error: WireError | null = null;
  for (const n of sizes) {
    let input: unknown;
    try {
      input = await o.setup(n);
    } catch (e) {
      error = { phase: 'setup', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      break;
    }
    const raw = await sampleFunction(o.fn, {
      setup: () => input,
      time: perSize,
      warmup: { time: Math.min(50, perSize / 4) },
      memory: false,
    });
    if (raw.error) {
      error = wire(raw.error);
      break;
    }
    const sorted = [...raw.samples].sort((a, b) => a - b);
    timesMs.push(sorted[sorted.length >> 1]!);
    globalThis.gc?.();
  }
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
  for (const { file, entry } of loaded) {
    if (!selected(entry, filter)) continue;
    await post({ type: 'start', file, group: entry.group, name: entry.name });
    globalThis.gc?.();
    if (entry.kind === 'bench') await runBench(file, entry, job);
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
