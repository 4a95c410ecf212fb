import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { SquallError } from '../errors/index.js';

/**
 * The open-file check before a load. Every connection is a file descriptor, and a load that runs
 * out of them fails its requests with EMFILE (and, before, crashed squall). So `quick -c` and a
 * test's peak VUs are compared with the soft RLIMIT_NOFILE first.
 *
 * Raising the limit for the user, as k6 and wrk users expect: Node itself raises the soft limit
 * to the hard limit when it starts (node.cc, PlatformInit), and has no setrlimit to go further;
 * the hard limit only goes up with privileges. So the soft limit squall sees is all it can get,
 * and a load that does not fit is refused with how to raise the limit.
 */

/** squall's own descriptors besides those already open: output files, the dashboard, DNS, /proc. */
export const FD_MARGIN = 32;
/** What is assumed open already when /proc/self/fd cannot be read (Node starts with about 20). */
const FD_BASELINE = 32;

export interface FdLimits {
  soft: number;
  hard: number;
}

/** Reads `Max open files` from /proc/self/limits text; Infinity for `unlimited`. */
export function parseProcLimits(text: string): FdLimits | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (m === null) return undefined;
  const num = (s: string) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
  const soft = num(m[1]!);
  const hard = num(m[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

/** This process's open-file limits: /proc on Linux, else a shell's `ulimit` (it inherits ours). */
export function openFileLimits(): FdLimits | undefined {
  try {
    return parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    // Not Linux: ask a shell.
  }
  try {
    const r = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8', timeout: 2000 });
    const [soft, hard] = r.stdout.trim().split(/\s+/);
    return parseProcLimits(`Max open files ${soft} ${hard}`);
  } catch {
    return undefined;
  }
}

/** Descriptors open now (stdio, Node's own); a fixed guess where /proc or /dev/fd is missing. */
export function openFileCount(): number {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      return readdirSync(dir).length;
    } catch {
      // try the next
    }
  }
  return FD_BASELINE;
}

export interface FdNeed {
  /** Sockets the load may hold at once. */
  sockets: number;
  /** What sets that number, for the message: `-c 1000`, `--vus 500`, `load.yaml's peak of 300 VUs`. */
  what: string;
  /** The flag that lowers it (`-c`, `--vus`), for the message's location. */
  flag: string;
  /** One connection per what: `connection`, `VU`. */
  unit: string;
}

/**
 * Throws SQ_LIMIT_OPEN_FILES (exit 2) when the load's sockets plus squall's own descriptors do
 * not fit under the soft limit. `limits` and `inUse` are parameters for tests.
 */
export function checkOpenFileLimit(
  need: FdNeed,
  limits: FdLimits | undefined = openFileLimits(),
  inUse = openFileCount(),
): void {
  if (limits === undefined || !Number.isFinite(limits.soft)) return;
  const reserve = inUse + FD_MARGIN;
  const wanted = need.sockets + reserve;
  if (wanted <= limits.soft) return;
  const fits = Math.max(0, limits.soft - reserve);
  const canRaise = limits.hard >= wanted;
  // A round figure with room to spare, within the hard limit when that is what allows it.
  const round = Math.max(1024, 2 ** Math.ceil(Math.log2(wanted)));
  const raise = canRaise ? Math.min(round, limits.hard) : round;
  throw new SquallError(
    'SQ_LIMIT_OPEN_FILES',
    `${need.what} needs about ${wanted} open files (one socket per ${need.unit}, plus ${reserve} for squall ` +
      `itself), but the open-file limit of this process is ${limits.soft} (ulimit -n); at most ${fits} ` +
      `${need.unit}s fit under it`,
    {
      where: { flag: need.flag },
      hint: canRaise
        ? `raise the limit in the shell that starts squall with \`ulimit -n ${raise}\` (the hard limit is ${limits.hard}), or lower ${need.flag} to ${fits}`
        : `the hard limit is ${limits.hard} too, so only root can raise it (\`ulimit -Hn\`, nofile in ` +
          `/etc/security/limits.conf, LimitNOFILE= for a systemd unit, --ulimit nofile= for docker); ` +
          `then \`ulimit -n ${raise}\`, or lower ${need.flag} to ${fits}`,
    },
  );
}
