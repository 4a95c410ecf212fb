import type { LlmOptions } from './api/llm.js';
import type { QuickRunOptions } from './api/quick.js';
import type { RunOptions } from './api/run.js';
import type { SweepOptions } from './api/sweep.js';
import type { ResultDocument } from './result/schema.js';
import type { TestDefinition } from './script-api/test-definition.js';

/**
 * squall's public library API: what `import … from 'squall'` gives a test file or a program.
 * Internal modules are not part of it.
 */

export type { SessionIO, SignalName, SignalSource, Writer } from './api/io.js';
export type { LlmOptions } from './api/llm.js';
export type { QuickRunOptions } from './api/quick.js';
export type { RunOptions } from './api/run.js';
export type { SessionOptions } from './api/session-options.js';
export type { SweepOptions } from './api/sweep.js';
/** Test data from CSV or JSON files: sequential, random, or unique rows. */
export { createFeeder, type Feeder, type FeederOrder, feeder } from './feeders/feeders.js';
/** Custom metrics (k6's API): declare at the top of a test file, `.add(value, tags)` in a flow. */
export { Counter, Gauge, Rate, Trend } from './metrics/custom.js';
/** The result document `quick()` and `run()` return (and `-o json=` writes), with its parts. */
export type * from './result/schema.js';
/** Micro-benchmarks, run by `squall bench` (docs/bench.md). */
export {
  type BenchOptions,
  bench,
  type ComplexityOptions,
  complexity,
  group,
} from './script-api/bench.js';
export type { Step } from './script-api/test-definition.js';
export {
  type Arrival,
  type Duration,
  defineTest,
  type ExecutorType,
  type PresetName,
  type ScenarioDefinition,
  type SetupContext,
  type StageDefinition,
  type StopConditionsDefinition,
  type TaskDefinition,
  type TeardownContext,
  type TestDefinition,
  type ThinkTime,
  type ThresholdDefinition,
  type ThresholdObject,
  type UserDefinition,
} from './script-api/test-definition.js';
export type {
  FlowFn,
  HttpApi,
  HttpResponse,
  RequestOptions,
  SseEvent,
  StreamTimings,
  VuContext,
  VuInfo,
} from './script-api/vu-context.js';
export type {
  WsApi,
  WsConnectOptions,
  WsMatch,
  WsMessage,
  WsReceiveOptions,
  WsSession,
} from './script-api/ws-api.js';

/**
 * Benchmarks one URL from code, as `squall quick` does, and returns the result document
 * (docs/library.md). Loaded on first call: a test file importing `defineTest` pays nothing for it.
 */
export async function quick(options: QuickRunOptions): Promise<ResultDocument> {
  return (await import('./api/quick.js')).quick(options);
}

/** Runs a test file or a test definition from code, as `squall run` does, and returns the result document. */
export async function run(test: string | TestDefinition, options?: RunOptions): Promise<ResultDocument> {
  return (await import('./api/run.js')).run(test, options);
}

/** Sweeps a URL or a test file over concurrency levels, as `squall sweep` does, and returns the sweep document. */
export async function sweep(target: string, options?: SweepOptions): Promise<ResultDocument> {
  return (await import('./api/sweep.js')).sweep(target, options);
}

/**
 * Loads an OpenAI-compatible streaming endpoint from code, as `squall llm` does, and returns the
 * result document with the llm_* metrics (docs/llm.md).
 */
export async function llm(options: LlmOptions): Promise<ResultDocument> {
  return (await import('./api/llm.js')).llm(options);
}

/**
 * Merges the documents of `--shard I/N` runs (or `quick()`/`run()` with `shard`) of one test into
 * the document of the whole run, exactly, as `squall merge` does (docs/scale.md). Throws a
 * SquallError (SQ_MERGE_MISMATCH) for documents that are not shards of one test.
 */
export async function merge(docs: readonly ResultDocument[]): Promise<ResultDocument> {
  return (await import('./result/merge-documents.js')).mergeDocuments(docs);
}
