import { type QuickOptions, resolveQuick } from '../config/quick.js';
import { resolveShardFlags, type ShardFlags } from '../config/shard.js';
import { scaleCount } from '../engine/share.js';
import { badFlag } from '../errors/index.js';
import { plural } from '../report/format.js';
import { HTTP_RUN_METRICS, validateHttpThresholdTags } from '../result/build.js';
import type { ResultDocument } from '../result/schema.js';
import { VERSION } from '../result/version.js';
import { validateThresholds } from '../thresholds/index.js';
import { redactUrl } from '../util/redact.js';
import { checkOpenFileLimit } from './fd-limit.js';
import { libraryIO, type SessionIO } from './io.js';
import { checkOutputsWritable } from './outputs.js';
import { applyPrometheusFlags, type PrometheusFlags } from './prometheus-options.js';
import { quickReportName, type ReportDirFlags, reportDirOutputs } from './report-dir.js';
import type { HistoryFlags, Judge } from './run-history.js';
import { type LoadWorkerHooks, runHttpLoad } from './run-http-load.js';
import { type SessionOptions, sessionFlags, unwrap } from './session-options.js';
import { ordinal } from './start-at.js';
import { onThreads, parseWorkers, refuseShardWithWorkers } from './workers/count.js';

/** `squall quick`'s flags as the CLI hands them over (strings), and how the session is run. */
export type QuickFlags = QuickOptions &
  PrometheusFlags &
  ReportDirFlags &
  HistoryFlags &
  ShardFlags & {
    /** `--workers N|auto`: the load on N worker threads, their documents merged. */
    workers?: string;
  };

/**
 * `squall quick URL`: checks every flag before anything starts, says what it will do, runs the
 * load and delivers the result. Returns the exit code and the document (null when nothing ran).
 */
export async function quickSession(
  url: string | undefined,
  opts: QuickFlags,
  io: SessionIO,
  more: {
    signal?: AbortSignal;
    judge?: Judge;
    /** Set inside a worker thread of `--workers` (workers/run-worker.ts). */
    worker?: LoadWorkerHooks;
  } = {},
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const asked = more.worker === undefined ? parseWorkers(opts.workers) : undefined;
  const q = resolveQuick(url, opts, VERSION);
  // A worker needs a connection of its own, or its share of -n could never be sent.
  const workers = asked === undefined ? undefined : Math.min(asked, q.load.connections);
  const shard = resolveShardFlags(opts);
  if (workers !== undefined) refuseShardWithWorkers(shard);
  if (shard.share !== undefined) {
    const { index, count } = shard.share;
    // Connections are striped over the shards: each needs one at least, or it could send nothing.
    if (scaleCount(q.load.connections, shard.share) === 0)
      throw badFlag(
        '--shard',
        `--shard ${index + 1}/${count} gets no connection of the ${q.load.connections} the test has` +
          `${q.load.maxRequests !== undefined && q.load.maxRequests === q.load.connections ? ` (-n ${q.load.maxRequests} caps -c)` : ''}; ` +
          `give -c (and -n) at least ${count}, one per shard`,
      );
    q.load.share = shard.share;
  }
  applyPrometheusFlags(q.outputs, opts);
  validateThresholds(q.thresholds, HTTP_RUN_METRICS);
  validateHttpThresholdTags(q.thresholds);
  q.outputs.push(...reportDirOutputs(opts.reportDir, quickReportName(q.method, q.url)));
  checkOutputsWritable(q.outputs);
  checkOpenFileLimit({
    sockets: q.load.connections,
    what:
      opts.connections === undefined
        ? `${q.load.connections} connections (the default of -c)`
        : `-c ${q.load.connections}`,
    flag: '-c',
    unit: 'connection',
  });
  if (!q.quiet && more.worker === undefined) {
    const l = q.load;
    const h2 =
      l.http2 === undefined
        ? ''
        : ` × ${plural(l.http2.streams, 'stream')} (HTTP/2${l.endpoint.tls ? '' : ' h2c'})`;
    const shape =
      l.ratePerSec === undefined
        ? `${plural(l.connections, 'connection')}${h2}`
        : `${l.ratePerSec} requests/s (open model, up to ${l.connections} connections${h2})`;
    const length = [
      l.durationMs !== undefined ? `for ${l.durationMs / 1000}s` : '',
      l.maxRequests !== undefined ? `up to ${l.maxRequests} requests` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const threads =
      workers === undefined
        ? ''
        : ` — ${onThreads(workers)}${asked !== workers ? ` (one per connection; ${asked} asked)` : ''}`;
    io.stderr.write(`squall quick: ${q.method} ${redactUrl(q.url.href)} — ${shape}, ${length}${threads}\n`);
    if (shard.share !== undefined) {
      const mine = {
        connections: scaleCount(l.connections, shard.share),
        requests: l.maxRequests === undefined ? undefined : scaleCount(l.maxRequests, shard.share),
      };
      io.stderr.write(
        `  shard ${shard.share.index + 1}/${shard.share.count}: ${plural(mine.connections, 'connection')}` +
          `${mine.requests === undefined ? '' : `, ${plural(mine.requests, 'request')}`}` +
          `${l.ratePerSec === undefined ? '' : `, ${l.ratePerSec / shard.share.count} requests/s (every ${ordinal(shard.share.count)} arrival of the schedule)`}` +
          ' of the above (squall merge adds the shards up)\n',
      );
    }
  }
  if (workers !== undefined) {
    const { runQuickInWorkers } = await import('./workers/run-workers.js');
    return runQuickInWorkers(
      q,
      { url, flags: opts, count: workers },
      { ...q, judge: more.judge, color: opts.color },
      { io, signal: more.signal },
    );
  }
  return runHttpLoad(
    { ...q, judge: more.judge, shard },
    { color: opts.color, io, signal: more.signal, worker: more.worker },
  );
}

/** The options of `quick()`: `squall quick`'s flags, typed for a program. */
export interface QuickRunOptions extends SessionOptions {
  /** The URL to load, http:// or https://. */
  url: string;
  /** Concurrent keep-alive connections (`-c`; default 10). */
  connections?: number;
  /** Test length: `'500ms'`, `'30s'`, `'5m'` (`-d`; default 10s unless `requests` is given). */
  duration?: string;
  /** Stop after N requests (`-n`). */
  requests?: number;
  /** Open model: start R requests per second whatever the responses do (`-R`). */
  rate?: number;
  method?: string;
  /** Request headers, `{ 'Content-Type': 'application/json' }` or `['Name: value']`. */
  headers?: Record<string, string> | string[];
  body?: string;
  bodyFile?: string;
  /** Speak HTTP/2 (`--http2`): h2c with prior knowledge to http://, ALPN h2 to https://. */
  http2?: boolean;
  /** With `http2`: concurrent streams per connection (`--streams`; default 1). */
  streams?: number;
}

/**
 * Runs `squall quick` from code and returns the result document (thresholds evaluated: see
 * `passed`). Throws a SquallError for bad options, as the CLI exits 2 for bad flags.
 */
export async function quick(options: QuickRunOptions): Promise<ResultDocument> {
  const o = options;
  const headers = Array.isArray(o.headers)
    ? o.headers
    : Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
  const flags: QuickFlags = {
    ...sessionFlags(o),
    connections: o.connections === undefined ? undefined : String(o.connections),
    duration: o.duration,
    requests: o.requests === undefined ? undefined : String(o.requests),
    rate: o.rate === undefined ? undefined : String(o.rate),
    method: o.method,
    header: headers,
    body: o.body,
    bodyFile: o.bodyFile,
    http2: o.http2,
    streams: o.streams === undefined ? undefined : String(o.streams),
  };
  return unwrap(await quickSession(o.url, flags, libraryIO(o.io), { signal: o.signal }));
}
