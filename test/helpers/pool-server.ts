import http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A server with a known capacity, for sweep tests: a fixed pool of `workers`, each holding one
 * request at a time for a service time, and a FIFO queue in front of them. Closed-loop clients
 * at concurrency N get min(N, W) / s requests per second, where s is the time a worker is really
 * held: timers overshoot, so the server measures s itself instead of trusting `serviceMs`. Below
 * W each connection also waits for its own round trip between answers (HTTP over loopback is not
 * free: about a millisecond on a busy machine), which the server measures too (`meanCycleMs`).
 *
 * With `degrade` c > 0 the service time is serviceMs · (1 + c · (n − 1)), n the requests in the
 * system (queued or served) when a worker takes the request: every request slows every other
 * one down, so past the pool's size throughput falls instead of levelling off (USL κ > 0).
 */

export interface PoolServerOptions {
  workers: number;
  serviceMs: number;
  /** Slow-down per other request in the system; default 0 (a plain pool). */
  degrade?: number;
  /** Status of every response; default 200. */
  status?: number;
}

/** What the workers did over a span of time. */
export interface PoolStats {
  /** Requests answered in the span. */
  count: number;
  /** Mean time a worker held a request, ms (NaN with none). */
  meanHeldMs: number;
  /** Mean wait in the queue before a worker took it, ms (NaN with none). */
  meanQueuedMs: number;
  /**
   * Mean time from one request's arrival to the next one's on the same connection, ms: a
   * closed-loop client's whole cycle (queue, hold, and the HTTP round trip between answers).
   * NaN with none.
   */
  meanCycleMs: number;
}

export interface PoolServer {
  url: string;
  port: number;
  /** Requests received (answered or not). */
  count(): number;
  /**
   * The requests answered between `fromMs` and `toMs` (performance.now() of this process; the
   * whole life of the server by default), by when they were answered.
   */
  stats(fromMs?: number, toMs?: number): PoolStats;
  /** Requests in the system now (queued or held). */
  inSystem(): number;
  close(): Promise<void>;
}

/** One answered request: when, how long a worker held it, how long it queued. */
interface Done {
  at: number;
  held: number;
  queued: number;
  /** Since the previous arrival on its connection; NaN for a connection's first request. */
  cycle: number;
}

/** Far more than any bounded test sends; past it the oldest half is dropped. */
const KEEP_DONE = 500_000;

export async function startPoolServer(opts: PoolServerOptions): Promise<PoolServer> {
  const { workers, serviceMs } = opts;
  const degrade = opts.degrade ?? 0;
  const status = opts.status ?? 200;
  if (!(workers >= 1) || !(serviceMs > 0)) throw new RangeError('a pool needs workers ≥ 1 and serviceMs > 0');
  const queue: { res: http.ServerResponse; arrived: number; cycle: number }[] = [];
  // When each connection's last request arrived, for its cycle.
  const arrivedAt = new WeakMap<net.Socket, number>();
  let busy = 0;
  let received = 0;
  let done: Done[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const take = () => {
    while (busy < workers && queue.length > 0) {
      const job = queue.shift()!;
      if (job.res.destroyed) continue;
      busy++;
      const started = performance.now();
      // n counts this request: the queue left behind plus every one held (this one included).
      const n = queue.length + busy;
      const t = setTimeout(
        () => {
          timers.delete(t);
          const now = performance.now();
          if (done.length >= KEEP_DONE) done = done.slice(KEEP_DONE / 2);
          done.push({ at: now, held: now - started, queued: started - job.arrived, cycle: job.cycle });
          busy--;
          if (!job.res.destroyed) {
            job.res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': 2 });
            job.res.end('ok');
          }
          take();
        },
        serviceMs * (1 + degrade * (n - 1)),
      );
      timers.add(t);
    }
  };

  const server = http.createServer((req, res) => {
    received++;
    req.resume();
    const now = performance.now();
    const last = arrivedAt.get(req.socket);
    arrivedAt.set(req.socket, now);
    queue.push({ res, arrived: now, cycle: last === undefined ? Number.NaN : now - last });
    take();
  });
  // Longer than any test: the server never closes a keep-alive connection under squall's feet.
  server.keepAliveTimeout = 60_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    count: () => received,
    stats(fromMs = Number.NEGATIVE_INFINITY, toMs = Number.POSITIVE_INFINITY) {
      let count = 0;
      let held = 0;
      let queued = 0;
      let cycle = 0;
      let cycles = 0;
      for (const d of done) {
        if (d.at < fromMs || d.at > toMs) continue;
        count++;
        held += d.held;
        queued += d.queued;
        if (!Number.isNaN(d.cycle)) {
          cycle += d.cycle;
          cycles++;
        }
      }
      return { count, meanHeldMs: held / count, meanQueuedMs: queued / count, meanCycleMs: cycle / cycles };
    },
    inSystem: () => queue.length + busy,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
