/**
 * The `url` tag of an HTTP request, as k6 records it: the full URL as requested, query string
 * included, fragment not (it is never sent). The client builds it from pieces it has parsed
 * already; config builds the same from a test file's URL to check threshold filters before the
 * load. Both pass it through redactUrl before it is recorded or compared.
 */

import { encodeRequestPath } from './url-path.js';

/** What goes before the path: the origin, with `user:password@` when the URL has them. */
export function urlTagHead(u: URL): string {
  if (u.username === '' && u.password === '') return u.origin;
  return `${u.protocol}//${u.username}${u.password === '' ? '' : `:${u.password}`}@${u.host}`;
}

/**
 * The (unredacted) tag of a request to `url`: absolute, or a path under `base` (whose own
 * `user:password@` the client sends as a header, not in the tag). Undefined when it cannot be
 * known: not a URL, or a path without a base.
 */
export function requestUrlTag(url: string, base: string | undefined): string | undefined {
  try {
    if (/^https?:\/\//i.test(url)) {
      const u = new URL(url);
      return `${urlTagHead(u)}${u.pathname}${u.search}`;
    }
    if (base === undefined) return undefined;
    const b = new URL(base);
    return `${b.origin}${b.pathname.replace(/\/+$/, '')}${encodeRequestPath(url.startsWith('/') ? url : `/${url}`)}`;
  } catch {
    return undefined;
  }
}
