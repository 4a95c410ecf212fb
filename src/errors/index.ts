export { ERROR_CODES, type ErrorCode } from './codes.js';
export { formatError } from './format.js';
export { badFlag, isSquallError, SquallError, type ErrorLocation } from './squall-error.js';
