import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Scripted targets for end-to-end tests: real servers on 127.0.0.1 and an ephemeral port, so
 * squall is tested through real sockets. Each server counts what it saw, and tests compute
 * their expectations from those counts rather than from hard-coded figures.
 */

/** What the server does with each request. */
export type TargetBehavior =
  /** Answer with `status` and `body` after `delayMs`. */
  | 'respond'
  /** Send a TCP RST (socket.resetAndDestroy): the client sees ECONNRESET. */
  | 'reset'
  /** Close the connection without a reply (FIN): the client sees a clean close. */
  | 'close'
  /** Never answer: only a client-side timeout ends the request. */
  | 'hang';

export interface TargetOptions {
  /** Default 'respond'. */
  behavior?: TargetBehavior;
  /** Status of every response; default 200. */
  status?: number;
  /** Body of every response; default 'ok'. */
  body?: string;
  /** Least time between receiving a request and answering it, in ms; default 0. */
  delayMs?: number;
  /**
   * One stall: every response due in [atMs, atMs + forMs) after the first request is held until
   * the window ends, as a server in a GC pause or a lock would hold them.
   */
  stall?: { atMs: number; forMs: number };
  /** Answer with `Connection: close`, so every request needs a new connection. */
  connectionClose?: boolean;
  /** Answer this many requests, then stop listening and drop every connection (a crash). */
  dieAfter?: number;
}

/** A request as the server received it (the first few of a run are kept). */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Enough to check a request's shape, without holding a whole load test in memory. */
const KEEP_REQUESTS = 10;

export interface TargetServer {
  url: string;
  port: number;
  /** Requests received (whatever the behaviour). */
  count(): number;
  /** The first requests received, with their bodies. */
  seen(): SeenRequest[];
  /** TCP connections accepted. */
  connections(): number;
  /** Requests received in each whole second since the first request: index 0 is the first second. */
  perSecond(): number[];
  close(): Promise<void>;
}

/**
 * Waits until performance.now() >= due. setTimeout alone may fire a little early relative to a
 * performance.now() taken in the handler (libuv caches loop time), and the latency test relies
 * on "never faster than the delay".
 */
function waitUntil(due: number, then: () => void): NodeJS.Timeout | undefined {
  const left = due - performance.now();
  if (left <= 0) {
    then();
    return undefined;
  }
  return setTimeout(() => waitUntil(due, then), Math.ceil(left));
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function startTarget(opts: TargetOptions = {}): Promise<TargetServer> {
  const behavior = opts.behavior ?? 'respond';
  const status = opts.status ?? 200;
  const body = opts.body ?? 'ok';
  const delayMs = opts.delayMs ?? 0;
  let requests = 0;
  let answered = 0;
  let connections = 0;
  let firstAt: number | undefined;
  const buckets: number[] = [];
  const seen: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const now = performance.now();
    firstAt ??= now;
    requests++;
    const second = Math.floor((now - firstAt) / 1000);
    buckets[second] = (buckets[second] ?? 0) + 1;
    if (seen.length < KEEP_REQUESTS) {
      const entry: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: '',
      };
      seen.push(entry);
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        entry.body += chunk;
      });
    } else {
      // Drain the request body so a POST never stalls the socket.
      req.resume();
    }

    if (behavior === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (behavior === 'close') {
      req.socket.destroy();
      return;
    }
    if (behavior === 'hang') return;

    let due = now + delayMs;
    if (opts.stall) {
      const start = firstAt + opts.stall.atMs;
      const end = start + opts.stall.forMs;
      if (due >= start && due < end) due = end;
    }
    const answer = () => {
      if (res.destroyed) return;
      const headers: http.OutgoingHttpHeaders = {
        'Content-Type': 'text/plain',
        'Content-Length': Buffer.byteLength(body),
      };
      if (opts.connectionClose) headers.Connection = 'close';
      res.writeHead(status, headers);
      res.end(body);
      if (opts.dieAfter !== undefined && ++answered === opts.dieAfter) {
        server.close();
        server.closeAllConnections();
      }
    };
    // Only the first timer is tracked: a re-wait lasts at most a millisecond.
    let t: NodeJS.Timeout | undefined;
    t = waitUntil(due, () => {
      if (t) timers.delete(t);
      answer();
    });
    if (t) timers.add(t);
  });
  server.on('connection', () => {
    connections++;
  });
  // Longer than any test, so the server never closes a keep-alive connection under squall's feet.
  server.keepAliveTimeout = 60_000;
  const port = await listen(server);

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    count: () => requests,
    seen: () => seen,
    connections: () => connections,
    perSecond: () => Array.from(buckets, (n) => n ?? 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        // Resolves even when the server already stopped (dieAfter).
        server.close(() => resolve());
        // 'hang' and stalled requests would keep close() waiting forever otherwise.
        server.closeAllConnections();
      }),
  };
}

export interface GarbageServer {
  url: string;
  port: number;
  /** Connections that sent something and got garbage back. */
  count(): number;
  close(): Promise<void>;
}

/**
 * A raw TCP server that answers every chunk it reads with bytes that are not HTTP, so the client
 * must report a malformed response rather than throw or hang.
 */
export async function startGarbageServer(reply = 'HELLO\r\n\r\n'): Promise<GarbageServer> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', () => {
      count++;
      socket.write(reply);
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A port nothing listens on: bound by us, then released, so connecting is refused. (Another
 * process could take it in between; on a test machine that is rare enough.)
 */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
