/**
 * squall's public library API: what `import … from 'squall'` gives a test file or a program.
 * Internal modules are not part of it.
 */

/** Test data from CSV or JSON files: sequential, random, or unique rows. */
export { createFeeder, type Feeder, type FeederOrder, feeder } from './feeders/feeders.js';
/** Custom metrics (k6's API): declare at the top of a test file, `.add(value, tags)` in a flow. */
export { Counter, Gauge, Rate, Trend } from './metrics/custom.js';
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
  VuContext,
  VuInfo,
} from './script-api/vu-context.js';
