import type { BenchPhase, RawError } from './raw.js';

/** What a benchmark threw, kept as data: the caller reports it and goes on with the next bench. */
export function rawError(phase: BenchPhase, cause: unknown): RawError {
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return { phase, message, cause };
}

/** Runs a bench's teardown (also after an error); its own throw is kept unless one came first. */
export async function runTeardown<A>(
  teardown: ((value: A) => unknown) | undefined,
  arg: A,
  out: { error: RawError | null },
): Promise<void> {
  if (!teardown) return;
  try {
    await teardown(arg);
  } catch (e) {
    out.error ??= rawError('teardown', e);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
