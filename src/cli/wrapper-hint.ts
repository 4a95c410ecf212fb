import type { MonitorResult } from '../result/schema.js';

/** Below this peak CPU (% of one core) a watched process did nothing worth measuring. */
const IDLE_PEAK_CPU_PCT = 5;

/**
 * Whether `pid` has child processes now (Linux's /proc; elsewhere nothing is known: false).
 * Asked when a `--monitor-pid` without `--monitor-tree` attaches, and again at the end.
 */
export async function hasChildren(pid: number): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    const { processTree } = await import('../monitor/procfs.js');
    return (await processTree(pid)).length > 1;
  } catch {
    return false;
  }
}

/**
 * The hint for a `--monitor-pid` that names a wrapper (`npm start`, `sh -c '…'`): the
 * process itself idled while its children did the work, so its figures say nothing about the
 * service. Undefined when the process worked, or has no children.
 */
export function wrapperHint(mon: MonitorResult, withChildren: boolean): string | undefined {
  if (!withChildren || (mon.cpuPeakPct ?? 0) >= IDLE_PEAK_CPU_PCT) return undefined;
  return (
    `hint: pid ${mon.pid} used almost no CPU (peak ${mon.cpuPeakPct ?? 0}%) but has child processes: ` +
    'it looks like a wrapper (npm start, a shell) around the real service. Add --monitor-tree to ' +
    "sum it with its children, or give the service's own pid."
  );
}
