import { SquallError } from '../errors/index.js';
import { type ProxyEnv, ProxyEnvError, proxyFor, readProxyEnv } from '../transports/http/proxy-env.js';

/**
 * The proxy HTTP_PROXY / HTTPS_PROXY / NO_PROXY (or their lower-case forms) name for `url`, or
 * null; a variable that is not an http:// proxy URL is bad input, named.
 */
export function proxyForTarget(url: URL, env: NodeJS.ProcessEnv = process.env): URL | null {
  return proxyFor(proxyEnv(env), url);
}

/** The proxy variables, read once for a run; a bad one is bad input (exit 2), named. */
export function proxyEnv(env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  try {
    return readProxyEnv(env);
  } catch (e) {
    if (e instanceof ProxyEnvError) throw new SquallError('SQ_CONFIG_INVALID', e.message);
    throw e;
  }
}
