import { asObj, fmtCount, isNum, type Obj } from './format.js';

/**
 * Why iterations were dropped, one line per scenario that dropped some, read from the result
 * document alone. Dropping is how the open model shows a stall (k6's contract: an arrival that
 * finds no free VU is not started), so the reason must be as visible as the count. The console
 * and the report page's banner (html/page/banners.ts, which bundles this file) print these.
 */
export function droppedNotes(result: unknown): string[] {
  const doc = asObj(result);
  const scenarios = Object.entries(asObj(doc?.scenarios) ?? {});
  const configs = Array.isArray(asObj(doc?.config)?.scenarios)
    ? (asObj(doc?.config)?.scenarios as unknown[])
    : [];
  const notes: string[] = [];
  for (const [name, raw] of scenarios) {
    const sc = asObj(raw);
    if (!sc || !isNum(sc.dropped) || sc.dropped <= 0) continue;
    const executor = asObj(configs.map(asObj).find((c) => c?.name === name)?.executor);
    const where = scenarios.length > 1 ? ` in scenario ${name}` : '';
    notes.push(`${fmtCount(sc.dropped)} iterations dropped${where}: ${dropReason(executor, sc)}`);
  }
  return notes;
}

function dropReason(executor: Obj | undefined, sc: Obj): string {
  const type = executor?.type;
  if (type === 'constant-arrival-rate' || type === 'ramping-arrival-rate') {
    if (executor?.queue === true) return 'no free VU within the request timeout (queue: true)';
    const max = executor?.maxVUs;
    return isNum(max) && isNum(sc.vusMax) && sc.vusMax >= max
      ? `no free VU (maxVUs ${fmtCount(max)} reached): the target or the iterations are slower than the rate allows`
      : 'no free VU';
  }
  if (type === 'per-vu-iterations' || type === 'shared-iterations')
    return 'maxDuration ran out before they started';
  return 'they could not start in time';
}
