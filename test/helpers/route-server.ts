import http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';

/**
 * A scripted HTTP target for `squall run` tests: it keeps every request it saw (arrival time,
 * path, query, headers, body, how many were in flight), and answers through a handler the test
 * writes, so a test can hand out ids, fail above a rate or record a teardown, and then compute its
 * expectations from what the server itself observed.
 *
 * Arrival times are wall-clock milliseconds (Date.now()), the clock of a result document's
 * `startedAt`: `relativeTo(hits, Date.parse(result.startedAt))` puts them on the run's own time
 * axis, which is how the schedule tests line the server's view up with the plan.
 */

export interface Hit {
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  /** The path without its query string. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body's bytes (a multipart upload's file is not text). */
  raw: Buffer;
  /** Requests in flight (arrived, not yet answered) when this one arrived, itself included. */
  inFlight: number;
  /** The same, counting only requests to this path. */
  inFlightOnPath: number;
  /** Date.now() when the client closed the connection before the answer was sent. */
  cancelledAt?: number;
}

export interface Reply {
  /** Default 200. */
  status?: number;
  /** A string is sent as text/plain, anything else as JSON. Default 'ok'. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer this long after the request arrived (default: the server's delayMs). */
  delayMs?: number;
}

/** Decides the answer to one request; `undefined` means the default reply. */
export type Handler = (hit: Hit) => Reply | undefined;

export interface RouteServerOptions {
  /** Default delay of every answer, ms. */
  delayMs?: number;
  handler?: Handler;
}

export interface RouteServer {
  /** `http://127.0.0.1:PORT` (no trailing slash: test files add their paths). */
  url: string;
  /** Every request so far, in arrival order. */
  readonly hits: readonly Hit[];
  /** The requests to `path` (exact) or to paths matching a RegExp. */
  on(path: string | RegExp): Hit[];
  close(): Promise<void>;
}

export async function startRouteServer(opts: RouteServerOptions = {}): Promise<RouteServer> {
  const hits: Hit[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  const onPath = new Map<string, number>();

  /**
   * Calls `then` once performance.now() >= due: setTimeout alone may fire up to a millisecond early
   * against a clock read in the handler (libuv caches loop time), and a test of a latency budget
   * relies on "never faster than the delay".
   */
  const waitUntil = (due: number, then: () => void): void => {
    const left = due - performance.now();
    if (left <= 0) {
      then();
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      waitUntil(due, then);
    }, Math.ceil(left));
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    inFlight++;
    onPath.set(path, (onPath.get(path) ?? 0) + 1);
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      inFlight--;
      onPath.set(path, onPath.get(path)! - 1);
    };
    res.on('finish', finished);
    res.on('close', () => {
      if (!res.writableFinished) hit.cancelledAt ??= Date.now();
      finished();
    });
    const hit: Hit = {
      at,
      method: req.method ?? '',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: '',
      raw: Buffer.alloc(0),
      inFlight,
      inFlightOnPath: onPath.get(path)!,
    };
    hits.push(hit);
    const text = new StringDecoder('utf8');
    req.on('data', (chunk: Buffer) => {
      hit.body += text.write(chunk);
      hit.raw = Buffer.concat([hit.raw, chunk]);
    });
    req.on('end', () => {
      let reply: Reply | undefined;
      try {
        reply = opts.handler?.(hit);
      } catch (e) {
        reply = { status: 599, body: `handler threw: ${String(e)}` };
      }
      const body = reply?.body ?? 'ok';
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply?.status ?? 200, {
          'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json',
          'Content-Length': Buffer.byteLength(text),
          ...reply?.headers,
        });
        res.end(text);
      };
      waitUntil(arrived + Math.max(0, reply?.delayMs ?? opts.delayMs ?? 0), send);
    });
  });
  // Longer than any test, so the server never closes a keep-alive connection under squall's feet.
  server.keepAliveTimeout = 60_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });

  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    on: (path) => hits.filter((h) => (typeof path === 'string' ? h.path === path : path.test(h.path))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A hit on the run's time axis: ms since `startMs` (a result's Date.parse(startedAt)). */
export interface TimedHit extends Hit {
  t: number;
}

export function relativeTo(hits: readonly Hit[], startMs: number): TimedHit[] {
  return hits.map((h) => ({ ...h, t: h.at - startMs }));
}

/** The hits that arrived in [fromMs, toMs) of the run. */
export function between(hits: readonly TimedHit[], fromMs: number, toMs: number): TimedHit[] {
  return hits.filter((h) => h.t >= fromMs && h.t < toMs);
}

/**
 * The most requests in flight at once during [fromMs, toMs), on the hits' own paths: in the
 * closed model with a server delay, the VUs at work.
 */
export function peakInFlight(hits: readonly TimedHit[], fromMs: number, toMs: number): number {
  return between(hits, fromMs, toMs).reduce((m, h) => Math.max(m, h.inFlightOnPath), 0);
}

/** The distinct values of a request header over some hits (the VU ids a flow sends, say). */
export function distinct(hits: readonly Hit[], header: string): Set<string> {
  return new Set(hits.map((h) => String(h.headers[header.toLowerCase()] ?? '')));
}

/** How many hits carry each value of a header. */
export function countBy(hits: readonly Hit[], key: (h: Hit) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const h of hits) m.set(key(h), (m.get(key(h)) ?? 0) + 1);
  return m;
}
