import { badFlag, SquallError } from '../errors/index.js';
import { parseDurationMs } from '../util/duration.js';
import { redactText, redactUrl } from '../util/redact.js';
import { parseLeakBudgetFlag } from './leak-budget.js';
import { parseDurationFlag, parsePositiveInt, parseTargetUrl } from './parse-flags.js';

/** What to monitor and how: `--monitor-*` on quick and run, `--pid/--cmd/…` on squall monitor. */
export interface MonitorPlan {
  /** Attach to this running process… */
  pid?: number;
  /** …or start this shell command, wait until it is ready, and stop it after. */
  cmd?: string;
  /**
   * Sum the process and its descendants: always for a command (a shell, npm, a cluster), and by
   * default for a pid too, since the pid given is often a wrapper whose child does the work.
   */
  tree: boolean;
  intervalMs: number;
  /** With a command: ready once this URL answers below 500 (else when the target's port accepts). */
  readyUrl?: string;
  readyTimeoutMs: number;
  /** Samples left out of the trend at the start; default 10% of the run, at least 10 s. */
  warmupMs?: number;
  /** `--leak-budget`: memory growth per hour below which a trend is not a leak, MiB. */
  leakBudgetMbPerHour?: number;
}

export const DEFAULT_MONITOR_INTERVAL_MS = 1000;
export const DEFAULT_MONITOR_READY_TIMEOUT_MS = 30_000;
const MIN_INTERVAL_MS = 100;

/** The flags as commander hands them over, under either command's names. */
export interface MonitorFlagValues {
  pid?: string;
  cmd?: string;
  tree?: boolean;
  interval?: string;
  ready?: string;
  readyTimeout?: string;
  warmup?: string;
  leakBudget?: string;
}

/** `--monitor-*` as commander names them on quick and run. */
export interface RunMonitorOptions {
  monitorPid?: string;
  monitorCmd?: string;
  monitorTree?: boolean;
  monitorInterval?: string;
  monitorReady?: string;
  monitorReadyTimeout?: string;
  monitorWarmup?: string;
  leakBudget?: string;
}

/** The `--monitor-*` flags of quick and run, resolved. */
export function resolveRunMonitor(o: RunMonitorOptions): MonitorPlan | null {
  return resolveMonitorPlan(
    {
      pid: o.monitorPid,
      cmd: o.monitorCmd,
      tree: o.monitorTree,
      interval: o.monitorInterval,
      ready: o.monitorReady,
      readyTimeout: o.monitorReadyTimeout,
      warmup: o.monitorWarmup,
      leakBudget: o.leakBudget,
    },
    RUN_MONITOR_FLAGS,
  );
}

/** The flag names, for messages: `--monitor-pid` on quick/run, `--pid` on squall monitor. */
export interface MonitorFlagNames {
  pid: string;
  cmd: string;
  tree: string;
  interval: string;
  ready: string;
  readyTimeout: string;
  warmup: string;
  leakBudget: string;
}

export const RUN_MONITOR_FLAGS: MonitorFlagNames = {
  pid: '--monitor-pid',
  cmd: '--monitor-cmd',
  tree: '--monitor-tree',
  interval: '--monitor-interval',
  ready: '--monitor-ready',
  readyTimeout: '--monitor-ready-timeout',
  warmup: '--monitor-warmup',
  leakBudget: '--leak-budget',
};

/**
 * Validates the monitor flags before anything starts; every message names its flag. Returns
 * null when neither a pid nor a command was given (and no other monitor flag either).
 */
export function resolveMonitorPlan(o: MonitorFlagValues, f: MonitorFlagNames): MonitorPlan | null {
  if (o.pid === undefined && o.cmd === undefined) {
    const stray = (['tree', 'interval', 'ready', 'readyTimeout', 'warmup', 'leakBudget'] as const).find(
      (k) => o[k] !== undefined,
    );
    if (stray) {
      // --no-monitor-tree sets `tree` to false: the message names the flag as it was typed.
      const flag = stray === 'tree' && o.tree === false ? noFlag(f.tree) : f[stray];
      throw badFlag(flag, `${flag} needs the process to watch: add ${f.pid} PID or ${f.cmd} 'COMMAND'`);
    }
    return null;
  }
  if (o.pid !== undefined && o.cmd !== undefined) {
    throw badFlag(
      f.pid,
      `${f.pid} and ${f.cmd} were both given; give one: the process to attach to, or the command to start`,
    );
  }
  if (o.cmd !== undefined && o.cmd.trim() === '') {
    throw badFlag(f.cmd, `${f.cmd} is empty; expected a command line such as ${f.cmd} 'node server.js'`);
  }
  if (o.cmd !== undefined && o.tree === false) {
    throw badFlag(
      noFlag(f.tree),
      `${noFlag(f.tree)} is about ${f.pid}: a command squall starts runs under a shell, so it is always ` +
        'watched with its child processes; give the pid of the one process to watch instead',
    );
  }
  for (const k of ['ready', 'readyTimeout'] as const) {
    if (o[k] !== undefined && o.cmd === undefined) {
      throw badFlag(
        f[k],
        `${f[k]} is about a service squall starts, so it needs ${f.cmd}; with ${f.pid} the process already runs`,
      );
    }
  }
  const intervalMs =
    o.interval === undefined ? DEFAULT_MONITOR_INTERVAL_MS : parseDurationFlag(f.interval, o.interval);
  if (intervalMs < MIN_INTERVAL_MS) {
    throw badFlag(
      f.interval,
      `${f.interval} "${o.interval}" is shorter than ${MIN_INTERVAL_MS}ms; sample at most 10 times a second`,
    );
  }
  let warmupMs: number | undefined;
  if (o.warmup !== undefined) {
    warmupMs = parseDurationMs(o.warmup);
    if (warmupMs === undefined || warmupMs < 0) {
      throw badFlag(
        f.warmup,
        `${f.warmup} "${o.warmup}" is not a duration; expected for example 30s, 2m, or 0 for none`,
      );
    }
  }
  return {
    pid: o.pid === undefined ? undefined : parsePositiveInt(f.pid, o.pid, 2 ** 31 - 1),
    cmd: o.cmd,
    tree: o.cmd !== undefined || o.tree !== false,
    intervalMs,
    readyUrl: o.ready === undefined ? undefined : parseTargetUrl(f.ready, o.ready).href,
    readyTimeoutMs:
      o.readyTimeout === undefined
        ? DEFAULT_MONITOR_READY_TIMEOUT_MS
        : parseDurationFlag(f.readyTimeout, o.readyTimeout),
    warmupMs,
    leakBudgetMbPerHour:
      o.leakBudget === undefined ? undefined : parseLeakBudgetFlag(f.leakBudget, o.leakBudget),
  };
}

/** `--monitor-tree` → `--no-monitor-tree`. */
export function noFlag(flag: string): string {
  return `--no-${flag.replace(/^--/, '')}`;
}

/** A threshold on the target's figures needs a target to watch. */
export function requireMonitorFor(
  thresholds: ReadonlyArray<{ metric: string; key: string }>,
  plan: MonitorPlan | null,
): void {
  if (plan) return;
  const t = thresholds.find((x) => x.metric.startsWith('target_'));
  if (!t) return;
  throw new SquallError(
    'SQ_USAGE_BAD_FLAG',
    `threshold "${t.key}" is on the target process, but no process is monitored; ` +
      "add --monitor-pid PID or --monitor-cmd 'COMMAND'",
    { where: { flag: '--threshold' } },
  );
}

/** The monitor settings as the result document's `config` records them. */
export function monitorConfig(plan: MonitorPlan | null): Record<string, unknown> | null {
  if (!plan) return null;
  return {
    pid: plan.pid ?? null,
    cmd: plan.cmd === undefined ? null : redactText(plan.cmd),
    tree: plan.tree,
    intervalMs: plan.intervalMs,
    ready: redactUrl(plan.readyUrl) ?? null,
    warmupMs: plan.warmupMs ?? null,
    leakBudgetMbPerHour: plan.leakBudgetMbPerHour ?? null,
  };
}
