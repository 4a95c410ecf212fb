import { isSquallError, SquallError } from '../errors/index.js';
import { redactText } from '../util/redact.js';
import { round } from '../util/units.js';
import {
  describeExit,
  type LaunchedService,
  type LaunchOptions,
  launchService,
  type ServiceExit,
} from './launcher.js';
import { formatTail } from './line-tail.js';
import {
  idleUnderLoadWarning,
  nameOf,
  socketOwnerWarning,
  unwatchedChildrenWarning,
  type WatchedProcesses,
  watchedProcesses,
} from './process-checks.js';
import type { SampleSource } from './readers.js';
import { type Sampler, startSampler } from './sampler.js';
import type { MonitorExit, MonitorResult, MonitorSample } from './types.js';
import { buildMonitorResult, type VerdictOptions } from './verdict.js';

/**
 * Monitoring of the system under test from start to verdict: attach to a pid, or start a
 * command and wait until it is ready; sample it while the load runs; then stop sampling, stop
 * the service squall started, and judge. This is what `--monitor-pid` / `--monitor-cmd` and
 * `squall monitor` use.
 */

export interface TargetMonitorOptions
  extends Partial<
    Pick<LaunchOptions, 'readyUrl' | 'readyAddress' | 'readyTimeoutMs' | 'cwd' | 'env' | 'signal'>
  > {
  /** Attach to this running process… */
  pid?: number;
  /** …or start this command (and stop it at the end). */
  cmd?: string;
  /** Flag names for messages: `--monitor-cmd`, `--monitor-pid`, `--monitor-tree` by default. */
  cmdFlag?: string;
  pidFlag?: string;
  treeFlag?: string;
  /** Default 1 s. */
  intervalMs?: number;
  /**
   * Sum descendants. Default on: a command runs under a shell, and a pid given is often a
   * wrapper (`npm start`, `sh -c`) or a cluster's primary.
   */
  tree?: boolean;
  /** The target's address (quick, run): who listens there is checked against what is watched. */
  target?: { host: string; port: number };
  /** The load's responses so far (quick, run): each sample's `reqs`, and the idle check's measure. */
  requests?: () => number;
  /** Each doubt about what is watched, as it is found (a line on stderr). */
  onWarning?: (text: string) => void;
  source?: SampleSource;
  verdict?: VerdictOptions;
  /** Grace between SIGTERM and SIGKILL when stopping a started service. Default 5 s. */
  stopGraceMs?: number;
  onSample?: (sample: MonitorSample) => void;
}

export interface TargetMonitor {
  readonly pid: number;
  /** The service squall started (`cmd`), if any. */
  readonly service: LaunchedService | undefined;
  readonly sampler: Sampler;
  /** The process and its descendants at attach (Linux), for the line that says what is watched. */
  readonly watched: WatchedProcesses | undefined;
  /** Doubts about what is watched, found so far (they go into the result's `warnings`). */
  readonly warnings: readonly string[];
  /**
   * Settles if the process ends before finish() (a crash under load, or a --monitor-pid process
   * that went away); never settles otherwise.
   */
  readonly ended: Promise<MonitorExit>;
  /** Stops sampling, stops a started service, and returns the verdict. Idempotent. */
  finish(): Promise<MonitorResult>;
}

/**
 * The error of a watched process that died while in use (after the results are written): a
 * started service (`flags.cmd`), or an attached pid that went away (`flags.pid`) during what
 * (`pidDuring`: squall monitor has no load, so no "in use").
 */
export function serviceExitedError(
  mon: MonitorResult,
  flags: { cmd: string; pid: string } = { cmd: '--monitor-cmd', pid: '--monitor-pid' },
  pidDuring = 'the run, while it was in use',
): SquallError | undefined {
  const exit = mon.exit;
  if (!exit) return undefined;
  if (!mon.cmd) {
    return new SquallError(
      'SQ_MONITOR_EXITED',
      `${flags.pid} ${mon.pid} went away ${round(exit.atSec, 1)} s into ${pidDuring}; the figures stop there`,
      { where: { flag: flags.pid } },
    );
  }
  const flag = flags.cmd;
  return new SquallError(
    'SQ_MONITOR_EXITED',
    `${flag} '${mon.cmd}' ${describeExit(exit)} ${round(exit.atSec, 1)} s into the run, while it was in use; ` +
      formatTail(exit.tail),
    { where: { flag } },
  );
}

export async function startTargetMonitor(opts: TargetMonitorOptions): Promise<TargetMonitor> {
  if ((opts.pid === undefined) === (opts.cmd === undefined)) {
    throw new Error('startTargetMonitor needs exactly one of pid and cmd');
  }
  const flag = opts.cmdFlag ?? '--monitor-cmd';
  const service =
    opts.cmd === undefined
      ? undefined
      : await launchService({
          cmd: opts.cmd,
          readyUrl: opts.readyUrl,
          readyAddress: opts.readyAddress,
          readyTimeoutMs: opts.readyTimeoutMs,
          cwd: opts.cwd,
          env: opts.env,
          signal: opts.signal,
          flag,
        });
  const pid = service ? service.pid : opts.pid!;
  const tree = opts.tree ?? true;
  let sampler: Sampler;
  try {
    sampler = await startSampler({
      pid,
      intervalMs: opts.intervalMs,
      tree,
      source: opts.source,
      onSample: opts.onSample,
      requests: opts.requests,
    });
  } catch (e) {
    if (!service || !isSquallError(e)) throw e;
    const exit = await service.stop(0);
    throw new SquallError(
      'SQ_MONITOR_START',
      `${flag} '${opts.cmd}' ${describeExit(exit)} right after it was ready; ${formatTail(exit.tail)}`,
      { where: { flag } },
    );
  }
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(text);
    opts.onWarning?.(text);
  };
  const pidFlag = opts.pidFlag ?? '--monitor-pid';
  const treeFlag = opts.treeFlag ?? '--monitor-tree';
  const noTreeFlag = `--no-${treeFlag.replace(/^--/, '')}`;
  const watched = await watchedProcesses(pid);
  const summed = tree && watched ? [pid, ...watched.children.map((c) => c.pid)] : [pid];
  const who = `${nameOf(pid, watched)}${summed.length > 1 ? ' and its child processes' : ''}`;
  if (!tree) {
    const w = unwatchedChildrenWarning(watched, { noTree: noTreeFlag, tree: treeFlag });
    if (w) warn(w);
  }
  if (opts.target) {
    const w = await socketOwnerWarning(summed, opts.target, { who, pidFlag });
    if (w) warn(w);
  }
  const sinceStart = (at: number) => round(Math.max(0, (at - sampler.startedAt) / 1000), 3);

  const exitOf = (e: ServiceExit): MonitorExit => ({
    atSec: sinceStart(e.at),
    code: e.code,
    signal: e.signal,
    // The service's own output may print its secrets; the document keeps them out.
    tail: e.tail.map(redactText),
  });
  // Only an exit nobody asked for is news: stop() sets `stopped`, and finish() stops sampling
  // before it stops the service.
  const ended = new Promise<MonitorExit>((resolve) => {
    if (service) {
      void service.exited.then((e) => {
        if (!e.stopped) resolve(exitOf(e));
      });
    } else {
      void sampler.done.then((end) => {
        if (end.reason === 'gone') resolve({ atSec: end.atSec, code: null, signal: null, tail: [] });
      });
    }
  });

  let result: Promise<MonitorResult> | undefined;
  const finish = async (): Promise<MonitorResult> => {
    const end = await sampler.stop();
    let exit: MonitorExit | undefined;
    if (service) {
      const e = service.exit ?? (await service.stop(opts.stopGraceMs));
      if (!e.stopped) exit = exitOf(e);
      // A leader that died may have left children in its group: they go too.
      await service.stop(opts.stopGraceMs);
    } else if (end.reason === 'gone') {
      exit = { atSec: end.atSec, code: null, signal: null, tail: [] };
    }
    const idle = idleUnderLoadWarning(sampler.samples, {
      who,
      hint:
        !tree && watched && watched.children.length > 0
          ? `its child processes may be: drop ${noTreeFlag} to sum them`
          : service
            ? 'is the target served by another process (a container, a daemon the command handed over to)?'
            : `watch the process listening on the target's port (${pidFlag} PID)`,
    });
    if (idle) warn(idle);
    return buildMonitorResult(
      {
        pid,
        samples: sampler.samples,
        durationSec: exit ? exit.atSec : end.atSec,
        intervalMs: sampler.intervalMs,
        tree,
        source: sampler.source,
        cmd: opts.cmd === undefined ? null : redactText(opts.cmd),
        exit: exit ?? null,
        warnings,
      },
      opts.verdict,
    );
  };

  return {
    pid,
    service,
    sampler,
    watched,
    warnings,
    ended,
    finish() {
      result ??= finish();
      return result;
    },
  };
}
