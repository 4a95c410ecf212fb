/**
 * RFC 9110 §5.6.2 token characters (`tchar`): what a method or a header field name may hold.
 * One definition for config validation, the request encoders and the response parser, so that
 * what squall accepts from a user is exactly what it will send and parse.
 */
export const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A whole string of tchar: a valid method or header field name. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}
