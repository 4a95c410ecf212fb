import { networkInterfaces } from 'node:os';
import { redactText } from '../util/redact.js';
import { listenersOn, socketInodes, socketOwner } from './listeners.js';
import { processTree, readProc } from './procfs.js';
import type { MonitorSample } from './types.js';

/**
 * Is squall watching the process that serves the load? A `--monitor-pid` of a wrapper (`sh -c`,
 * `npm start`) reads a few idle megabytes while its child leaks; a pid typed wrong reads a
 * bystander. These checks (Linux's /proc; elsewhere nothing is known and nothing is said) name
 * the processes watched and say when the figures are likely of the wrong one.
 */

export interface ProcessInfo {
  pid: number;
  /** /proc/PID/stat's comm: the command name, at most 15 characters. */
  name: string;
  rssMb: number;
}

export interface WatchedProcesses {
  root: ProcessInfo;
  /** Its descendants now, whether or not they are summed. */
  children: ProcessInfo[];
}

/**
 * Under this peak CPU (% of one core) AND this CPU time per response, a process did not serve
 * the load: an HTTP server spends tens of microseconds per request, its kernel time included
 * (a loopback read and write alone cost several). Both, so a light load (10 requests a second)
 * on a real server does not look idle, and a busy bystander (a timer every 50 ms) does not
 * hide that it answered nothing.
 */
export const IDLE_PEAK_CPU_PCT = 5;
export const IDLE_CPU_US_PER_RESPONSE = 5;
/** Fewer responses than this are too few for the CPU they cost to show. */
export const IDLE_MIN_RESPONSES = 500;

const MIB = 1024 * 1024;

async function info(pid: number): Promise<ProcessInfo | undefined> {
  const r = await readProc(pid).catch(() => undefined);
  return r && { pid, name: r.comm, rssMb: Math.round((r.rssBytes / MIB) * 10) / 10 };
}

/** The process and its descendants now; undefined off Linux or when it does not run. */
export async function watchedProcesses(pid: number): Promise<WatchedProcesses | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const pids = await processTree(pid);
    const all = await Promise.all(pids.map(info));
    const [root, ...children] = all;
    if (!root) return undefined;
    return { root, children: children.filter((c): c is ProcessInfo => c !== undefined) };
  } catch {
    return undefined;
  }
}

/** `pid 123 (sh)`, or `pid 123` when its name is unknown. */
export function nameOf(pid: number, w: WatchedProcesses | undefined): string {
  return w ? `pid ${pid} (${w.root.name})` : `pid ${pid}`;
}

/** Children listed, at most this many; the rest are counted. */
const MAX_LISTED = 3;

/** `1 child process (pid 456 node, 54.2 MiB)`; several: the first few and the total size. */
export function describeChildren(children: readonly ProcessInfo[]): string {
  const n = children.length;
  const each = children.slice(0, MAX_LISTED).map((c) => `pid ${c.pid} ${c.name}, ${c.rssMb.toFixed(1)} MiB`);
  if (n > MAX_LISTED) each.push(`${n - MAX_LISTED} more`);
  const total = children.reduce((a, c) => a + c.rssMb, 0);
  const sum = n > 1 ? `; ${total.toFixed(1)} MiB in all` : '';
  return `${n} child process${n === 1 ? '' : 'es'} (${each.join('; ')}${sum})`;
}

/** With the tree not followed: the children it leaves out, which may be the real service. */
export function unwatchedChildrenWarning(
  w: WatchedProcesses | undefined,
  flags: { noTree: string; tree: string },
): string | undefined {
  if (!w || w.children.length === 0) return undefined;
  const one = w.children.length === 1;
  return (
    `${nameOf(w.root.pid, w)} has ${describeChildren(w.children)}, left out by ${flags.noTree}: ` +
    `if ${one ? 'it serves' : 'they serve'} the requests, the figures are of the wrong process; ` +
    `drop ${flags.noTree} (${flags.tree} is the default) to sum ${one ? 'it' : 'them'} with pid ${w.root.pid}, ` +
    `or watch ${one ? 'it' : 'one'} by ${one ? 'its' : 'its own'} pid`
  );
}

/** Whether `host` names this machine: only then can its listening sockets be looked up here. */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '::' || h === '0.0.0.0')
    return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(h)) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address.toLowerCase() === h));
}

/**
 * When the target's port is listened on here and none of `pids` holds that socket: who does
 * (when squall may look), so the user can watch the right pid. Undefined when all is well or
 * nothing can be known (no /proc, a remote target, the watched processes' descriptors closed to
 * squall, no listener in squall's network namespace, as with a container's port).
 */
export async function socketOwnerWarning(
  pids: readonly number[],
  target: { host: string; port: number },
  o: { who: string; pidFlag: string },
): Promise<string | undefined> {
  if (process.platform !== 'linux' || !isLocalHost(target.host)) return undefined;
  try {
    const listeners = await listenersOn(target.port);
    if (listeners.length === 0) return undefined;
    const inodes = new Set(listeners.map((l) => l.inode));
    for (const pid of pids) {
      const held = await socketInodes(pid);
      // A process whose descriptors squall may not read might well own it: say nothing.
      if (held === null) return undefined;
      if ([...inodes].some((i) => held.has(i))) return undefined;
    }
    const owner = await socketOwner(inodes, new Set(pids));
    const ownerInfo = owner === undefined ? undefined : await info(owner);
    const where = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    const does =
      owner === undefined
        ? "its owner is not visible to squall: another user's process?"
        : `pid ${owner}${ownerInfo ? `, ${ownerInfo.name},` : ''} does`;
    return (
      `${o.who} ${pids.length > 1 ? 'do' : 'does'} not own the socket listening on ${where} (${does}): ` +
      `the figures may be of the wrong process` +
      (owner === undefined ? '' : `; use ${o.pidFlag} ${owner}`)
    );
  } catch {
    return undefined;
  }
}

/**
 * The watched processes' CPU against the responses the load got over the same samples: a
 * process that served them would have spent far more. Undefined without a load (no `reqs`), with
 * too few responses, or when the CPU is plausible.
 */
export function idleUnderLoadWarning(
  samples: readonly MonitorSample[],
  o: { who: string; hint: string },
): string | undefined {
  const last = samples[samples.length - 1];
  const responses = last?.reqs;
  if (responses === undefined || responses < IDLE_MIN_RESPONSES) return undefined;
  let cpuSec = 0;
  let peak = 0;
  let prevT = 0;
  for (const s of samples) {
    // Each sample's CPU is its share of one core since the one before (the first: since attach).
    cpuSec += (s.cpuPct / 100) * Math.max(0, s.t - prevT);
    prevT = s.t;
    peak = Math.max(peak, s.cpuPct);
  }
  const usPerResponse = (cpuSec * 1e6) / responses;
  if (peak >= IDLE_PEAK_CPU_PCT || usPerResponse >= IDLE_CPU_US_PER_RESPONSE) return undefined;
  return (
    `${o.who} used almost no CPU (peak ${peak.toFixed(1)}% of a core, ${usPerResponse.toFixed(2)} µs per ` +
    `response) while the load got ${responses} responses: it is probably not the process serving them; ${o.hint}`
  );
}

/**
 * What is watched, for the line at attach: `monitoring pid 123 (sh) and its 1 child process
 * (pid 456 node, 54.2 MiB) every 1s; --no-monitor-tree to watch pid 123 alone`. Saying which
 * processes are summed is what makes following the tree by default safe.
 */
export function watchingLine(
  mon: { pid: number; watched: WatchedProcesses | undefined },
  plan: { cmd?: string; tree: boolean; intervalMs: number },
  verb: string,
  flags: { noTree: string },
  until = '',
): string {
  const w = mon.watched;
  const what = plan.cmd
    ? `'${redactText(plan.cmd)}' (pid ${mon.pid}${w ? `, ${w.root.name}` : ''})`
    : nameOf(mon.pid, w);
  const children = plan.tree && w && w.children.length > 0 ? w.children : [];
  const kids =
    children.length > 0
      ? ` and its ${describeChildren(children)}`
      : plan.tree && !w
        ? ' and its child processes'
        : '';
  const alone = children.length > 0 && !plan.cmd ? `; ${flags.noTree} to watch pid ${mon.pid} alone` : '';
  return `${verb} ${what}${kids} every ${plan.intervalMs / 1000}s${until}${alone}`;
}
