import type { MonitorResource, MonitorResult, ResourceVerdict } from '../result/schema.js';

/**
 * What the reports say of a watched process, by one set of rules for all of them (console,
 * Markdown, the HTML report and the live dashboard): which resources leak, and whether the
 * headline is a leak, a death, or the verdict. A process that died is never "healthy".
 *
 * The report page runs these same functions in the browser (src/report/html/page bundles this
 * file), so it imports nothing from Node. Documents come from files and older versions: every
 * field is checked.
 */

type Loose = Partial<MonitorResult> | null | undefined;

/** The resources judged, in the order reports show them. */
export function monitorResources(): MonitorResource[] {
  return ['memory', 'fds', 'threads'];
}

/** Each resource's own verdict (`monitor.resources`), in order; [] for older documents. */
export function resourceVerdicts(m: Loose): Array<{ resource: MonitorResource; r: ResourceVerdict }> {
  const all = m && typeof m.resources === 'object' && m.resources !== null ? m.resources : null;
  if (!all) return [];
  const out: Array<{ resource: MonitorResource; r: ResourceVerdict }> = [];
  for (const resource of monitorResources()) {
    const r = (all as Record<string, unknown>)[resource] as ResourceVerdict | null | undefined;
    if (r && typeof r === 'object' && typeof r.verdict === 'string') out.push({ resource, r });
  }
  return out;
}

/** Whether the document has per-resource verdicts (older ones judged memory alone). */
export function judgesResources(m: Loose): boolean {
  return !!m && (Array.isArray(m.leaks) || resourceVerdicts(m).length > 0);
}

/**
 * The resources judged leaking: `monitor.leaks`, else those whose own verdict is a leak. A
 * document older than per-resource verdicts judged memory alone: its leak is memory's.
 */
export function monitorLeaks(m: Loose): MonitorResource[] {
  if (!m) return [];
  const leaks = m.leaks;
  if (Array.isArray(leaks)) return monitorResources().filter((r) => leaks.includes(r));
  const judged = resourceVerdicts(m);
  if (judged.length > 0)
    return judged.filter(({ r }) => r.verdict === 'leak').map(({ resource }) => resource);
  return m.leakSuspected === true ? ['memory'] : [];
}

/**
 * The headline: `leak` when any resource leaks; `died` when the process ended before monitoring
 * did and no leak was found first, whatever its samples looked like; else the verdict (`none`
 * for a document without one).
 */
export function monitorState(m: Loose): 'healthy' | 'leak' | 'inconclusive' | 'died' | 'none' {
  if (!m) return 'none';
  const verdict =
    m.verdict === 'healthy' || m.verdict === 'leak' || m.verdict === 'inconclusive'
      ? m.verdict
      : m.leakSuspected === true
        ? 'leak'
        : undefined;
  if (verdict === 'leak' || monitorLeaks(m).length > 0) return 'leak';
  if (m.exit && typeof m.exit === 'object') return 'died';
  return verdict ?? 'none';
}

/**
 * What one resource's line says: its verdict, except that a resource of a process that died
 * showed no leak while it lived, which is not "healthy" (`unseen`).
 */
export function resourceState(m: Loose, r: ResourceVerdict): 'healthy' | 'leak' | 'inconclusive' | 'unseen' {
  const v = r.verdict === 'healthy' || r.verdict === 'leak' ? r.verdict : 'inconclusive';
  return v === 'healthy' && m?.exit && typeof m.exit === 'object' ? 'unseen' : v;
}

/** The reasons not already shown as a resource's sentence (they would be printed twice). */
export function otherReasons(m: Loose): string[] {
  const shown = resourceVerdicts(m).map(({ r }) => r.sentence);
  const reasons = m && Array.isArray(m.reasons) ? m.reasons : [];
  return reasons.filter((r): r is string => typeof r === 'string' && !shown.includes(r));
}

/** The doubts about what was watched (`monitor.warnings`), as plain strings. */
export function monitorWarnings(m: Loose): string[] {
  const warnings = m && Array.isArray(m.warnings) ? m.warnings : [];
  return warnings.filter((w): w is string => typeof w === 'string');
}
