import { ERROR_CODES, type ErrorCode } from './codes.js';

/** Where a bad input was found: a flag, or a place in a file. */
export interface ErrorLocation {
  flag?: string;
  file?: string;
  line?: number;
  column?: number;
  path?: string;
}

export interface SquallErrorOptions {
  hint?: string;
  where?: ErrorLocation;
  cause?: unknown;
}

/**
 * The one error shape squall raises on purpose. `message` says what was given and what was
 * expected; the exit status is looked up from the code.
 */
export class SquallError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly where: ErrorLocation | undefined;

  constructor(code: ErrorCode, message: string, options: SquallErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SquallError';
    this.code = code;
    this.hint = options.hint;
    this.where = options.where;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** A bad flag value: exit 2, the flag named. */
export function badFlag(flag: string, message: string, hint?: string): SquallError {
  return new SquallError('SQ_USAGE_BAD_FLAG', message, { where: { flag }, hint });
}

export function isSquallError(e: unknown): e is SquallError {
  return e instanceof SquallError;
}
