export { ERROR_CODES, type ErrorCode } from './codes.js';
export { formatError } from './format.js';
export { badFlag, type ErrorLocation, isSquallError, SquallError } from './squall-error.js';
