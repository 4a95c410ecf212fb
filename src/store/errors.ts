import { SquallError } from '../errors/index.js';

/** The reason a driver gave, without its stack: the message only. */
export function reasonOf(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return reasonOf(e.errors[0]);
  return e instanceof Error ? e.message : String(e);
}

export function storeOpenError(location: string, why: string, cause?: unknown): SquallError {
  return new SquallError('SQ_STORE_OPEN', `cannot open the history store ${location}: ${why}`, { cause });
}

export function schemaTooNew(location: string, has: number, knows: number): SquallError {
  return new SquallError(
    'SQ_STORE_SCHEMA',
    `the history store ${location} has schema version ${has}, newer than the version ${knows} this squall knows: it was written by a newer squall`,
  );
}

export function noSuchRun(location: string, id: number): SquallError {
  return new SquallError('SQ_STORE_NO_RUN', `the history store ${location} holds no run ${id}`);
}

export function storeWriteError(location: string, cause: unknown): SquallError {
  return new SquallError(
    'SQ_STORE_WRITE',
    `cannot save the run in the history store ${location}: ${reasonOf(cause)}`,
    { cause },
  );
}
