import { buildHttpResult, type HttpRunParts } from './build.js';
import { type BenchRunParts, buildBenchResult } from './build-bench.js';
import { buildMonitorResult, type MonitorRunParts } from './build-monitor.js';
import { buildRunResult, type RunParts, type RunResultDocument } from './build-run.js';
import { buildSweepResult, type SweepRunParts } from './build-sweep.js';
import type { ResultDocument } from './schema.js';

/**
 * The one entry point that makes a result document, for every kind of run. Each kind brings its
 * own typed input; the frame, the metrics block, the endpoints and the histograms are built by
 * the same code (common.ts) whatever the kind.
 */

/** `squall quick`: one URL from the specialised engine. */
export interface QuickResultInput extends HttpRunParts {
  kind: 'quick';
}

/** `squall run`: a scripted test (scenarios, checks, custom metrics). */
export interface RunResultInput extends RunParts {
  kind: 'run';
}

/** `squall monitor`: a process watched, no load. */
export interface MonitorResultInput extends MonitorRunParts {
  kind: 'monitor';
}

/** `squall bench`: micro-benchmarks, no load. */
export interface BenchResultInput extends BenchRunParts {
  kind: 'bench';
}

/** `squall sweep`: one load at several levels. */
export interface SweepResultInput extends SweepRunParts {
  kind: 'sweep';
}

export type ResultInput =
  | QuickResultInput
  | RunResultInput
  | MonitorResultInput
  | BenchResultInput
  | SweepResultInput;

export function buildResult(input: RunResultInput): RunResultDocument;
export function buildResult(input: ResultInput): ResultDocument;
export function buildResult(input: ResultInput): ResultDocument {
  switch (input.kind) {
    case 'quick':
      return buildHttpResult(input);
    case 'run':
      return buildRunResult(input);
    case 'monitor':
      return buildMonitorResult(input);
    case 'bench':
      return buildBenchResult(input);
    case 'sweep':
      return buildSweepResult(input);
  }
}
