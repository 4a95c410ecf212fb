import type { MonitorPlan } from '../config/monitor.js';
import type { ResolvedQuick } from '../config/quick.js';
import type { ShardPlan } from '../config/shard.js';
import { HttpEngine, type LoadOutcome } from '../engine/http-engine.js';
import { type Share, scaleCount } from '../engine/share.js';
import type { LiveSource } from '../live/live.js';
import { startLive } from '../live/manager.js';
import { httpLiveTrends } from '../live/prometheus-extras.js';
import { buildResult } from '../result/build-result.js';
import type { ResultDocument } from '../result/schema.js';
import { h2ProtocolNotes } from '../transports/http/h2-session.js';
import { loadHdrCodec } from '../util/hdr.js';
import { deliverResult } from './deliver.js';
import type { SessionIO } from './io.js';
import { liveConsumers } from './live-setup.js';
import { startMonitorsOrInterrupt } from './run-monitors.js';
import { abortOnSignals } from './signals.js';
import { shardParts, waitForStart } from './start-at.js';

/**
 * How a load inside a worker thread of `--workers N` differs: its share, a frame to the parent
 * each second instead of live views, and its document handed back instead of written.
 */
export interface LoadWorkerHooks {
  share: Share;
  /** Each second: `build` makes this worker's document so far (a shard document). */
  frame(elapsedMs: number, build: () => ResultDocument): void;
  /** The worker's document (and the notes the run ends with), where a run in the parent would deliver it. */
  finished(doc: ResultDocument, notes?: readonly string[]): void;
}

/**
 * Runs a resolved HTTP load (quick, demo): the monitors (target process, squall's own health),
 * the live consumers (progress on stderr, the dashboard and Prometheus endpoints when asked),
 * then the outputs, then the summary (or the result document with --json) on stdout. Returns the
 * exit code: 0, 99 when a threshold failed, 130 when interrupted (after writing everything).
 */
export async function runHttpLoad(
  q: Pick<ResolvedQuick, 'load' | 'thresholds' | 'outputs' | 'json' | 'quiet' | 'config'> & {
    ui?: boolean;
    monitor?: MonitorPlan | null;
    judge?: (result: ResultDocument) => void;
    /** `--shard I/N` (q.load.share is its slice) and `--start-at`. */
    shard?: ShardPlan;
  },
  opts: { color?: boolean; io: SessionIO; signal?: AbortSignal; worker?: LoadWorkerHooks },
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const { io, worker } = opts;
  // A worker runs its share as a shard of the run: its document is a shard document.
  const shardPlan: ShardPlan | undefined =
    worker === undefined ? q.shard : { share: worker.share, startAt: null };
  const signals = abortOnSignals(io, opts.signal);
  // The monitor starts first (a --monitor-cmd service must be ready before the load), so its
  // samples read the engine's request count through this, once the engine exists.
  let requestsSoFar = () => 0;
  const monitors = await startMonitorsOrInterrupt(
    q.monitor ?? null,
    q.load.endpoint,
    { quiet: q.quiet, stderr: io.stderr },
    signals,
    () => requestsSoFar(),
  );
  if (!monitors) return { exitCode: 130, result: null };
  // A worker's frames encode histograms: the codec is loaded before the load, not mid-run (EMFILE).
  if (worker !== undefined) loadHdrCodec();
  // A shard's progress counts its own part of -n.
  const maxRequests =
    q.load.maxRequests === undefined ? undefined : scaleCount(q.load.maxRequests, q.load.share);
  let live: Awaited<ReturnType<typeof startLive>> | undefined;
  const engine = new HttpEngine(worker === undefined ? q.load : { ...q.load, share: worker.share }, {
    onTick: (s) =>
      worker !== undefined
        ? worker.frame(s.elapsedMs, () => source.frame().doc)
        : live?.snapshot(
            maxRequests === undefined
              ? s
              : { ...s, count: { done: s.requests, total: maxRequests, unit: 'reqs' } },
          ),
  });
  requestsSoFar = () => engine.metrics.requests;
  let startedAt = new Date();
  const source: LiveSource = {
    frame: () => ({
      doc: buildResult({
        kind: 'quick',
        metrics: engine.metrics,
        startedAt,
        endedAt: new Date(),
        durationMs: engine.elapsedMs(),
        endReason: 'completed',
        vusMax: engine.connectionCount,
        config: q.config,
        thresholds: q.thresholds,
        monitor: monitors.current(),
        ...shardParts(shardPlan),
      }),
      elapsedMs: engine.elapsedMs(),
      totalMs: q.load.durationMs,
    }),
    trends: () => httpLiveTrends(engine.metrics),
    stop: () => signals.stop('stopped from the dashboard'),
  };
  let outcome: Awaited<ReturnType<HttpEngine['run']>>;
  let result: ResultDocument | null = null;
  try {
    const started = await startLive(
      // A worker's figures are a share: the parent shows the merged ones.
      worker !== undefined
        ? []
        : liveConsumers({ quiet: q.quiet, color: opts.color, ui: q.ui === true, outputs: q.outputs }, io),
      source,
    );
    live = started;
    try {
      try {
        await waitForStart(q.shard?.startAt ?? null, io, { quiet: q.quiet, signal: signals.signal });
        startedAt = new Date();
        monitors.loadStarted();
        outcome = await engine.run(signals.signal);
      } finally {
        signals.dispose();
        await started.loadEnded();
      }
      const watched = await monitors.finish();
      result = buildResult({
        kind: 'quick',
        ...outcome,
        ...watched,
        config: q.config,
        thresholds: q.thresholds,
        ...shardParts(shardPlan),
      });
      const notes =
        outcome.queued > 0
          ? [
              `note: ${outcome.queued} requests waited for a free connection (all ${q.load.connections} were busy); ` +
                'their wait is in http_req_duration. Raise -c to give the target more concurrency.',
            ]
          : [];
      const dropped = droppedWarning(outcome, q.load.connections, result.generator?.saturated === true);
      if (dropped) notes.push(dropped);
      notes.push(...h2ProtocolNotes(result.endpoints));
      if (worker !== undefined) {
        for (const note of notes) io.stderr.write(`${note}\n`);
        worker.finished(result);
      } else {
        await deliverResult(result, { ...q, color: opts.color }, io, notes);
      }
    } finally {
      await started.finish(result);
    }
  } finally {
    signals.dispose();
    await monitors.finish();
  }
  if (outcome.endReason === 'interrupted') return { exitCode: 130, result };
  const died = monitors.diedError(result.monitor);
  if (died) throw died;
  return { exitCode: result.passed ? 0 : 99, result };
}

/**
 * Open model: arrivals that could not start are k6's dropped_iterations. Said on stderr with the
 * rate asked for, the rate reached and what bounded it, since a rate beyond what one process and
 * its connections can send measures squall, not the target.
 */
export function droppedWarning(
  outcome: Pick<LoadOutcome, 'metrics' | 'ratePerSec' | 'startedPerSec'>,
  connections: number,
  saturated: boolean,
): string | undefined {
  const dropped = outcome.metrics.dropped;
  if (dropped <= 0 || outcome.ratePerSec === undefined) return undefined;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const serviceMs = outcome.metrics.service.meanMs();
  const capacity = serviceMs > 0 ? (connections * 1000) / serviceMs : 0;
  const bound = saturated
    ? 'squall itself was saturated (see the summary)'
    : capacity > 0
      ? `${connections} connections at the measured ${serviceMs.toFixed(2)} ms per response carry about ${n(capacity)}/s`
      : `all ${connections} connections were busy`;
  return (
    `warning: ${n(dropped)} requests could not start and were dropped (dropped_iterations): squall started ` +
    `${n(outcome.startedPerSec ?? 0)}/s of the ${n(outcome.ratePerSec)}/s asked for. The generator, not the target, ` +
    `is the limit: ${bound}. Lower -R to what one squall process can send, or raise -c.`
  );
}
