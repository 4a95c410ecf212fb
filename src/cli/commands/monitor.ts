import type { Command } from 'commander';
import { deliverResult } from '../../api/deliver.js';
import { processIO } from '../../api/io.js';
import { checkOutputsWritable } from '../../api/outputs.js';
import { abortOnSignals } from '../../api/signals.js';
import { type MonitorPlan, resolveMonitorPlan } from '../../config/monitor.js';
import { parseDurationFlag, parseOutput } from '../../config/parse-flags.js';
import { REPORT_OUTPUT_KINDS } from '../../config/quick.js';
import { isSquallError, SquallError } from '../../errors/index.js';
import type { TargetMonitor } from '../../monitor/target-monitor.js';
import { buildResult } from '../../result/build-result.js';
import { TARGET_METRICS } from '../../result/monitor-metrics.js';
import type { MonitorResult, MonitorSample, ResultDocument } from '../../result/schema.js';
import {
  type ParsedThreshold,
  parseThreshold,
  parseThresholdFlag,
  validateThresholds,
} from '../../thresholds/index.js';
import { redactText, redactUrl } from '../../util/redact.js';
import { collect } from '../io.js';
import { onePid } from '../monitor-flags.js';

const EXAMPLES = `
Examples:
  $ squall monitor --pid 4242 -d 10m -o json=mem.json        # a service under load from anything else
  $ squall monitor --cmd 'node server.js' --ready http://127.0.0.1:3000/health -d 30m
  $ squall monitor --pid 4242 --no-tree                       # that process alone, not its children
  $ squall monitor --pid 4242 -d 1h --leak-budget 50MB/h      # growth under 50 MB an hour is no leak
  $ squall monitor --cmd 'npm start' --ready http://127.0.0.1:3000/ -d 1h \\
      --threshold 'target_rss_growth_mb_per_min:value<5' --threshold 'target_rss_peak_mb:value<1024'

Without -d it runs until Ctrl-C; either way the results are written. A --pid process is summed with
its child processes (a wrapper, a cluster) unless --no-tree; the line at the start names them.
The verdict, for memory, descriptors and threads each: a leak when growth after the warm-up (found
from the data) continues, is not slowing, and would exceed the leak budget per hour (memory: 32 MiB/h
or 5% of RSS, or --leak-budget); healthy when it is confidently under the budget or has settled;
inconclusive otherwise, with how many minutes more would tell (docs/monitoring.md).
Threshold metrics: ${[...TARGET_METRICS.keys()].join(', ')} (gauges: value<N).

Exit codes: 0 ok, 99 a threshold failed, 1 the process died (or the --pid went away) while monitored,
2 bad input, 130 interrupted (results still written).`;

const _MIN_INTERVAL_MS = 100;

/** The flags of `squall monitor`, as commander hands them over. */
export interface MonitorOptions {
  pid?: string;
  cmd?: string;
  duration?: string;
  interval?: string;
  tree?: boolean;
  ready?: string;
  readyTimeout?: string;
  warmup?: string;
  leakBudget?: string;
  threshold?: string[];
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export interface ResolvedMonitor extends MonitorPlan {
  durationMs?: number;
  thresholds: ParsedThreshold[];
  outputs: Array<{ kind: string; path: string }>;
  json: boolean;
  quiet: boolean;
}

/** Validates the flags before anything starts: every message names its flag. */
export function resolveMonitor(o: MonitorOptions): ResolvedMonitor {
  // Asked first: --interval has a default, so the plan alone would blame it instead.
  if (o.pid === undefined && o.cmd === undefined) {
    throw new SquallError(
      'SQ_USAGE_MISSING_ARG',
      "squall monitor needs the process to watch: --pid PID (a running process) or --cmd 'COMMAND' (squall starts it)",
      { hint: "for example: squall monitor --pid 4242 -d 5m, or squall monitor --cmd 'node server.js'" },
    );
  }
  const plan = resolveMonitorPlan(o, {
    pid: '--pid',
    cmd: '--cmd',
    tree: '--tree',
    interval: '--interval',
    ready: '--ready',
    readyTimeout: '--ready-timeout',
    warmup: '--warmup',
    leakBudget: '--leak-budget',
  })!;
  const thresholds = (o.threshold ?? []).map((text) => {
    const { key, expr } = parseThresholdFlag(text);
    const t = parseThreshold(key, expr, { where: { flag: '--threshold' } });
    if (Object.keys(t.tags).length > 0) {
      throw new SquallError(
        'SQ_THRESHOLD_SYNTAX',
        `threshold "${text}" filters on tags, but the target metrics of squall monitor have none; ` +
          `write it without {…}, e.g. '${t.metric}:${t.expr}'`,
        { where: t.where },
      );
    }
    return t;
  });
  validateThresholds(thresholds, TARGET_METRICS);
  return {
    ...plan,
    durationMs: o.duration === undefined ? undefined : parseDurationFlag('-d', o.duration),
    thresholds,
    outputs: (o.out ?? []).map((text) => parseOutput(text, REPORT_OUTPUT_KINDS)),
    json: !!o.json,
    quiet: !!o.quiet,
  };
}

/** The live line: one rewritten line on a terminal, a plain line every 10 s in a log. */
function liveView(quiet: boolean): { onSample(s: MonitorSample): void; finish(): void } {
  const tty = process.stderr.isTTY === true;
  let lastLogAt = 0;
  let drawn = false;
  const write = (s: string) => {
    try {
      process.stderr.write(s);
    } catch {
      // A closed stderr must not stop monitoring.
    }
  };
  return {
    onSample(s) {
      if (quiet) return;
      const line =
        `  ${Math.round(s.t)}s  rss ${s.rssMb.toFixed(1)} MiB  cpu ${s.cpuPct.toFixed(1)}%` +
        (s.threads === null ? '' : `  threads ${s.threads}`) +
        (s.fds === null ? '' : `  fds ${s.fds}`);
      if (tty) {
        write(`\r${line}\u001b[K`);
        drawn = true;
      } else if (s.t - lastLogAt >= 10) {
        lastLogAt = s.t;
        write(`${line}\n`);
      }
    },
    finish() {
      if (drawn) write('\r\u001b[K');
      drawn = false;
    },
  };
}

/** Ends when the duration is up, on Ctrl-C, or when the process ends, whichever comes first. */
async function waitForEnd(
  mon: TargetMonitor,
  durationMs: number | undefined,
  signal: AbortSignal,
): Promise<'completed' | 'interrupted' | 'exited'> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      mon.ended.then(() => 'exited' as const),
      new Promise<'interrupted'>((resolve) => {
        onAbort = () => resolve('interrupted');
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
      new Promise<'completed'>((resolve) => {
        if (durationMs !== undefined) timer = setTimeout(() => resolve('completed'), durationMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function monitorDocument(
  r: ResolvedMonitor,
  monitor: MonitorResult,
  startedAt: Date,
  endedAt: Date,
  interrupted: boolean,
): ResultDocument {
  return buildResult({
    kind: 'monitor',
    startedAt,
    endedAt,
    endReason: interrupted ? 'interrupted' : 'completed',
    config: {
      command: 'monitor',
      pid: r.pid ?? null,
      cmd: r.cmd === undefined ? null : redactText(r.cmd),
      tree: r.tree,
      intervalMs: r.intervalMs,
      durationMs: r.durationMs ?? null,
      warmupMs: r.warmupMs ?? null,
      leakBudgetMbPerHour: r.leakBudgetMbPerHour ?? null,
      ready: redactUrl(r.readyUrl) ?? null,
      thresholds: r.thresholds.map((t) => `${t.key}:${t.expr}`),
    },
    thresholds: r.thresholds,
    monitor,
  });
}

export function registerMonitor(program: Command, setExit: (code: number) => void): void {
  program
    .command('monitor')
    .description(
      "sample a process's memory, CPU, threads and open files (by --pid or --cmd) and report leaks",
    )
    .option('--pid <pid>', 'the running process to watch (with its child processes)', onePid('--pid'))
    .option(
      '--cmd <command>',
      'start this shell command, watch it (with its child processes), stop it at the end',
    )
    .option(
      '-d, --duration <d>',
      'how long to watch: 30s, 10m, 2h (default: until Ctrl-C or the process exits)',
    )
    .option('--interval <d>', 'time between samples', '1s')
    .option(
      '--tree',
      'with --pid: sum the process and all its descendants (the default: a wrapper, a cluster, a pre-forking server)',
    )
    .option('--no-tree', 'with --pid: watch that one process alone, not its children')
    .option('--ready <url>', 'with --cmd: start watching once this URL answers with a status below 500')
    .option('--ready-timeout <d>', 'with --cmd: how long to wait until it is ready (default 30s)')
    .option(
      '--warmup <d>',
      'samples left out of the trend at the start (default: 10% of the time, at least 10s)',
    )
    .option(
      '--leak-budget <rate>',
      'memory growth not worth calling a leak, e.g. 100MB/h, 2MiB/min (MB = 10^6 bytes, MiB = 2^20)',
    )
    .option(
      '--threshold <metric:expr>',
      "budget, e.g. 'target_rss_growth_mb_per_min:value<5' (repeatable)",
      collect,
    )
    .option(
      '-o, --out <kind=path>',
      'write an output: json=r.json, html=r.html, md=r.md, junit=r.xml, csv=PREFIX (repeatable)',
      collect,
    )
    .option('--json', 'print the result document on stdout instead of the summary')
    .option('-q, --quiet', 'no live line; print the summary only when something failed')
    .option('--no-color', 'no ANSI colours (also when not a TTY, or with NO_COLOR)')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: MonitorOptions) => {
      const r = resolveMonitor(opts);
      checkOutputsWritable(r.outputs);
      const signals = abortOnSignals(processIO());
      const live = liveView(r.quiet);
      // Loaded here: every other command would pay for the monitor's modules at start-up.
      const { serviceExitedError, startTargetMonitor } = await import('../../monitor/target-monitor.js');
      const { watchingLine } = await import('../../monitor/process-checks.js');
      let mon: TargetMonitor;
      let attached = false;
      try {
        mon = await startTargetMonitor({
          pid: r.pid,
          cmd: r.cmd,
          cmdFlag: '--cmd',
          pidFlag: '--pid',
          treeFlag: '--tree',
          readyUrl: r.readyUrl,
          readyTimeoutMs: r.readyTimeoutMs,
          signal: signals.signal,
          intervalMs: r.intervalMs,
          tree: r.tree,
          verdict: { warmupMs: r.warmupMs, leakBudgetMbPerHour: r.leakBudgetMbPerHour },
          onSample: live.onSample,
          // Those found at attach are printed after the line that says what is watched.
          onWarning: (w) => {
            if (!r.quiet && attached) process.stderr.write(`squall monitor: warning: ${w}\n`);
          },
        });
      } catch (e) {
        signals.dispose();
        if (signals.signal.aborted) {
          process.stderr.write(
            'squall monitor: interrupted before the service was ready; nothing to report\n',
          );
          setExit(130);
          return;
        }
        if (isSquallError(e) && e.code === 'SQ_MONITOR_NO_PROCESS') {
          throw new SquallError(e.code, `--pid ${r.pid}: ${e.message}`, {
            where: { flag: '--pid' },
            hint: e.hint,
          });
        }
        throw e;
      }
      if (!r.quiet) {
        const until =
          r.durationMs === undefined
            ? ', until Ctrl-C or until it exits'
            : `, for ${r.durationMs / 1000}s (Ctrl-C ends it early)`;
        process.stderr.write(
          `squall monitor: ${watchingLine(mon, r, 'watching', { noTree: '--no-tree' }, until)}\n`,
        );
        for (const w of mon.warnings) process.stderr.write(`squall monitor: warning: ${w}\n`);
      }
      attached = true;
      let ending: Awaited<ReturnType<typeof waitForEnd>>;
      let monitor: MonitorResult;
      try {
        ending = await waitForEnd(mon, r.durationMs, signals.signal);
        monitor = await mon.finish();
      } finally {
        signals.dispose();
        live.finish();
      }
      // The run is the monitoring itself, not the wait for a service to get ready.
      const startedAt = new Date(mon.sampler.startedAt);
      const result = monitorDocument(r, monitor, startedAt, new Date(), ending === 'interrupted');

      const died = serviceExitedError(monitor, { cmd: '--cmd', pid: '--pid' }, 'monitoring');
      await deliverResult(
        result,
        { outputs: r.outputs, json: r.json, quiet: r.quiet, color: opts.color },
        processIO(),
        [],
      );
      if (ending === 'interrupted') return setExit(130);
      if (died) throw died;
      setExit(result.passed ? 0 : 99);
    });
}
