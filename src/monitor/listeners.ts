import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Who listens on a TCP port (Linux): /proc/net/tcp and tcp6 list the listening sockets with
 * their inodes, and /proc/PID/fd/* links to `socket:[INODE]` for each socket a process holds.
 * With both, squall can tell whether the process it watches is the one the load talks to.
 */

export interface Listener {
  /** The local address as the kernel lists it: 0.0.0.0 / :: for every interface. */
  address: string;
  port: number;
  inode: number;
}

/** st of a listening socket in /proc/net/tcp (include/net/tcp_states.h: TCP_LISTEN = 10). */
const LISTEN = '0A';

/**
 * Four bytes of an address, as /proc prints a 32-bit word: in host order, read here as
 * little-endian (x86, arm). The address only serves messages; the port is matched on.
 */
function wordBytes(hex: string): number[] {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) return wordBytes(hex).join('.');
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8)));
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // An IPv4 address on an IPv6 socket reads as one; otherwise the longest run of zeros is `::`.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const runs = [...groups.join(':').matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].map((m) => m[0]);
  const longest = runs.sort((a, b) => b.length - a.length)[0];
  return longest ? groups.join(':').replace(longest, '::') : groups.join(':');
}

/** The listening sockets of a /proc/net/tcp or /proc/net/tcp6 text (its header line skipped). */
export function parseListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    if (f.length < 10 || f[3] !== LISTEN) continue;
    const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(f[1]!);
    const inode = Number(f[9]);
    if (!m || !Number.isSafeInteger(inode) || inode <= 0) continue;
    out.push({ address: decodeAddress(m[1]!), port: Number.parseInt(m[2]!, 16), inode });
  }
  return out;
}

/** The inode of a `socket:[123]` link, or undefined for anything else (a file, a pipe). */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** The sockets listening on `port` in squall's network namespace, IPv4 and IPv6. */
export async function listenersOn(port: number): Promise<Listener[]> {
  const texts = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8').catch(() => '')),
  );
  return texts.flatMap(parseListeners).filter((l) => l.port === port);
}

/** The socket inodes `pid` holds; null when its descriptors may not be read (another user's). */
export async function socketInodes(pid: number): Promise<Set<number> | null> {
  let names: string[];
  try {
    names = await readdir(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  const links = await Promise.all(names.map((n) => readlink(`/proc/${pid}/fd/${n}`).catch(() => '')));
  const inodes = new Set<number>();
  for (const l of links) {
    const inode = socketInode(l);
    if (inode !== undefined) inodes.add(inode);
  }
  return inodes;
}

/**
 * The first process (other than those in `skip`) holding one of these socket inodes; undefined
 * when none that squall may look into does (another user's processes are closed to it).
 */
export async function socketOwner(
  inodes: ReadonlySet<number>,
  skip: ReadonlySet<number>,
): Promise<number | undefined> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  for (const pid of pids) {
    if (skip.has(pid)) continue;
    const held = await socketInodes(pid);
    if (held && [...inodes].some((i) => held.has(i))) return pid;
  }
  return undefined;
}
