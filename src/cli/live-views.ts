import { parseListenAddress } from '../config/parse-flags.js';
import type { ResultDocument } from '../result/schema.js';
import type { LiveSource, LiveView } from '../ui/live.js';
import type { OutputSpec } from './outputs.js';

/** The live views a run asked for (`--ui`, `-o prometheus=HOST:PORT`, `-o prometheus-rw=URL`), started before its load. */
export interface LiveViews {
  /** Hands every view the final document, then closes them. */
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
      await Promise.allSettled(views.map((v) => v.close()));
    },
  };
}
