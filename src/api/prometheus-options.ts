import { badFlag } from '../errors/index.js';
import { parseDurationMs } from '../util/duration.js';
import type { OutputSpec } from './outputs.js';

const NAMES = ['squall', 'k6'] as const;

export interface PrometheusFlags {
  prometheusNames?: string;
  prometheusPushInterval?: string;
  prometheusLinger?: string;
}
const MIN_PUSH_MS = 100;
/** One scrape interval of Prometheus's default configuration: the next scrape reads the final figures. */
export const DEFAULT_LINGER_MS = 15_000;

/** Checks the `--prometheus-*` flags and hands them to the Prometheus outputs (exit 2 on a bad value). */
export function applyPrometheusFlags(outputs: OutputSpec[], opts: PrometheusFlags): void {
  const names = opts.prometheusNames;
  if (names !== undefined && !(NAMES as readonly string[]).includes(names)) {
    throw badFlag('--prometheus-names', `--prometheus-names "${names}": expected squall or k6`);
  }
  let pushIntervalMs: number | undefined;
  if (opts.prometheusPushInterval !== undefined) {
    pushIntervalMs = parseDurationMs(opts.prometheusPushInterval);
    if (pushIntervalMs === undefined || !(pushIntervalMs >= MIN_PUSH_MS)) {
      throw badFlag(
        '--prometheus-push-interval',
        `--prometheus-push-interval "${opts.prometheusPushInterval}": expected a duration of ${MIN_PUSH_MS}ms or more, such as 1s or 5s`,
      );
    }
  }
  let lingerMs: number | undefined;
  if (opts.prometheusLinger !== undefined) {
    lingerMs = parseDurationMs(opts.prometheusLinger);
    if (lingerMs === undefined || !Number.isFinite(lingerMs)) {
      throw badFlag(
        '--prometheus-linger',
        `--prometheus-linger "${opts.prometheusLinger}": expected a duration such as 15s or 1m, or 0 to stop serving when the run ends`,
      );
    }
    if (!outputs.some((o) => o.kind === 'prometheus')) {
      throw badFlag(
        '--prometheus-linger',
        '--prometheus-linger applies to -o prometheus=HOST:PORT (the endpoint a scraper reads), which is not given',
      );
    }
  }
  const targets = outputs.filter((o) => o.kind === 'prometheus' || o.kind === 'prometheus-rw');
  if ((names !== undefined || pushIntervalMs !== undefined) && targets.length === 0) {
    const flag = names !== undefined ? '--prometheus-names' : '--prometheus-push-interval';
    throw badFlag(
      flag,
      `${flag} applies to -o prometheus=HOST:PORT or -o prometheus-rw=URL, and neither is given`,
    );
  }
  if (pushIntervalMs !== undefined && !targets.some((o) => o.kind === 'prometheus-rw')) {
    throw badFlag(
      '--prometheus-push-interval',
      '--prometheus-push-interval applies to -o prometheus-rw=URL, which is not given',
    );
  }
  for (const o of targets)
    o.prometheus = {
      names: names as (typeof NAMES)[number] | undefined,
      pushIntervalMs,
      lingerMs: o.kind === 'prometheus' ? (lingerMs ?? DEFAULT_LINGER_MS) : undefined,
    };
}
