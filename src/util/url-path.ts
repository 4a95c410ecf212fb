/**
 * A relative request path (`/echo/café?q=a b`) in the form an absolute URL's path takes: what
 * WHATWG URL parsing (hence `new URL`, undici, and k6's Go url.Parse for these characters) makes
 * of it: UTF-8 percent-encoded, spaces as %20, the fragment dropped (it is never sent). Paths that
 * need nothing of this (nearly all) are returned as they are, without parsing.
 */
export function encodeRequestPath(path: string): string {
  if (!NEEDS_ENCODING.test(path)) return path;
  let u: URL;
  try {
    u = new URL(path, 'http://h');
  } catch {
    return path;
  }
  return `${u.pathname}${u.search}`;
}

/**
 * Characters WHATWG URL parsing changes in a path or query: anything outside printable ASCII, the
 * path percent-encode set's `"<>\`{}`, and `#` (a fragment). `'` (encoded only in a query of a
 * special scheme) and `\` (read as `/`) are left as given.
 */
const NEEDS_ENCODING = /[^\x21-\x7e]|["<>`{}#]/;
