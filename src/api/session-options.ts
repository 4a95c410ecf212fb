import type { RunMonitorOptions } from '../config/monitor.js';
import type { ResultDocument } from '../result/schema.js';
import type { SessionIO } from './io.js';
import type { PrometheusFlags } from './prometheus-options.js';

/**
 * What `quick()` and `run()` share: the common flags of `squall quick` and `squall run` (one
 * list, as the CLI declares them once), typed for a program, and the session's I/O.
 */
export interface SessionOptions {
  /** Budgets, `'http_req_duration:p(95)<300'` (`--threshold`). */
  thresholds?: string[];
  /** Outputs, `'json=r.json'`, `'html=r.html'`, `'prometheus=127.0.0.1:9464'` (`-o`). */
  out?: string[];
  /** Every file output into this folder as `NAME_YYYYMMDD_HHMMSS.*`, the start in UTC (`--report-dir`). */
  reportDir?: string;
  /** Per-request timeout, `'10s'` (`--timeout`). */
  timeout?: string;
  /** https: do not verify certificates (`-k`). */
  insecure?: boolean;
  /** https: trust the CA certificates of this PEM file (`--cacert`). */
  cacert?: string;
  /** Serve the live dashboard on 127.0.0.1 (`--ui`); its URL goes to `io.stderr`. */
  ui?: boolean;
  /** Write the result document to `io.stdout` instead of the summary (`--json`). */
  json?: boolean;
  /** No progress (`-q`). */
  quiet?: boolean;
  /** ANSI colours on `io`'s writers: false never; default only for a TTY (`--no-color`). */
  color?: boolean;
  /** The system under test (`--monitor-pid`, `--monitor-cmd`, …), as the flags spell them. */
  monitor?: {
    pid?: number;
    cmd?: string;
    tree?: boolean;
    interval?: string;
    ready?: string;
    readyTimeout?: string;
    warmup?: string;
    leakBudget?: string;
  };
  /** `-o prometheus…` naming and timing (`--prometheus-names`, `--prometheus-push-interval`, `--prometheus-linger`). */
  prometheus?: { names?: 'squall' | 'k6'; pushInterval?: string; linger?: string };
  /**
   * Where the session writes and listens. Default: nothing written, the process's signals
   * ignored (use `signal`), the process's environment.
   */
  io?: Partial<SessionIO>;
  /** Ends the run as Ctrl-C does: what ran is still delivered, with endReason `interrupted`. */
  signal?: AbortSignal;
  /**
   * The load on N worker threads, `'auto'` the free cores (`--workers`); a test must then be
   * given as a file path, which each worker loads.
   */
  workers?: number | 'auto';
  /** This process's slice of the load, `'2/4'` (`--shard`); merge the documents with `merge()`. */
  shard?: string;
  /** When the load starts: an ISO time, `'+30s'` or a Date (`--start-at`). */
  startAt?: string | Date;
}

/** The common options as the CLI's flags, for the session that both share. */
export function sessionFlags(o: SessionOptions): RunMonitorOptions &
  PrometheusFlags & {
    threshold?: string[];
    out?: string[];
    reportDir?: string;
    timeout?: string;
    insecure?: boolean;
    cacert?: string;
    ui?: boolean;
    json?: boolean;
    quiet?: boolean;
    color?: boolean;
    workers?: string;
    shard?: string;
    startAt?: string;
  } {
  const m = o.monitor ?? {};
  return {
    threshold: o.thresholds,
    out: o.out,
    reportDir: o.reportDir,
    timeout: o.timeout,
    insecure: o.insecure,
    cacert: o.cacert,
    ui: o.ui,
    json: o.json,
    quiet: o.quiet,
    color: o.color,
    workers: o.workers === undefined ? undefined : String(o.workers),
    shard: o.shard,
    startAt: o.startAt instanceof Date ? o.startAt.toISOString() : o.startAt,
    monitorPid: m.pid === undefined ? undefined : String(m.pid),
    monitorCmd: m.cmd,
    monitorTree: m.tree,
    monitorInterval: m.interval,
    monitorReady: m.ready,
    monitorReadyTimeout: m.readyTimeout,
    monitorWarmup: m.warmup,
    leakBudget: m.leakBudget,
    prometheusNames: o.prometheus?.names,
    prometheusPushInterval: o.prometheus?.pushInterval,
    prometheusLinger: o.prometheus?.linger,
  };
}

/**
 * The document of a library call. Nothing ran only when the run was stopped while a
 * `--monitor-cmd` service was still starting: there is no document to return.
 */
export function unwrap(r: { result: ResultDocument | null }): ResultDocument {
  if (r.result === null) throw new Error('squall: stopped before the load started; nothing ran');
  return r.result;
}
