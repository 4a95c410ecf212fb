import { parseListenAddress } from '../config/parse-flags.js';
import type { ResultDocument } from '../result/schema.js';
import type { LiveSource, LiveView } from '../ui/live.js';
import type { OutputSpec } from './outputs.js';
import { DEFAULT_LINGER_MS } from './prometheus-flags.js';

/** The live views a run asked for (`--ui`, `-o prometheus=HOST:PORT`, `-o prometheus-rw=URL`), started before its load. */
export interface LiveViews {
  /**
   * Hands every view the final document (the remote-write push of the final figures included),
   * then closes them; the `-o prometheus` endpoints only after `--prometheus-linger`.
   */
  finish(doc: ResultDocument | null): Promise<void>;
}

/**
 * Starts the dashboard and the Prometheus endpoints and prints their URLs on stderr (with
 * `--json`, stdout carries the document only). If one cannot start, those already started are
 * closed and the error (a bad flag, exit 2) goes up before any load is sent.
 */
export async function startLiveViews(
  opts: { ui: boolean; outputs: readonly OutputSpec[] },
  source: LiveSource,
): Promise<LiveViews> {
  const views: LiveView[] = [];
  // The scrape endpoints, served on after the run so that a scraper reads the final figures.
  const scraped: LiveView[] = [];
  let lingerMs = 0;
  try {
    if (opts.ui) {
      const { startDashboard } = await import('../ui/dashboard.js');
      const view = await startDashboard(source);
      views.push(view);
      process.stderr.write(`dashboard: ${view.url}\n`);
    }
    for (const o of opts.outputs.filter((x) => x.kind === 'prometheus')) {
      const { startPrometheus } = await import('../ui/prometheus.js');
      const at = parseListenAddress(o.path, `-o prometheus=${o.path}`);
      const view = await startPrometheus(source, { ...at, names: o.prometheus?.names });
      views.push(view);
      scraped.push(view);
      lingerMs = Math.max(lingerMs, o.prometheus?.lingerMs ?? DEFAULT_LINGER_MS);
      process.stderr.write(`prometheus: ${view.url}\n`);
    }
    for (const o of opts.outputs.filter((x) => x.kind === 'prometheus-rw')) {
      const { startRemoteWrite } = await import('../ui/prometheus-rw.js');
      const view = startRemoteWrite(source, {
        url: o.path,
        names: o.prometheus?.names,
        intervalMs: o.prometheus?.pushIntervalMs,
      });
      views.push(view);
      process.stderr.write(`prometheus remote write: ${view.url}\n`);
    }
  } catch (e) {
    await Promise.allSettled(views.map((v) => v.close()));
    throw e;
  }
  return {
    async finish(doc) {
      if (doc) await Promise.allSettled(views.map((v) => v.finish(doc)));
      // No linger after Ctrl-C (or the dashboard's Stop): the user asked squall to end.
      const lingering = doc && doc.endReason !== 'interrupted' && lingerMs > 0 ? scraped : [];
      await Promise.allSettled(views.filter((v) => !lingering.includes(v)).map((v) => v.close()));
      if (lingering.length > 0) {
        const urls = lingering.map((v) => v.url).join(', ');
        // Listen for Ctrl-C before saying it works: a signal sent right after the line could
        // otherwise arrive before the listener and kill the process.
        const lingered = lingerFor(lingerMs);
        process.stderr.write(
          `serving final metrics on ${urls} for ${formatLinger(lingerMs)}; Ctrl-C to stop\n`,
        );
        await lingered;
      }
      await Promise.allSettled(lingering.map((v) => v.close()));
    },
  };
}

/**
 * Waits `ms`, or until SIGINT/SIGTERM. The run is over and every output written, so a signal
 * here only shortens the wait: the run's own exit code stands (not 130).
 */
function lingerFor(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    // setTimeout fires at once past 2^31-1 ms (24.8 days): hold a longer linger at that.
    const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

/** `15s`, `1m30s`, `500ms`: the linger as the user would write it. */
function formatLinger(ms: number): string {
  if (ms % 1000 !== 0) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
}
