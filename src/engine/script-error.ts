import { isSquallError, SquallError } from '../errors/index.js';
import { scriptPosition } from './script-location.js';

/** Where the user's code threw, outside a flow (flow errors are per-iteration data, not this). */
export type ScriptPhase = 'setup' | 'teardown' | 'think' | 'before' | 'after';

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

const HINTS: Record<ScriptPhase, string> = {
  setup: 'setup() runs once before the load starts; no load was sent. Fix the error and run again.',
  teardown: 'teardown() runs once after the load; the load ran to its end and its results were written.',
  think: 'A think-time function must return a number of milliseconds and must not throw.',
  before: 'before: runs once before the load starts; no load was sent. Fix the error and run again.',
  after: 'after: runs once after the load; the load ran to its end and its results were written.',
};

/**
 * The test script threw where squall cannot go on without it: setup(), teardown() or a think
 * function. Exit 1 (SQ_SCRIPT_ERROR), not 2: the file was valid and may already have sent load.
 * `outcome` carries the run's counts when the load had run (teardown), so the caller can still
 * write the results before exiting.
 */
export class ScriptError<Outcome = unknown> extends SquallError {
  constructor(
    readonly phase: ScriptPhase,
    file: string,
    cause: unknown,
    readonly outcome?: Outcome,
  ) {
    super(
      'SQ_SCRIPT_ERROR',
      phase === 'before' || phase === 'after'
        ? `the ${phase}: flow failed: ${describe(cause)}`
        : `${phase === 'think' ? 'a think function' : `${phase}()`} threw: ${describe(cause)}`,
      {
        cause,
        hint: HINTS[phase],
        where: { file, ...scriptPosition(cause, file) },
      },
    );
  }
}

/** A ScriptError from any copy of this module (the brand, the code and the phase). */
export function isScriptError<Outcome = unknown>(e: unknown): e is ScriptError<Outcome> {
  return (
    isSquallError(e) && e.code === 'SQ_SCRIPT_ERROR' && typeof (e as { phase?: unknown }).phase === 'string'
  );
}
