import { describe, expect, it } from 'vitest';
import { ProxyEnvError, proxyFor, readProxyEnv } from './proxy-env.js';

const via = (env: NodeJS.ProcessEnv, url: string) => proxyFor(readProxyEnv(env), new URL(url))?.href ?? null;

describe('proxy variables', () => {
  it('http_proxy for http://, https_proxy for https://, lower case first, no cross-over', () => {
    const env = { HTTP_PROXY: 'http://up:1', http_proxy: 'http://low:2', HTTPS_PROXY: 'http://s:3' };
    expect(via(env, 'http://a.test/')).toBe('http://low:2/');
    expect(via(env, 'https://a.test/')).toBe('http://s:3/');
    expect(via({ HTTP_PROXY: 'http://p:1' }, 'https://a.test/')).toBeNull();
    expect(via({ HTTP_PROXY: 'p.test:3128' }, 'http://a.test/')).toBe('http://p.test:3128/');
  });

  it('loopback is proxied unless NO_PROXY lists it (curl, undici; not Go)', () => {
    expect(via({ HTTP_PROXY: 'http://p:1' }, 'http://127.0.0.1:8080/')).toBe('http://p:1/');
    expect(via({ HTTP_PROXY: 'http://p:1' }, 'http://localhost/')).toBe('http://p:1/');
  });

  it('NO_PROXY: *, domains and subdomains, host:port, IPs, CIDR', () => {
    const env = (no: string) => ({ HTTP_PROXY: 'http://p:1', NO_PROXY: no });
    expect(via(env('*'), 'http://a.test/')).toBeNull();
    expect(via(env('example.com'), 'http://api.example.com/')).toBeNull();
    expect(via(env('.example.com'), 'http://example.com/')).toBeNull();
    expect(via(env('example.com'), 'http://notexample.com/')).not.toBeNull();
    expect(via(env('a.test:8080'), 'http://a.test:8080/')).toBeNull();
    expect(via(env('a.test:8080'), 'http://a.test:9090/')).not.toBeNull();
    expect(via(env('a.test:80'), 'http://a.test/')).toBeNull();
    expect(via(env('127.0.0.1, ::1'), 'http://127.0.0.1:5/')).toBeNull();
    expect(via(env('127.0.0.1, ::1'), 'http://[::1]:5/')).toBeNull();
    expect(via(env('10.0.0.0/8'), 'http://10.1.2.3/')).toBeNull();
    expect(via(env('10.0.0.0/8'), 'http://11.1.2.3/')).not.toBeNull();
    expect(via(env('fd00::/8'), 'http://[fd12::1]/')).toBeNull();
  });

  it('a variable that is not an http:// proxy URL is named', () => {
    expect(() => readProxyEnv({ HTTPS_PROXY: 'socks5://p:1' })).toThrow(ProxyEnvError);
    expect(() => readProxyEnv({ https_proxy: 'http://[bad' })).toThrow(/https_proxy is not a URL/);
  });
});
