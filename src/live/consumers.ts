import type { PrometheusNames } from '../report/prometheus-model.js';
import type { SignalSource, Writer } from '../util/io-types.js';
import type { LiveConsumer, LiveSource, LiveView } from './live.js';
import { formatLinger, type LoadBound, lingerFor } from './manager.js';
import { createProgress } from './progress.js';

/** The progress line on stderr; it clears itself when the load ends, before the summary. */
export function progressConsumer(opts: { stream: Writer; color: boolean }): LiveConsumer & LoadBound {
  const progress = createProgress({
    stream: opts.stream,
    isTTY: opts.stream.isTTY === true,
    color: opts.color,
  });
  return {
    name: 'progress',
    untilLoadEnds: true,
    start() {},
    snapshot(snap) {
      progress.update(snap);
      return undefined;
    },
    stop() {
      progress.finish();
    },
  };
}

/** A view that serves or pushes on its own (it pulls frames from the source); its URL goes to stderr. */
function viewConsumer(
  name: string,
  label: string,
  open: (source: LiveSource) => Promise<LiveView> | LiveView,
  stderr: Writer,
  linger?: { ms: number; signals: SignalSource },
): LiveConsumer {
  let view: LiveView | undefined;
  return {
    name,
    async start(source) {
      view = await open(source);
      stderr.write(`${label}: ${view.url}\n`);
    },
    async stop(doc) {
      if (!view) return;
      if (doc) await view.finish(doc).catch(() => {});
      // No linger after Ctrl-C (or the dashboard's Stop): the user asked squall to end.
      if (linger && doc && doc.endReason !== 'interrupted' && linger.ms > 0) {
        // Listen for Ctrl-C before saying it works: a signal sent right after the line could
        // otherwise arrive before the listener and kill the process.
        const lingered = lingerFor(linger.ms, linger.signals);
        stderr.write(`serving final metrics on ${view.url} for ${formatLinger(linger.ms)}; Ctrl-C to stop\n`);
        await lingered;
      }
      await view.close();
    },
  };
}

/** `--ui`: the live dashboard with its Stop button. */
export function dashboardConsumer(stderr: Writer): LiveConsumer {
  return viewConsumer(
    'dashboard',
    'dashboard',
    async (source) => (await import('./dashboard.js')).startDashboard(source),
    stderr,
  );
}

/** `-o prometheus=HOST:PORT`: served on after the run for `lingerMs`, so a scraper reads the final figures. */
export function prometheusConsumer(
  at: { host: string; port: number; names?: PrometheusNames },
  o: { lingerMs: number; stderr: Writer; signals: SignalSource },
): LiveConsumer {
  return viewConsumer(
    'prometheus',
    'prometheus',
    async (source) => (await import('./prometheus.js')).startPrometheus(source, at),
    o.stderr,
    { ms: o.lingerMs, signals: o.signals },
  );
}

/** `-o prometheus-rw=URL`: pushes while the run goes, and the final figures once. */
export function remoteWriteConsumer(
  opts: { url: string; names?: PrometheusNames; intervalMs?: number },
  stderr: Writer,
): LiveConsumer {
  return viewConsumer(
    'prometheus-rw',
    'prometheus remote write',
    async (source) =>
      (await import('./prometheus-rw.js')).startRemoteWrite(source, {
        ...opts,
        warn: (line) => stderr.write(`${line}\n`),
      }),
    stderr,
  );
}
