import type { MonitorPlan } from '../config/monitor.js';
import { isSquallError, SquallError } from '../errors/index.js';
import { startGeneratorHealth } from '../monitor/generator-health.js';
import type { TargetMonitor } from '../monitor/target-monitor.js';
import type { VerdictOptions } from '../monitor/verdict.js';
import type { GeneratorHealth, MonitorResult } from '../result/schema.js';
import { redactText } from '../util/redact.js';
import type { Writer } from './io.js';

/** What a run watches besides its requests: the target process (when asked) and squall itself. */
export interface RunMonitors {
  /** The target's figures so far, for the live views; null when no process is monitored. */
  current(): MonitorResult | null;
  /** Starts squall's own health sampling: call it when the load starts. */
  loadStarted(): void;
  /**
   * Stops sampling (and the service squall started); the verdicts for the result document.
   * Idempotent: the CLI calls it again in a `finally`, so a started service never outlives squall.
   */
  finish(): Promise<{ monitor: MonitorResult | null; generator: GeneratorHealth | null }>;
  /** After the outputs are written: the error of a started service that died while in use. */
  diedError(monitor: MonitorResult | null): SquallError | undefined;
}

/**
 * Starts the monitor of a run before its load: attaches to `--monitor-pid`, or starts
 * `--monitor-cmd` and waits until it is ready (`--monitor-ready`, else until the target's port
 * accepts connections). A service that exits or never gets ready is a SquallError naming it,
 * with the tail of its output, before any load is sent.
 */
/** Below this many samples the live verdict is cheap enough to judge at every frame. */
const LIVE_FULL_SAMPLES = 300;
const LIVE_VERDICT_EVERY_MS = 15_000;

export async function startRunMonitors(
  plan: MonitorPlan | null,
  target: { host: string; port: number } | undefined,
  o: { quiet: boolean; signal: AbortSignal; requests?: () => number; stderr: Writer },
): Promise<RunMonitors> {
  let mon: TargetMonitor | null = null;
  let live: { at: number; result: MonitorResult } | undefined;
  // The target's monitor is loaded only when asked for: quick's memory budget counts every module.
  let verdict: VerdictOptions = {};
  const lib = plan
    ? {
        ...(await import('../monitor/target-monitor.js')),
        ...(await import('../monitor/verdict.js')),
        ...(await import('../monitor/process-checks.js')),
      }
    : null;
  if (plan && lib) {
    const { host, port } = target ?? { host: '', port: 0 };
    verdict = { warmupMs: plan.warmupMs, leakBudgetMbPerHour: plan.leakBudgetMbPerHour };
    if (!o.quiet && plan.cmd) {
      o.stderr.write(
        redactText(
          `squall: starting '${plan.cmd}', waiting until ${plan.readyUrl ?? `${host}:${port}`} is ready\n`,
        ),
      );
    }
    mon = await lib
      .startTargetMonitor({
        pid: plan.pid,
        cmd: plan.cmd,
        readyUrl: plan.readyUrl,
        readyAddress: target,
        readyTimeoutMs: plan.readyTimeoutMs,
        intervalMs: plan.intervalMs,
        tree: plan.tree,
        verdict,
        signal: o.signal,
        target,
        requests: o.requests,
        // Those found at attach are printed after the line that says what is watched.
        onWarning: (w) => {
          if (!o.quiet && mon) o.stderr.write(`squall: warning: ${w}\n`);
        },
      })
      .catch((e: unknown) => {
        // The monitor names the pid; the user needs the flag that gave it.
        if (!isSquallError(e) || e.code !== 'SQ_MONITOR_NO_PROCESS') throw e;
        throw new SquallError(e.code, `--monitor-pid ${plan.pid}: ${e.message}`, {
          where: { flag: '--monitor-pid' },
          hint: e.hint,
        });
      });
    if (!o.quiet) {
      o.stderr.write(
        `squall: ${lib.watchingLine(mon, plan, 'monitoring', { noTree: '--no-monitor-tree' })}\n`,
      );
      for (const w of mon.warnings) o.stderr.write(`squall: warning: ${w}\n`);
    }
  }
  let health: ReturnType<typeof startGeneratorHealth> | null = null;
  let finished: ReturnType<RunMonitors['finish']> | undefined;
  const target_ = mon;
  return {
    current() {
      if (!target_ || !plan || !lib) return null;
      const s = target_.sampler;
      // Judging an hour of samples takes ~0.1 s of the event loop the load runs on: live views
      // get the verdict again at most every LIVE_VERDICT_EVERY_MS, with the samples always current.
      const now = Date.now();
      if (live && s.samples.length > LIVE_FULL_SAMPLES && now - live.at < LIVE_VERDICT_EVERY_MS) {
        return { ...live.result, samples: [...s.samples] };
      }
      const result = lib.buildMonitorResult(
        {
          pid: target_.pid,
          samples: s.samples,
          durationSec: (now - s.startedAt) / 1000,
          intervalMs: s.intervalMs,
          tree: s.tree,
          source: s.source,
          cmd: plan.cmd ?? null,
          warnings: target_.warnings,
        },
        verdict,
      );
      live = { at: now, result };
      return result;
    },
    loadStarted() {
      health ??= startGeneratorHealth({ cores: 1 });
    },
    finish() {
      finished ??= (async () => {
        const generator = health ? health.stop() : null;
        const monitor = target_ ? await target_.finish() : null;
        return { monitor, generator };
      })();
      return finished;
    },
    diedError(monitor) {
      return monitor && lib ? lib.serviceExitedError(monitor) : undefined;
    },
  };
}

/**
 * startRunMonitors for a session: null when Ctrl-C came while a `--monitor-cmd` service was still
 * starting (nothing ran, so there is nothing to write: exit 130).
 */
export async function startMonitorsOrInterrupt(
  plan: MonitorPlan | null,
  target: { host: string; port: number } | undefined,
  o: { quiet: boolean; stderr: Writer },
  signals: { signal: AbortSignal; dispose(): void },
  requests?: () => number,
): Promise<RunMonitors | null> {
  try {
    return await startRunMonitors(plan, target, { ...o, signal: signals.signal, requests });
  } catch (e) {
    signals.dispose();
    if (!signals.signal.aborted) throw e;
    o.stderr.write('squall: interrupted before the service was ready; nothing ran\n');
    return null;
  }
}
