import type { Command } from 'commander';
import { badFlag } from '../errors/index.js';
import { parseDurationMs } from '../util/duration.js';
import type { OutputSpec } from './outputs.js';

/** `--prometheus-*` of quick and run: how `-o prometheus` and `-o prometheus-rw` name and push. */
export function addPrometheusOptions(c: Command): Command {
  return c
    .option(
      '--prometheus-names <scheme>',
      "with -o prometheus / prometheus-rw: metric names, 'squall' (default) or 'k6' (k6_http_reqs_total, … for k6's Grafana dashboards)",
    )
    .option('--prometheus-push-interval <d>', 'with -o prometheus-rw: time between pushes (default 5s)');
}

const NAMES = ['squall', 'k6'] as const;

export interface PrometheusFlags {
  prometheusNames?: string;
  prometheusPushInterval?: string;
}
const MIN_PUSH_MS = 100;

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
    o.prometheus = { names: names as (typeof NAMES)[number] | undefined, pushIntervalMs };
}
