import { parseListenAddress } from '../config/parse-flags.js';
import {
  dashboardConsumer,
  progressConsumer,
  prometheusConsumer,
  remoteWriteConsumer,
} from '../live/consumers.js';
import type { LiveConsumer } from '../live/live.js';
import type { LoadBound } from '../live/manager.js';
import { type SessionIO, useColor } from './io.js';
import type { OutputSpec } from './outputs.js';
import { DEFAULT_LINGER_MS } from './prometheus-options.js';

/**
 * The live consumers a session asked for, in the order they start: progress (unless quiet),
 * the dashboard (`--ui`), the Prometheus endpoints and remote-write pushes (`-o prometheus…`).
 * The run's own stop rules (abortOnFail, breakpoint) are added by `run`.
 */
export function liveConsumers(
  o: { quiet: boolean; color: boolean | undefined; ui: boolean; outputs: readonly OutputSpec[] },
  io: Pick<SessionIO, 'stderr' | 'signals' | 'env'>,
): Array<LiveConsumer & LoadBound> {
  const list: Array<LiveConsumer & LoadBound> = [];
  if (!o.quiet)
    list.push(progressConsumer({ stream: io.stderr, color: useColor(io.stderr, o.color, io.env) }));
  if (o.ui) list.push(dashboardConsumer(io.stderr));
  for (const out of o.outputs.filter((x) => x.kind === 'prometheus')) {
    const at = parseListenAddress(out.path, `-o prometheus=${out.path}`);
    list.push(
      prometheusConsumer(
        { ...at, names: out.prometheus?.names },
        { lingerMs: out.prometheus?.lingerMs ?? DEFAULT_LINGER_MS, stderr: io.stderr, signals: io.signals },
      ),
    );
  }
  for (const out of o.outputs.filter((x) => x.kind === 'prometheus-rw')) {
    list.push(
      remoteWriteConsumer(
        { url: out.path, names: out.prometheus?.names, intervalMs: out.prometheus?.pushIntervalMs },
        io.stderr,
      ),
    );
  }
  return list;
}
