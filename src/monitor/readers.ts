import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type pidusageModule from 'pidusage';
import { processTree, readProc } from './procfs.js';

/**
 * One reading of a process, or of a process and its descendants summed, from either source:
 * /proc on Linux (everything), pidusage elsewhere (RSS and CPU only; threads, fds and virtual
 * size are null because it does not report them).
 */

export type SampleSource = 'procfs' | 'pidusage';

export interface TreeReading {
  rssBytes: number;
  vszBytes: number | null;
  /** CPU since the previous reading, % of one core (200 = two cores busy). */
  cpuPct: number;
  threads: number | null;
  fds: number | null;
  /** Processes summed (1 unless tree mode found children). */
  processes: number;
}

export interface ProcessReader {
  readonly source: SampleSource;
  /** Undefined when the root process no longer runs. */
  read(): Promise<TreeReading | undefined>;
  close(): void;
}

export function defaultSource(): SampleSource {
  return process.platform === 'linux' ? 'procfs' : 'pidusage';
}

export function createReader(pid: number, tree: boolean, source: SampleSource): ProcessReader {
  return source === 'procfs' ? procfsReader(pid, tree) : pidusageReader(pid, tree);
}

/**
 * /proc: CPU is the growth of each process's utime + stime between readings. Processes are
 * keyed by pid and start time, so a child that exits simply drops out of the sum and a new one
 * counts from its birth rather than making the total jump backwards.
 */
function procfsReader(root: number, tree: boolean): ProcessReader {
  let lastCpu = new Map<string, number>();
  let lastAt: number | undefined;
  return {
    source: 'procfs',
    async read() {
      const pids = tree ? await processTree(root) : [root];
      const now = performance.now();
      const readings = await Promise.all(pids.map(readProc));
      if (readings[0] === undefined) return undefined;
      const cpu = new Map<string, number>();
      let cpuSec = 0;
      let rss = 0;
      let vsz = 0;
      let threads = 0;
      let fds: number | null = 0;
      let processes = 0;
      for (const r of readings) {
        if (!r) continue;
        const key = `${r.pid}:${r.startTicks}`;
        cpu.set(key, r.cpuSec);
        // A process first seen now was born since the last reading (or this is the first one,
        // whose figure is discarded below): all its CPU time falls in the interval.
        cpuSec += r.cpuSec - (lastCpu.get(key) ?? (lastAt === undefined ? r.cpuSec : 0));
        rss += r.rssBytes;
        vsz += r.vszBytes;
        threads += r.threads;
        fds = fds === null || r.fds === null ? null : fds + r.fds;
        processes++;
      }
      const wallSec = lastAt === undefined ? 0 : (now - lastAt) / 1000;
      lastCpu = cpu;
      lastAt = now;
      const cpuPct = wallSec > 0 ? Math.max(0, (cpuSec / wallSec) * 100) : 0;
      return { rssBytes: rss, vszBytes: vsz, cpuPct, threads, fds, processes };
    },
    close() {},
  };
}

const execFileAsync = promisify(execFile);

/** Descendants on systems without /proc, from `ps` (macOS, the BSDs); the root alone on Windows. */
async function psTree(root: number): Promise<number[]> {
  if (process.platform === 'win32') return [root];
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ps', ['-A', '-o', 'pid=', '-o', 'ppid=']));
  } catch {
    return [root];
  }
  const children = new Map<number, number[]>();
  for (const line of stdout.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid === undefined || ppid === undefined || !Number.isFinite(pid) || !Number.isFinite(ppid)) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * pidusage keeps the previous CPU time of each pid itself, so its `cpu` is already a delta. It is
 * loaded on first use: on Linux, where /proc serves, it would only cost every run memory.
 */
function pidusageReader(root: number, tree: boolean): ProcessReader {
  let loaded: typeof pidusageModule | undefined;
  return {
    source: 'pidusage',
    async read() {
      if (!isAlive(root)) return undefined;
      loaded ??= (await import('pidusage')).default;
      const pidusage = loaded;
      const pids = tree ? await psTree(root) : [root];
      let stats: Record<string, pidusageModule.Status>;
      try {
        stats = await pidusage(pids);
      } catch {
        // One of the children exited between the listing and the read: try the root alone.
        try {
          stats = { [root]: await pidusage(root) };
        } catch {
          return undefined;
        }
      }
      const list = Object.values(stats).filter(Boolean);
      if (list.length === 0) return undefined;
      return {
        rssBytes: list.reduce((a, s) => a + s.memory, 0),
        vszBytes: null,
        cpuPct: list.reduce((a, s) => a + s.cpu, 0),
        threads: null,
        fds: null,
        processes: list.length,
      };
    },
    close() {
      loaded?.clear();
    },
  };
}
