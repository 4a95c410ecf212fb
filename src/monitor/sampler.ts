import { performance } from 'node:perf_hooks';
import { SquallError } from '../errors/index.js';
import { round } from '../util/units.js';
import { createReader, defaultSource, type ProcessReader, type SampleSource } from './readers.js';
import type { MonitorSample } from './types.js';

/**
 * Samples a process (or its whole tree) at a fixed interval until stopped or until the process
 * goes away, which ends sampling cleanly rather than as an error: a service that dies is a
 * finding to report, not a crash of squall.
 */

export const DEFAULT_INTERVAL_MS = 1000;
const MIB = 1024 * 1024;

export interface SamplerOptions {
  pid: number;
  /** Default 1 s. */
  intervalMs?: number;
  /** Sum the process and all its descendants (a multi-worker server, a shell and its command). */
  tree?: boolean;
  /** Default: /proc on Linux, pidusage elsewhere. */
  source?: SampleSource;
  /** Called with each sample as it is taken (live views). */
  onSample?: (sample: MonitorSample) => void;
  /**
   * The load's responses so far, stored as each sample's `reqs` (a load beside the monitor): a
   * counter the engine keeps anyway, read once per sample.
   */
  requests?: () => number;
}

export interface SamplerEnd {
  /** `gone`: the process no longer ran at a reading. */
  reason: 'stopped' | 'gone';
  /** Seconds since sampling started. */
  atSec: number;
}

export interface Sampler {
  readonly pid: number;
  readonly intervalMs: number;
  readonly tree: boolean;
  readonly source: SampleSource;
  /** Date.now() when sampling started: sample `t` counts from here. */
  readonly startedAt: number;
  readonly samples: readonly MonitorSample[];
  /** Settles when sampling ends, by stop() or because the process went away. */
  readonly done: Promise<SamplerEnd>;
  /** Ends sampling (after a reading in progress) and resolves with how it ended. */
  stop(): Promise<SamplerEnd>;
}

function toSample(
  t: number,
  r: NonNullable<Awaited<ReturnType<ProcessReader['read']>>>,
  reqs: number | undefined,
): MonitorSample {
  const sample: MonitorSample = {
    t: round(t, 3),
    rssMb: round(r.rssBytes / MIB, 2),
    cpuPct: round(r.cpuPct, 1),
    threads: r.threads,
    fds: r.fds,
    vszMb: r.vszBytes === null ? null : round(r.vszBytes / MIB, 2),
    processes: r.processes,
  };
  if (reqs !== undefined) sample.reqs = reqs;
  return sample;
}

/**
 * Starts sampling. The first reading is taken at once as the CPU baseline (and to check that
 * the process exists: a SquallError if it does not); samples follow every interval.
 */
export async function startSampler(opts: SamplerOptions): Promise<Sampler> {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const tree = opts.tree ?? false;
  const reader = createReader(opts.pid, tree, opts.source ?? defaultSource());
  const baseline = await reader.read().catch(() => undefined);
  if (!baseline) {
    reader.close();
    throw new SquallError('SQ_MONITOR_NO_PROCESS', `no process with pid ${opts.pid} is running`, {
      hint: 'check the pid with `ps -p PID`; a process that has exited (or is a zombie) cannot be sampled',
    });
  }
  const t0 = performance.now();
  const startedAt = Date.now();
  const samples: MonitorSample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let reading: Promise<void> = Promise.resolve();
  let ended: SamplerEnd | undefined;
  let resolveDone!: (end: SamplerEnd) => void;
  const done = new Promise<SamplerEnd>((resolve) => {
    resolveDone = resolve;
  });
  const elapsedSec = () => (performance.now() - t0) / 1000;

  const finish = (reason: SamplerEnd['reason']) => {
    if (ended) return;
    ended = { reason, atSec: round(elapsedSec(), 3) };
    clearTimeout(timer);
    reader.close();
    resolveDone(ended);
  };

  // Ticks are due at t0 + k·interval, so the series does not drift when a reading is slow;
  // a tick missed altogether (a starved event loop) is skipped rather than taken twice.
  let tick = 0;
  const schedule = () => {
    if (ended) return;
    tick = Math.max(tick + 1, Math.floor((performance.now() - t0) / intervalMs) + 1);
    timer = setTimeout(
      () => {
        reading = take();
      },
      Math.max(0, t0 + tick * intervalMs - performance.now()),
    );
  };
  const take = async () => {
    // The moment the reading starts is the moment it describes.
    const t = elapsedSec();
    const reqs = opts.requests?.();
    let r: Awaited<ReturnType<ProcessReader['read']>>;
    try {
      r = await reader.read();
    } catch {
      // An unreadable moment (a /proc race) is not the process's death: try again next tick.
      schedule();
      return;
    }
    if (ended) return;
    if (!r) {
      finish('gone');
      return;
    }
    const sample = toSample(t, r, reqs);
    samples.push(sample);
    opts.onSample?.(sample);
    schedule();
  };
  schedule();

  return {
    pid: opts.pid,
    intervalMs,
    tree,
    source: reader.source,
    startedAt,
    samples,
    done,
    async stop() {
      clearTimeout(timer);
      await reading;
      finish('stopped');
      return done;
    },
  };
}
