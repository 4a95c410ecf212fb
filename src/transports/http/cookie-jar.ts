import { parseCookie } from './undici-lib.js';

/**
 * A virtual user's cookies (RFC 6265 storage and matching, the parts a load test meets): stored
 * from Set-Cookie, sent back to the hosts and paths they belong to, dropped when they expire.
 * Parsing the Set-Cookie syntax is undici's; the jar only keeps and matches. One jar per VU, so
 * users never see each other's sessions. No public-suffix list: a test talks to its own hosts.
 */

interface StoredCookie {
  name: string;
  value: string;
  /** Lower-case, without a leading dot. */
  domain: string;
  /** Set without a Domain attribute: sent to that exact host only. */
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** Epoch ms; Infinity for a session cookie. */
  expiresAt: number;
}

/** Where a request goes, as the jar needs it. */
export interface CookieUrl {
  /** Lower-case host name, without port or brackets. */
  hostname: string;
  /** The path, without the query string. */
  pathname: string;
  secure: boolean;
}

/** RFC 6265 5.1.4: the directory of the request path. */
function defaultPath(pathname: string): string {
  if (!pathname.startsWith('/')) return '/';
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

function domainMatches(host: string, c: StoredCookie): boolean {
  if (host === c.domain) return true;
  return !c.hostOnly && host.endsWith(c.domain) && host.charCodeAt(host.length - c.domain.length - 1) === 46;
}

/** RFC 6265 5.1.4 path-match. */
function pathMatches(path: string, cookiePath: string): boolean {
  if (path === cookiePath) return true;
  if (!path.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || path.charCodeAt(cookiePath.length) === 47;
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.cookies.length;
  }

  /** Stores the cookies of a response's Set-Cookie header(s); bad or foreign ones are ignored. */
  store(url: CookieUrl, setCookie: string | readonly string[]): void {
    if (typeof setCookie === 'string') this.storeOne(url, setCookie);
    else for (const line of setCookie) this.storeOne(url, line);
  }

  private storeOne(url: CookieUrl, line: string): void {
    const parsed = parseCookie(line);
    if (parsed === null || parsed.name === '') return;
    let domain = url.hostname;
    let hostOnly = true;
    if (parsed.domain) {
      // A server may widen a cookie to a parent domain of its own, never to another site.
      const d = parsed.domain;
      if (domain !== d && !(domain.endsWith(d) && domain.charCodeAt(domain.length - d.length - 1) === 46))
        return;
      domain = d;
      hostOnly = false;
    }
    const now = this.now();
    let expiresAt = Number.POSITIVE_INFINITY;
    // Max-Age wins over Expires (RFC 6265 5.3 step 3).
    if (parsed.maxAge !== undefined) expiresAt = parsed.maxAge <= 0 ? 0 : now + parsed.maxAge * 1000;
    else if (parsed.expires !== undefined) {
      const t = typeof parsed.expires === 'number' ? parsed.expires : parsed.expires.getTime();
      if (!Number.isNaN(t)) expiresAt = t;
    }
    const path = parsed.path?.startsWith('/') ? parsed.path : defaultPath(url.pathname);
    const cookie: StoredCookie = {
      name: parsed.name,
      value: parsed.value,
      domain,
      hostOnly,
      path,
      secure: parsed.secure === true,
      expiresAt,
    };
    const i = this.cookies.findIndex((c) => c.name === cookie.name && c.domain === domain && c.path === path);
    const expired = expiresAt <= now;
    if (i >= 0) {
      if (expired) this.cookies.splice(i, 1);
      else this.cookies[i] = cookie;
    } else if (!expired) {
      this.cookies.push(cookie);
    }
  }

  /** The Cookie header for a request to `url`; '' when no cookie applies. */
  header(url: CookieUrl): string {
    if (this.cookies.length === 0) return '';
    const now = this.now();
    let matched: StoredCookie[] | null = null;
    for (let i = 0; i < this.cookies.length; i++) {
      const c = this.cookies[i]!;
      if (c.expiresAt <= now) {
        this.cookies.splice(i--, 1);
        continue;
      }
      if (c.secure && !url.secure) continue;
      if (!domainMatches(url.hostname, c) || !pathMatches(url.pathname, c.path)) continue;
      if (matched === null) matched = [];
      matched.push(c);
    }
    if (matched === null) return '';
    // Longer paths first (RFC 6265 5.4 step 2); the sort is stable, so older cookies stay first.
    if (matched.length > 1) matched.sort((a, b) => b.path.length - a.path.length);
    let s = '';
    for (let i = 0; i < matched.length; i++)
      s += `${i === 0 ? '' : '; '}${matched[i]!.name}=${matched[i]!.value}`;
    return s;
  }

  /** Sets a cookie by hand, as if `url` had answered with it. */
  set(url: CookieUrl, name: string, value: string, attributes = ''): void {
    this.storeOne(url, `${name}=${value}${attributes ? `; ${attributes}` : ''}`);
  }

  clear(): void {
    this.cookies = [];
  }
}
