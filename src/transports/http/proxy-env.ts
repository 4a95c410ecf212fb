import { isIP } from 'node:net';

/**
 * The proxy a request goes through, from the environment as curl reads it: `http_proxy` /
 * `HTTP_PROXY` for http:// URLs, `https_proxy` / `HTTPS_PROXY` for https:// (the lower-case form
 * first when both are set), and `no_proxy` / `NO_PROXY` for the hosts that go direct. As in curl
 * and undici (and unlike Go, hence k6), localhost and loopback addresses are proxied too unless
 * NO_PROXY lists them.
 */
export interface ProxyEnv {
  http: URL | null;
  https: URL | null;
  /** NO_PROXY's entries, lower-case: `*`, `host`, `.suffix`, `host:port`, `10.0.0.0/8`. */
  noProxy: string[];
}

/** Thrown for a proxy variable that is not a URL: the message names it. */
export class ProxyEnvError extends Error {}

function variable(env: NodeJS.ProcessEnv, name: string): [string, string] | null {
  for (const n of [name.toLowerCase(), name]) {
    const v = env[n]?.trim();
    if (v) return [n, v];
  }
  return null;
}

function proxyUrl(env: NodeJS.ProcessEnv, name: string): URL | null {
  const found = variable(env, name);
  if (found === null) return null;
  const [n, text] = found;
  // `host:port` without a scheme means http://, as in curl.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new ProxyEnvError(`${n} is not a URL; expected e.g. http://proxy.example:3128`);
  }
  if (u.protocol !== 'http:') {
    throw new ProxyEnvError(
      `${n} is a ${u.protocol.slice(0, -1)}:// proxy; squall speaks to http:// proxies only (e.g. http://proxy.example:3128)`,
    );
  }
  return u;
}

export function readProxyEnv(env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  const no = variable(env, 'NO_PROXY')?.[1] ?? '';
  return {
    http: proxyUrl(env, 'HTTP_PROXY'),
    https: proxyUrl(env, 'HTTPS_PROXY'),
    noProxy: no
      .split(/[\s,]+/)
      .map((e) => e.trim().toLowerCase())
      .filter((e) => e !== ''),
  };
}

/** The proxy for `url`, or null to connect directly. */
export function proxyFor(env: ProxyEnv, url: URL): URL | null {
  const proxy = url.protocol === 'https:' ? env.https : url.protocol === 'http:' ? env.http : null;
  if (proxy === null) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return env.noProxy.some((e) => bypasses(e, host, port)) ? null : proxy;
}

function bypasses(entry: string, host: string, port: string): boolean {
  if (entry === '*') return true;
  let name = entry;
  // `host:port` and `[v6]:port` limit the entry to that port.
  const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
  if (withPort !== null) {
    if (withPort[2] !== port) return false;
    name = withPort[1]!;
  }
  name = name.replace(/^\[|\]$/g, '');
  const slash = name.indexOf('/');
  if (slash > 0 && isIP(host) !== 0) return inCidr(host, name.slice(0, slash), Number(name.slice(slash + 1)));
  if (isIP(name) !== 0 || isIP(host) !== 0) return name === host;
  // `example.com` and `.example.com` both cover the domain and its subdomains (curl's reading).
  const domain = name.replace(/^\*?\./, '');
  return host === domain || host.endsWith(`.${domain}`);
}

function inCidr(host: string, net: string, bits: number): boolean {
  const a = ipBits(host);
  const b = ipBits(net);
  if (a === null || b === null || a.length !== b.length || !(bits >= 0 && bits <= a.length)) return false;
  return a.slice(0, bits) === b.slice(0, bits);
}

/** An IPv4 or IPv6 address as a string of bits, or null. */
function ipBits(ip: string): string | null {
  if (isIP(ip) === 4)
    return ip
      .split('.')
      .map((o) => Number(o).toString(2).padStart(8, '0'))
      .join('');
  if (isIP(ip) !== 6) return null;
  const [head, tail = ''] = ip.split('::');
  const h = head === '' ? [] : head!.split(':');
  const t = tail === '' ? [] : tail.split(':');
  if (!ip.includes('::') && h.length !== 8) return null;
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => Number.parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}
