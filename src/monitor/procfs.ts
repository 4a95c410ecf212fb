import { readdir, readFile } from 'node:fs/promises';

/**
 * Linux's view of a process, read from /proc: no child process, no native module, and cheap
 * enough to do every second for a whole process tree.
 */

/**
 * Clock ticks per second of the CPU times in /proc/PID/stat. The kernel reports them in USER_HZ,
 * which is 100 on every architecture Node runs on (x86, arm, arm64, ppc64, s390x, riscv64), so
 * it is a constant rather than a `getconf CLK_TCK` child process per run.
 */
export const USER_HZ = 100;

/** The fields of /proc/PID/stat squall reads (proc(5) numbers them from 1). */
export interface ProcStat {
  pid: number;
  comm: string;
  /** R running, S sleeping, D disk wait, Z zombie, T stopped, X dead, … */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  threads: number;
  /** Ticks after boot when it started: with the pid, it tells a reused pid from the old one. */
  startTicks: number;
  vszBytes: number;
}

/**
 * Parses /proc/PID/stat. The command name sits in parentheses and may itself hold spaces and
 * parentheses, so the fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // f[0] is field 3 (state), so field k is f[k - 3].
  const num = (field: number) => Number(f[field - 3]);
  const stat: ProcStat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0] ?? '?',
    ppid: num(4),
    pgrp: num(5),
    cpuTicks: num(14) + num(15),
    threads: num(20),
    startTicks: num(22),
    vszBytes: num(23),
  };
  const numbers = [
    stat.pid,
    stat.ppid,
    stat.pgrp,
    stat.cpuTicks,
    stat.threads,
    stat.startTicks,
    stat.vszBytes,
  ];
  return numbers.every(Number.isFinite) ? stat : undefined;
}

/** A `Key:   123 kB` line of /proc/PID/status, in bytes; undefined when the key is absent. */
export function statusBytes(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s*(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** One process at one moment. */
export interface ProcReading {
  pid: number;
  /** The command name (/proc/PID/stat's comm: at most 15 characters). */
  comm: string;
  ppid: number;
  startTicks: number;
  cpuSec: number;
  rssBytes: number;
  vszBytes: number;
  threads: number;
  /** Open file descriptors; null when /proc/PID/fd may not be read (another user's process). */
  fds: number | null;
}

function isGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

async function countFds(pid: number): Promise<number | null> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    // EACCES for another user's process; ENOENT if it just exited (the next reading says so).
    return null;
  }
}

/**
 * Reads one process; undefined when it no longer runs. A zombie (exited, not yet reaped by its
 * parent) counts as gone: it holds no memory and will never run again.
 */
export async function readProc(pid: number): Promise<ProcReading | undefined> {
  let statText: string;
  let statusText: string;
  try {
    [statText, statusText] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
  const stat = parseProcStat(statText);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return undefined;
  return {
    pid,
    comm: stat.comm,
    ppid: stat.ppid,
    startTicks: stat.startTicks,
    cpuSec: stat.cpuTicks / USER_HZ,
    // Kernel threads and zombies have no VmRSS line.
    rssBytes: statusBytes(statusText, 'VmRSS') ?? 0,
    vszBytes: stat.vszBytes,
    threads: stat.threads,
    fds: await countFds(pid),
  };
}

/** Every live (not zombie) process's stat line, from /proc/*\/stat. */
async function allProcesses(): Promise<ProcStat[]> {
  const names = await readdir('/proc');
  const stats = await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n))
      .map(async (n) => {
        try {
          return parseProcStat(await readFile(`/proc/${n}/stat`, 'utf8'));
        } catch {
          return undefined; // It exited between the listing and the read.
        }
      }),
  );
  return stats.filter((s): s is ProcStat => s !== undefined && s.state !== 'Z' && s.state !== 'X');
}

/** `root` and all its descendants (children, their children, …), root first. */
export async function processTree(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of await allProcesses()) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/**
 * The live members of a process group. Zombies are left out: an orphan's zombie waits for
 * PID 1 to reap it, and in a container whose init does not reap it never goes away.
 */
export async function groupMembers(pgid: number): Promise<number[]> {
  return (await allProcesses()).filter((s) => s.pgrp === pgid).map((s) => s.pid);
}
