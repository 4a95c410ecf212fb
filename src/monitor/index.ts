/**
 * The monitor layer (DESIGN.md: `monitor (system under test) ──> metrics`): the resources of
 * the system under test and their verdict, and the load generator's own health.
 */

export {
  CPU_BOUND_PCT,
  type GeneratorHealthMonitor,
  type GeneratorHealthOptions,
  LOOP_DELAY_BOUND_MS,
  startGeneratorHealth,
} from './generator-health.js';
export {
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_MS,
  describeExit,
  type LaunchedService,
  type LaunchOptions,
  launchService,
  type ServiceExit,
} from './launcher.js';
export { defaultSource, type SampleSource } from './readers.js';
export { judgeResource, type ResourceSpec } from './resource-verdict.js';
export {
  DEFAULT_INTERVAL_MS,
  type Sampler,
  type SamplerEnd,
  type SamplerOptions,
  startSampler,
} from './sampler.js';
export {
  serviceExitedError,
  startTargetMonitor,
  type TargetMonitor,
  type TargetMonitorOptions,
} from './target-monitor.js';
export { type SlopeEstimate, theilSen } from './theil-sen.js';
export {
  buildMonitorResult,
  defaultMemoryBudget,
  MIN_MEMORY_BUDGET_MB_PER_HOUR,
  type MonitorContext,
  type VerdictOptions,
} from './verdict.js';
