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
 * The brand that marks squall's own errors. `Symbol.for` gives the same symbol in every copy of
 * this module (a second install of the package, a re-import, a worker thread's realm), where
 * `instanceof` would see a different class and report a user's bad input as a squall bug.
 */
export const SQUALL_ERROR = Symbol.for('squall.error');

/**
 * The one error shape squall raises on purpose. `message` says what was given and what was
 * expected; the exit status is looked up from the code.
 */
export class SquallError extends Error {
  readonly [SQUALL_ERROR] = true;
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
    return exitCodeOf(this);
  }
}

/** A bad flag value: exit 2, the flag named. */
export function badFlag(flag: string, message: string, hint?: string): SquallError {
  return new SquallError('SQ_USAGE_BAD_FLAG', message, { where: { flag }, hint });
}

/**
 * True for an error squall raised on purpose, whichever copy of this module made it: it carries
 * the brand and a code of the catalogue.
 */
export function isSquallError(e: unknown): e is SquallError {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return (
    (e as { [SQUALL_ERROR]?: unknown })[SQUALL_ERROR] === true &&
    typeof code === 'string' &&
    Object.hasOwn(ERROR_CODES, code)
  );
}

/** The exit status of a squall error, from this copy's catalogue (not the error's own getter). */
export function exitCodeOf(e: SquallError): number {
  return ERROR_CODES[e.code].exit;
}
