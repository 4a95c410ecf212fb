import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { LoadPlan } from '../engine/load-plan.js';
import { badFlag } from '../errors/index.js';
import type { ParsedThreshold } from '../thresholds/index.js';
import { parseThreshold, parseThresholdFlag } from '../thresholds/index.js';
import { h2Headers, headerBytes } from '../transports/http/h2-session.js';
import type { H2Request } from '../transports/http/h2-stream-slot.js';
import { basicAuthOf, encodeRequest, isIdempotent } from '../transports/http/prepare.js';
import { redactHeaders, redactUrl } from '../util/redact.js';
import { readCaFile } from './ca-file.js';
import {
  type MonitorPlan,
  monitorConfig,
  type RunMonitorOptions,
  requireMonitorFor,
  resolveRunMonitor,
} from './monitor.js';
import {
  parseDurationFlag,
  parseHeader,
  parseMethod,
  parseOutput,
  parsePositiveInt,
  parsePositiveNumber,
  parseTargetUrl,
} from './parse-flags.js';
import { proxyForTarget } from './proxy.js';

/** autocannon's defaults: 10 connections for 10 seconds. */
export const DEFAULT_CONNECTIONS = 10;
export const DEFAULT_DURATION_MS = 10_000;
/** Open model: connections are opened as needed, up to this many unless -c says otherwise. */
export const DEFAULT_OPEN_MAX_CONNECTIONS = 100;
export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * The highest -R: one request per nanosecond. Far above what one process sends (the run reports
 * the rate it reached and drops the rest); above it the schedule's counters would lose precision.
 */
export const MAX_RATE_PER_SEC = 1e9;
/**
 * What `squall report` can render from a saved result: the file kinds, report/registry.ts's
 * (config sits below report, so a test keeps the two lists equal).
 */
export const REPORT_OUTPUT_KINDS = [
  'json',
  'html',
  'csv',
  'junit',
  'md',
  'markdown',
  'bencher',
  'github-benchmark',
] as const;
/** Output kinds of `-o` for a run: the files, and the live Prometheus endpoints. */
export const QUICK_OUTPUT_KINDS = [...REPORT_OUTPUT_KINDS, 'prometheus', 'prometheus-rw'] as const;

/** The flags of `squall quick`, as the CLI parser hands them over (strings, unvalidated). */
export interface QuickOptions extends RunMonitorOptions {
  connections?: string;
  duration?: string;
  requests?: string;
  rate?: string;
  method?: string;
  header?: string[];
  body?: string;
  bodyFile?: string;
  timeout?: string;
  threshold?: string[];
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  insecure?: boolean;
  /** `--cacert FILE`: trust only the CA certificates of this PEM file. */
  cacert?: string;
  ui?: boolean;
  /** `--http2`: HTTP/2 sessions instead of HTTP/1.1 connections (h2c for http://, ALPN h2 for https://). */
  http2?: boolean;
  /** `--streams M`: with --http2, concurrent streams per session. */
  streams?: string;
}

/** `--streams` unless given: one request per session at a time, as h2load's -m defaults to. */
export const DEFAULT_STREAMS = 1;
/** The most `--streams`: servers usually allow 100 to 256 concurrent streams per session. */
const MAX_STREAMS = 10_000;

/** The request as `--http2` sends it (h2Headers), with squall's User-Agent unless -H gives one. */
function h2Request(
  method: string,
  url: URL,
  headers: Array<[string, string]>,
  body: Buffer | undefined,
  userAgent: string,
): H2Request {
  const h = h2Headers(method, `${url.pathname}${url.search}`, headers.flat());
  const agent = h['user-agent'] !== undefined;
  if (!agent) h['user-agent'] = userAgent;
  if (body !== undefined && h['content-length'] === undefined) h['content-length'] = String(body.length);
  return { headers: h, body, headerBytes: headerBytes(h) };
}

export interface ResolvedQuick {
  load: LoadPlan;
  url: URL;
  method: string;
  thresholds: ParsedThreshold[];
  outputs: Array<{ kind: string; path: string }>;
  json: boolean;
  quiet: boolean;
  /** Serve the live dashboard. */
  ui: boolean;
  /** The target process to watch (`--monitor-pid`, `--monitor-cmd`). */
  monitor: MonitorPlan | null;
  /** The configuration as the result document records it (secrets redacted). */
  config: Record<string, unknown>;
}

/**
 * The body of `-b TEXT`, `-b @FILE` (curl's convention; `@-` reads standard input) or
 * `--body-file FILE`, as bytes; a file's bytes as they are, so a body past the OS limit on
 * arguments goes through a file.
 */
function requestBody(o: QuickOptions): Buffer | undefined {
  if (o.body !== undefined && o.bodyFile !== undefined) {
    throw badFlag('--body-file', 'give -b or --body-file, not both: they both set the request body');
  }
  if (o.bodyFile !== undefined) return readBodyFile('--body-file', o.bodyFile);
  if (o.body === undefined) return undefined;
  if (o.body.startsWith('@')) return readBodyFile('-b', o.body.slice(1));
  return Buffer.from(o.body, 'utf8');
}

function readBodyFile(flag: string, file: string): Buffer {
  const shown = flag === '-b' ? `-b @${file}` : `--body-file ${file}`;
  if (file === '') {
    throw badFlag(
      flag,
      `${shown}: expected a file name after '@', e.g. -b @body.json (or @- for standard input)`,
    );
  }
  try {
    return readFileSync(file === '-' && flag === '-b' ? 0 : file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `no such file '${file}'`
        : code === 'EISDIR'
          ? `'${file}' is a directory`
          : `cannot read '${file}' (${code ?? String(e)})`;
    throw badFlag(flag, `${shown}: ${why}; expected a readable file whose bytes are the request body`);
  }
}

/**
 * `Transfer-Encoding: chunked` from -H gets a chunked body (encodeRequest); a Content-Length
 * beside it would make the framing ambiguous (RFC 9112 §6.1), so that pair is refused.
 */
function checkFraming(headers: Array<[string, string]>): void {
  const te = headers.find(([k]) => k.toLowerCase() === 'transfer-encoding');
  if (te === undefined) return;
  if (!/(^|[\s,])chunked\s*$/i.test(te[1])) {
    throw badFlag(
      '-H',
      `-H 'Transfer-Encoding: ${te[1]}': squall quick can send only chunked ('Transfer-Encoding: chunked'), the last coding`,
    );
  }
  if (headers.some(([k]) => k.toLowerCase() === 'content-length')) {
    throw badFlag(
      '-H',
      "-H 'Transfer-Encoding: chunked' and -H 'Content-Length: …' together frame the body twice; give one (chunked is sent chunked, a Content-Length is added otherwise)",
    );
  }
}

export function resolveQuick(urlText: string | undefined, o: QuickOptions, version: string): ResolvedQuick {
  if (!urlText)
    throw badFlag('<url>', 'squall quick needs a URL, such as squall quick http://127.0.0.1:8080/');
  const url = parseTargetUrl('<url>', urlText);
  const method = o.method === undefined ? 'GET' : parseMethod(o.method);
  const headers = (o.header ?? []).map(parseHeader);
  const body = requestBody(o);
  checkFraming(headers);
  const ratePerSec =
    o.rate === undefined ? undefined : parsePositiveNumber('-R', o.rate, 'requests per second');
  if (ratePerSec !== undefined && ratePerSec > MAX_RATE_PER_SEC) {
    throw badFlag(
      '-R',
      `-R ${o.rate} is beyond the most squall schedules: 1e9 (1,000,000,000) requests per second. ` +
        'One process sends well under a million per second, and what it cannot start is counted as ' +
        'dropped, so any rate up to that bound runs and reports the rate it reached.',
    );
  }
  let connections =
    o.connections === undefined
      ? ratePerSec === undefined
        ? DEFAULT_CONNECTIONS
        : DEFAULT_OPEN_MAX_CONNECTIONS
      : parsePositiveInt('-c', o.connections, 100_000);
  const maxRequests = o.requests === undefined ? undefined : parsePositiveInt('-n', o.requests);
  const http2 = o.http2 === true;
  if (o.streams !== undefined && !http2) {
    throw badFlag(
      '--streams',
      `--streams ${o.streams} multiplexes requests on HTTP/2 sessions; add --http2 (HTTP/1.1 carries one request per connection at a time: raise -c instead)`,
    );
  }
  const streams =
    o.streams === undefined ? DEFAULT_STREAMS : parsePositiveInt('--streams', o.streams, MAX_STREAMS);
  // Closed model: a connection per request at most; `-n 5 -c 10` runs (and reports) 5 VUs.
  if (ratePerSec === undefined && maxRequests !== undefined && maxRequests < connections)
    connections = maxRequests;
  let durationMs = o.duration === undefined ? undefined : parseDurationFlag('-d', o.duration);
  if (durationMs === undefined && maxRequests === undefined) durationMs = DEFAULT_DURATION_MS;
  const timeoutMs = o.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDurationFlag('--timeout', o.timeout);
  const thresholds = (o.threshold ?? []).map((text) => {
    const { key, expr } = parseThresholdFlag(text);
    return parseThreshold(key, expr, { where: { flag: '--threshold' } });
  });
  const outputs = (o.out ?? []).map((text) => parseOutput(text, QUICK_OUTPUT_KINDS));
  const ca = o.cacert === undefined ? undefined : readCaFile('--cacert', o.cacert);
  const monitor = resolveRunMonitor(o);
  requireMonitorFor(thresholds, monitor);

  const name = `${method} ${url.pathname}`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  // HTTP/2 goes straight to the target: the proxy variables are for HTTP/1.1 (see docs/protocols.md).
  const proxy = http2 ? null : proxyForTarget(url);
  const hop =
    proxy === null
      ? undefined
      : {
          host: proxy.hostname.replace(/^\[|\]$/g, ''),
          port: Number(proxy.port) || 80,
          authorization: basicAuthOf(proxy),
        };
  const load: LoadPlan = {
    // Through a proxy, http:// goes to the proxy itself (absolute-form request line) and https://
    // through its CONNECT tunnel, as curl does.
    endpoint:
      hop !== undefined && url.protocol === 'http:'
        ? { host: hop.host, port: hop.port, tls: false }
        : {
            host,
            port,
            tls: url.protocol === 'https:',
            // SNI takes a host name only (RFC 6066), never an address.
            servername: url.protocol === 'https:' && isIP(host) === 0 ? host : undefined,
            insecure: !!o.insecure,
            ca,
            tunnel: hop,
          },
    requests: [
      {
        name,
        bytes: encodeRequest({
          method,
          url,
          headers,
          body,
          userAgent: `squall/${version}`,
          proxy: hop !== undefined && url.protocol === 'http:' ? hop : undefined,
        }),
        method,
        expectBody: method !== 'HEAD',
        retryable: isIdempotent(method),
        weight: 1,
        ...(http2 ? { h2: h2Request(method, url, headers, body, `squall/${version}`) } : {}),
      },
    ],
    ...(http2 ? { http2: { streams } } : {}),
    connections,
    durationMs,
    maxRequests,
    ratePerSec,
    timeoutMs,
  };
  const config: Record<string, unknown> = {
    command: 'quick',
    url: redactUrl(url.href),
    method,
    headers: redactHeaders(Object.fromEntries(headers)),
    bodyBytes: body?.length ?? 0,
    model: ratePerSec === undefined ? 'closed' : 'open',
    connections,
    ...(http2 ? { http2: true, streams } : {}),
    durationMs: durationMs ?? null,
    requests: maxRequests ?? null,
    ratePerSec: ratePerSec ?? null,
    timeoutMs,
    insecure: !!o.insecure,
    ...(o.cacert === undefined ? {} : { cacert: o.cacert }),
    ...(proxy === null ? {} : { proxy: redactUrl(proxy.href) }),
    thresholds: thresholds.map((t) => `${t.key}:${t.expr}`),
    monitor: monitorConfig(monitor),
  };
  return {
    load,
    url,
    method,
    thresholds,
    outputs,
    json: !!o.json,
    quiet: !!o.quiet,
    ui: !!o.ui,
    monitor,
    config,
  };
}
