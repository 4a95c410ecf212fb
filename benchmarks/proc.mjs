// Child-process plumbing shared by the targets and the load generators: CPU pinning, the
// ulimit wrapper, peak-RSS measurement and making sure nothing we start outlives the harness.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const hasCommand = (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

// Pinning only makes sense with at least two cores: target on CPU 1, load generators on CPU 0,
// so the two sides do not steal each other's time slices on a 2-core box.
export const canPin = hasCommand('taskset') && os.cpus().length >= 2;
export const TARGET_CPU = 1;
export const LOADGEN_CPU = 0;

// GNU time reports the kernel's own peak RSS (ru_maxrss) with no polling overhead.
const TIME_BIN = '/usr/bin/time';
export const peakRssMethod = existsSync(TIME_BIN) ? '/usr/bin/time -f %M' : '/proc/<pid>/status VmHWM poll';

export const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'squall-bench-'));

/** argv pinned to cpu; cpu null leaves it free to use every core (the workers scenarios). */
export function pin(cpu, argv) {
  return canPin && cpu !== null ? ['taskset', '-c', String(cpu), ...argv] : argv;
}

// Raise the fd limit for 1000+ connections; Node has no setrlimit, so a shell does it and then
// execs the command (same pid, which the /proc sampling relies on). Without the privilege to go
// to 65536, take the hard limit.
const RAISE_FDS = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null';
const withUlimit = (argv) => ['sh', '-c', `${RAISE_FDS}; exec "$@"`, 'sh', ...argv];

export function loadgenFdLimit() {
  return spawnSync('sh', ['-c', `${RAISE_FDS}; ulimit -n`])
    .stdout.toString()
    .trim();
}

const live = new Set();

/** Spawns in its own process group, so stopping the group also ends wrapped children (time → tool). */
export function start(argv, options = {}) {
  handleSignals();
  const child = spawn(argv[0], argv.slice(1), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  child.on('error', () => live.delete(child));
  return child;
}

export function stop(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

let cleanedUp = false;
export function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of live) stop(child, 'SIGKILL');
  rmSync(tmpDir, { recursive: true, force: true });
}

process.on('exit', cleanup);
// Targets run in their own process groups, so Ctrl-C does not reach them: kill them ourselves.
// Set up with the first child, so a module that only imports these helpers (a test) keeps its
// own signal handling.
let signalsHandled = false;
function handleSignals() {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping targets and load generators\n`);
      cleanup();
      process.exit(130);
    });
  }
}

const statusKb = (text, field) => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : null;
};

let runSeq = 0;

/**
 * Runs a load generator pinned to the load-generator CPU (unless pinned is false) with a raised fd
 * limit. Returns { code, signal, stdout, stderr, timedOut, peakRssMb, samples } where samples is a
 * once-a-second VmRSS series when sampleRss is set (for the memory scenario).
 */
export function runLoadgen(argv, { timeoutMs, sampleRss = false, pinned = true }) {
  // /usr/bin/time would make the spawned pid time's, not the tool's: skip it when sampling /proc.
  const useTime = existsSync(TIME_BIN) && !sampleRss;
  const timeFile = path.join(tmpDir, `time-${++runSeq}.txt`);
  let cmd = pin(pinned ? LOADGEN_CPU : null, argv);
  if (useTime) cmd = [TIME_BIN, '-o', timeFile, '-f', '%M', ...cmd];
  const child = start(withUlimit(cmd));

  const t0 = performance.now();
  let stdout = '';
  let stderr = '';
  let hwmKb = null;
  let timedOut = false;
  const samples = [];
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });

  // VmHWM is already the peak, so the last successful read before exit is the answer.
  const poll = async () => {
    try {
      const text = await readFile(`/proc/${child.pid}/status`, 'utf8');
      hwmKb = statusKb(text, 'VmHWM') ?? hwmKb;
      const rss = statusKb(text, 'VmRSS');
      if (sampleRss && rss !== null) samples.push({ t: (performance.now() - t0) / 1000, rssMb: rss / 1024 });
    } catch {
      // exited between polls
    }
  };
  const timer = useTime ? null : setInterval(poll, sampleRss ? 1000 : 100);
  const killer = setTimeout(() => {
    timedOut = true;
    stop(child, 'SIGKILL');
  }, timeoutMs);

  return new Promise((resolve) => {
    const finish = (code, signal, spawnError) => {
      clearInterval(timer);
      clearTimeout(killer);
      let peakKb = hwmKb;
      if (useTime && existsSync(timeFile)) {
        // "Command exited with non-zero status N" may precede the number.
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop();
        peakKb = Number.isFinite(Number(last)) ? Number(last) : null;
      }
      if (spawnError) stderr += `\n${spawnError.message}`;
      resolve({
        code,
        signal,
        stdout,
        stderr,
        timedOut,
        samples,
        peakRssMb: peakKb === null ? null : peakKb / 1024,
      });
    };
    child.on('error', (err) => finish(-1, null, err));
    child.on('close', (code, signal) => finish(code, signal));
  });
}
