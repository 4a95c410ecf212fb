import { describe, expect, it } from 'vitest';
import { CookieJar, type CookieUrl } from './cookie-jar.js';

const at = (hostname: string, pathname = '/', secure = false): CookieUrl => ({ hostname, pathname, secure });

describe('CookieJar', () => {
  it('sends a host-only cookie to its host only', () => {
    const jar = new CookieJar();
    jar.store(at('api.example.com'), 'sid=1');
    expect(jar.header(at('api.example.com', '/any'))).toBe('sid=1');
    expect(jar.header(at('www.api.example.com'))).toBe('');
    expect(jar.header(at('example.com'))).toBe('');
  });

  it('sends a Domain cookie to the domain and its subdomains, and refuses a foreign domain', () => {
    const jar = new CookieJar();
    jar.store(at('api.example.com'), ['wide=1; Domain=.example.com', 'evil=1; Domain=other.com']);
    expect(jar.header(at('example.com'))).toBe('wide=1');
    expect(jar.header(at('x.example.com'))).toBe('wide=1');
    expect(jar.header(at('notexample.com'))).toBe('');
    expect(jar.header(at('other.com'))).toBe('');
    expect(jar.size).toBe(1);
  });

  it('matches paths per RFC 6265, longest path first, default path from the request', () => {
    const jar = new CookieJar();
    jar.store(at('h', '/'), 'root=1; Path=/');
    jar.store(at('h', '/'), 'docs=1; Path=/docs');
    jar.store(at('h', '/shop/cart'), 'cart=1'); // default path: /shop
    expect(jar.header(at('h', '/docs/a'))).toBe('docs=1; root=1');
    expect(jar.header(at('h', '/docs'))).toBe('docs=1; root=1');
    expect(jar.header(at('h', '/docsx'))).toBe('root=1');
    expect(jar.header(at('h', '/shop/other'))).toBe('cart=1; root=1');
    expect(jar.header(at('h', '/shopping'))).toBe('root=1');
  });

  it('replaces a cookie of the same name, domain and path; Max-Age=0 deletes it', () => {
    const jar = new CookieJar();
    jar.store(at('h'), 'a=1');
    jar.store(at('h'), 'a=2');
    expect(jar.header(at('h'))).toBe('a=2');
    jar.store(at('h'), 'a=3; Max-Age=0');
    expect(jar.header(at('h'))).toBe('');
    expect(jar.size).toBe(0);
  });

  it('expires cookies by Max-Age (over Expires) and by Expires', () => {
    let now = Date.UTC(2030, 0, 1);
    const jar = new CookieJar(() => now);
    jar.store(at('h'), [
      `short=1; Max-Age=10; Expires=${new Date(now + 3_600_000).toUTCString()}`,
      `dated=1; Expires=${new Date(now + 60_000).toUTCString()}`,
      'session=1',
    ]);
    expect(jar.header(at('h'))).toBe('short=1; dated=1; session=1');
    now += 11_000;
    expect(jar.header(at('h'))).toBe('dated=1; session=1');
    now += 60_000;
    expect(jar.header(at('h'))).toBe('session=1');
    jar.store(at('h'), `old=1; Expires=${new Date(now - 1000).toUTCString()}`);
    expect(jar.size).toBe(1);
  });

  it('keeps Secure cookies to https', () => {
    const jar = new CookieJar();
    jar.store(at('h', '/', true), 's=1; Secure; HttpOnly');
    expect(jar.header(at('h', '/', false))).toBe('');
    expect(jar.header(at('h', '/', true))).toBe('s=1');
  });

  it('ignores lines that are not cookies, and can be set by hand and cleared', () => {
    const jar = new CookieJar();
    jar.store(at('h'), ['', '=novalue', ';;;']);
    expect(jar.size).toBe(0);
    jar.set(at('h'), 'token', 'abc', 'Path=/api');
    expect(jar.header(at('h', '/api/x'))).toBe('token=abc');
    jar.clear();
    expect(jar.header(at('h', '/api/x'))).toBe('');
  });
});
