import type { ExecutorPlan, ScenarioPlan, Stage } from '../engine/plan.js';

/**
 * One line that says what a scenario will do, in k6's words ("20 VUs for 5m, gracefulStop 30s"):
 * `squall run` prints it at the start so that a default the user did not expect shows before
 * the load, not in the result.
 */

/** A configured duration as k6 writes one: `500ms`, `30s`, `1m30s`, `2h`, `1.5s`. */
export function formatSpan(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  if (ms % 1000 !== 0 && ms < 60_000) return `${ms / 1000}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || total === 0 ? `${s}s` : ''}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function perUnit(timeUnitMs: number): string {
  return timeUnitMs === 1000 ? '/s' : `/${formatSpan(timeUnitMs)}`;
}

function stagesTotalMs(stages: readonly Stage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/** "from 0 up to 50 VUs and down to 0 over 2m in 3 stages": the shape, not every stage. */
function ramp(start: number, stages: readonly Stage[], unit: (n: number) => string): string {
  const peak = Math.max(start, ...stages.map((s) => s.target));
  const end = stages[stages.length - 1]?.target ?? start;
  const to = peak === end ? `to ${unit(peak)}` : `up to ${unit(peak)} and down to ${end}`;
  return `from ${start} ${to} over ${formatSpan(stagesTotalMs(stages))} in ${plural(stages.length, 'stage')}`;
}

function vuPool(p: { preAllocatedVUs: number; maxVUs: number; arrival: string; queue?: boolean }): string {
  const extra = [
    ...(p.arrival === 'poisson' ? ['poisson arrivals'] : []),
    ...(p.queue ? ['queued when no VU is free'] : []),
  ];
  return `(preAllocatedVUs ${p.preAllocatedVUs}, maxVUs ${p.maxVUs}${extra.map((e) => `, ${e}`).join('')})`;
}

/** What one executor does with its resolved parameters. */
export function describeExecutor(p: ExecutorPlan): string {
  switch (p.type) {
    case 'constant-vus':
      return `${plural(p.vus, 'VU')} for ${formatSpan(p.durationMs)}`;
    case 'ramping-vus':
      return `${ramp(p.startVUs, p.stages, (n) => plural(n, 'VU'))}, gracefulRampDown ${formatSpan(p.gracefulRampDownMs)}`;
    case 'constant-arrival-rate':
      return `${p.rate} iterations${perUnit(p.timeUnitMs)} for ${formatSpan(p.durationMs)} ${vuPool(p)}`;
    case 'ramping-arrival-rate':
      return `${ramp(p.startRate, p.stages, (n) => `${n} iterations${perUnit(p.timeUnitMs)}`)} ${vuPool(p)}`;
    case 'per-vu-iterations':
      return `${plural(p.iterations, 'iteration')} each for ${plural(p.vus, 'VU')} (maxDuration ${formatSpan(p.maxDurationMs)})`;
    case 'shared-iterations':
      return `${plural(p.iterations, 'iteration')} shared by ${plural(p.vus, 'VU')} (maxDuration ${formatSpan(p.maxDurationMs)})`;
  }
}

/** The executor's line plus what every scenario has: its start time and graceful stop. */
export function describeScenario(
  s: Pick<ScenarioPlan, 'executor' | 'startTimeMs' | 'gracefulStopMs'>,
): string {
  const start = s.startTimeMs > 0 ? `, starting at ${formatSpan(s.startTimeMs)}` : '';
  return `${describeExecutor(s.executor)}${start}, gracefulStop ${formatSpan(s.gracefulStopMs)}`;
}
