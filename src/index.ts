/**
 * squall's public library API: what `import … from 'squall'` gives a test file or a program.
 * Internal modules are not part of it.
 */

export type { SessionIO, SignalName, SignalSource, Writer } from './api/io.js';
/** Run a test from code: `quick()` benchmarks one URL, `run()` a test file or definition. */
export { type QuickRunOptions, quick } from './api/quick.js';
export { type RunOptions, run } from './api/run.js';
export type { SessionOptions } from './api/session-options.js';
/** Test data from CSV or JSON files: sequential, random, or unique rows. */
export { createFeeder, type Feeder, type FeederOrder, feeder } from './config/feeders.js';
export type { Step } from './config/flow.js';
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
} from './config/test-definition.js';
export type {
  FlowFn,
  HttpApi,
  HttpResponse,
  RequestOptions,
  VuContext,
  VuInfo,
} from './engine/vu-context.js';
/** Custom metrics (k6's API): declare at the top of a test file, `.add(value, tags)` in a flow. */
export { Counter, Gauge, Rate, Trend } from './metrics/custom.js';
/** The result document `quick()` and `run()` return (and `-o json=` writes), with its parts. */
export type * from './result/schema.js';
