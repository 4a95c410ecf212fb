export { ERROR_CODES, type ErrorCode, errorInfo } from './codes.js';
export { formatError } from './format.js';
export {
  badFlag,
  type ErrorLocation,
  exitCodeOf,
  isSquallError,
  SQUALL_ERROR,
  SquallError,
} from './squall-error.js';
