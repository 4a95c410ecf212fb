import type { HttpApi, HttpResponse, RequestOptions } from '../script-api/vu-context.js';
import { redactHeaders, redactUrl } from '../util/redact.js';

/** Exchanges `--http-debug` prints: enough to see what goes out, bounded so a load cannot flood stderr. */
export const HTTP_DEBUG_LIMIT = 100;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;

/**
 * `--http-debug` (k6's flag): the head of each request and of its response on stderr, secrets
 * redacted, for the first HTTP_DEBUG_LIMIT exchanges of the run (one counter for every VU).
 * The request's headers are those the test set (with the defaults), not the client's own.
 */
export function httpDebugger(
  write: (text: string) => void,
  defaultHeaders: Readonly<Record<string, string>>,
): (client: HttpApi) => HttpApi {
  let shown = 0;
  let noted = false;
  const print = (method: string, url: string, o: RequestOptions | undefined, res: HttpResponse) => {
    if (shown >= HTTP_DEBUG_LIMIT) {
      if (!noted) write(`--http-debug: the first ${HTTP_DEBUG_LIMIT} exchanges shown; the rest are not\n`);
      noted = true;
      return;
    }
    shown++;
    const head = (h: Record<string, string>) =>
      Object.entries(redactHeaders(h))
        .map(([k, v]) => `  ${k}: ${v}\n`)
        .join('');
    const sent = { ...defaultHeaders, ...o?.headers };
    const got =
      res.status === 0
        ? `< no response: ${res.error ?? 'error'}\n`
        : `< ${res.status} (${res.timings.duration.toFixed(1)} ms)\n${head(res.headers)}`;
    write(`> ${method.toUpperCase()} ${redactUrl(res.url || url)}\n${head(sent)}${got}\n`);
  };
  return (client) => {
    const request = async (method: string, url: string, o?: RequestOptions) => {
      const res = await client.request(method, url, o);
      print(method, url, o, res);
      return res;
    };
    const wrapped: HttpApi = Object.create(client);
    wrapped.request = request;
    for (const m of METHODS) wrapped[m] = (url: string, o?: RequestOptions) => request(m, url, o);
    return wrapped;
  };
}
