import { type ChildProcess, spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SquallError } from '../errors/index.js';
import { formatTail, LineTail } from './line-tail.js';
import { groupMembers } from './procfs.js';

/**
 * Starts the system under test for `--monitor-cmd` / `squall monitor --cmd`: a shell command in
 * its own process group (so stopping it reaches every process it started, and a Ctrl-C meant
 * for squall does not reach it first), its output kept as a tail for messages, and a wait until
 * it is ready. A command that exits or never gets ready is a clear error with that tail.
 */

export const DEFAULT_READY_TIMEOUT_MS = 30_000;
export const DEFAULT_STOP_GRACE_MS = 5_000;
/** Without a readiness probe, a command that survives this long counts as started. */
const SETTLE_MS = 500;
const PROBE_TIMEOUT_MS = 1_000;
const KILL_WAIT_MS = 1_000;
const ABORTED: unique symbol = Symbol('aborted');
type EarlyEnd = string | typeof ABORTED;

export interface LaunchOptions {
  /** A shell command line, run by /bin/sh (cmd.exe on Windows). */
  cmd: string;
  /** Ready when a GET of this URL gets any HTTP status below 500. */
  readyUrl?: string;
  /** Otherwise ready when this address accepts TCP connections. */
  readyAddress?: { host: string; port: number };
  /** Default 30 s. */
  readyTimeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How the flag is named in messages (default --monitor-cmd). */
  flag?: string;
  /** Aborting it while waiting for readiness stops the service and rejects with the abort reason. */
  signal?: AbortSignal;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when it exited. */
  at: number;
  /** True when it exited because stop() asked it to. */
  stopped: boolean;
  tail: string[];
}

export interface LaunchedService {
  /** The process group leader: the shell, or the command itself when the shell exec'd it. */
  readonly pid: number;
  readonly cmd: string;
  /** Date.now() when it was started. */
  readonly startedAt: number;
  /** Its last lines of output so far. */
  tail(): string[];
  /** Set once it has exited. */
  readonly exit: ServiceExit | undefined;
  /** Settles when it exits, whatever the reason. */
  readonly exited: Promise<ServiceExit>;
  /** SIGTERM to its process group, SIGKILL after `graceMs` (default 5 s) if any is left. */
  stop(graceMs?: number): Promise<ServiceExit>;
}

/** `code 3`, `signal SIGKILL`: how a process ended, for messages. */
export function describeExit(e: { code: number | null; signal: string | null }): string {
  if (e.signal) return `was killed by ${e.signal}`;
  // A process squall did not start: its exit status is its parent's to read, not ours.
  if (e.code === null) return 'went away';
  return `exited with code ${e.code}`;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // The group is empty already.
  }
}

/** True while any process of its group still runs (zombies aside, where /proc tells them). */
async function groupAlive(child: ChildProcess): Promise<boolean> {
  if (child.pid === undefined) return false;
  if (process.platform === 'win32') return child.exitCode === null && child.signalCode === null;
  if (process.platform === 'linux') return (await groupMembers(child.pid)).length > 0;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * GET `url` once on a fresh connection: 'ready' for any status below 500. node:http, not
 * undici: the monitor is loaded by quick, whose memory budget undici's 20 MB would break.
 */
function httpProbe(url: string): Promise<'ready' | string> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const get = u.protocol === 'https:' ? httpsGet : httpGet;
    // A self-signed test server is ready all the same.
    const req = get(u, { agent: false, timeout: PROBE_TIMEOUT_MS, rejectUnauthorized: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status < 500 ? 'ready' : `GET ${url} answered ${status}`);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`GET ${url} failed: ${e.code ?? e.message}`));
  });
}

/** One readiness probe; resolves with what was seen (for the timeout message) or 'ready'. */
async function probe(opts: LaunchOptions): Promise<'ready' | string> {
  if (opts.readyUrl !== undefined) return httpProbe(opts.readyUrl);
  const { host, port } = opts.readyAddress!;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`${host}:${port} did not answer the connection`));
    socket.once('connect', () => done('ready'));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(`${host}:${port} refused: ${e.code ?? e.message}`),
    );
  });
}

/** Starts the command and resolves once it is ready; throws SQ_MONITOR_START otherwise. */
export async function launchService(opts: LaunchOptions): Promise<LaunchedService> {
  const flag = opts.flag ?? '--monitor-cmd';
  const tail = new LineTail();
  const child = spawn(opts.cmd, {
    shell: true,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: opts.cwd,
    env: opts.env ?? process.env,
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => tail.push('stdout', d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => tail.push('stderr', d));
  const startedAt = Date.now();

  // A squall that exits for any reason never leaves the service running behind it.
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.on('exit', killOnExit);

  let stopping = false;
  let exitInfo: ServiceExit | undefined;
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<ServiceExit>((resolve) => {
    // A process that never started emits 'error' and no 'exit'.
    void spawnFailed.then(() => {
      if (child.pid !== undefined) return;
      exitInfo = { code: null, signal: null, at: Date.now(), stopped: stopping, tail: tail.get() };
      resolve(exitInfo);
    });
    child.once('exit', (code, signal) => {
      const at = Date.now();
      const stopped = stopping;
      // Let the last output arrive, unless a grandchild holds the pipes open.
      const closed = new Promise<void>((r) => child.once('close', () => r()));
      void Promise.race([closed, sleep(200)]).then(() => {
        exitInfo = { code, signal, at, stopped, tail: tail.get() };
        resolve(exitInfo);
      });
    });
  });

  const service: LaunchedService = {
    get pid() {
      return child.pid ?? -1;
    },
    cmd: opts.cmd,
    startedAt,
    tail: () => tail.get(),
    get exit() {
      return exitInfo;
    },
    exited,
    async stop(graceMs = DEFAULT_STOP_GRACE_MS) {
      if (!stopping) {
        stopping = true;
        signalGroup(child, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        while ((await groupAlive(child)) && Date.now() < deadline) await sleep(50);
        if (await groupAlive(child)) {
          signalGroup(child, 'SIGKILL');
          // SIGKILL cannot be caught, but it takes a moment to land.
          const killDeadline = Date.now() + KILL_WAIT_MS;
          while ((await groupAlive(child)) && Date.now() < killDeadline) await sleep(20);
        }
        // Until here the safety net stays: the leader's exit does not mean its children's.
        process.off('exit', killOnExit);
      }
      return exited;
    },
  };

  const fail = async (why: string): Promise<never> => {
    await service.stop(0);
    throw new SquallError('SQ_MONITOR_START', `${flag} '${opts.cmd}' ${why}; ${formatTail(tail.get())}`, {
      where: { flag },
      hint:
        `run the command by hand to see it start; ${flag === '--cmd' ? '--ready' : '--monitor-ready'} URL ` +
        '(else the target address) says when it is ready',
    });
  };

  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  // What ends the wait before the service is ready: its exit, a failed spawn, or the caller's abort.
  const early: Promise<EarlyEnd> = Promise.race([
    exited.then((e) => `${describeExit(e)} before it was ready`),
    spawnFailed.then((e) => `could not be started: ${e.message}`),
    new Promise<typeof ABORTED>((resolve) => {
      if (opts.signal?.aborted) resolve(ABORTED);
      opts.signal?.addEventListener('abort', () => resolve(ABORTED), { once: true });
    }),
  ]);
  const stopEarly = async (why: EarlyEnd): Promise<never> => {
    if (why !== ABORTED) return fail(why);
    await service.stop(0);
    opts.signal!.throwIfAborted();
    throw new Error('aborted');
  };
  if (opts.readyUrl === undefined && opts.readyAddress === undefined) {
    const why = await Promise.race([early, sleep(SETTLE_MS).then(() => undefined)]);
    if (why !== undefined) return await stopEarly(why);
    return service;
  }
  let last = 'no probe answered yet';
  let pause = 50;
  while (Date.now() < deadline) {
    const outcome = await Promise.race([early.then((why): { why: EarlyEnd } => ({ why })), probe(opts)]);
    if (typeof outcome === 'object') return await stopEarly(outcome.why);
    if (outcome === 'ready') return service;
    last = outcome;
    const why = await Promise.race([early, sleep(pause).then(() => undefined)]);
    if (why !== undefined) return await stopEarly(why);
    pause = Math.min(pause * 2, 500);
  }
  const what = opts.readyUrl ?? `${opts.readyAddress!.host}:${opts.readyAddress!.port}`;
  return await fail(`was not ready within ${timeoutMs / 1000}s (waiting for ${what}; last probe: ${last})`);
}
