import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultDocument } from '../../src/result/schema.js';

/**
 * Runs the built CLI (bin/squall.js -> dist/) as a child process, as a user would, and collects
 * its exit code and both streams. Every run has a time limit, after which the child's whole
 * process group is killed, so a hung squall fails a test instead of hanging the suite.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'squall.js');
const BUILT_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const DEFAULT_TIMEOUT_MS = 30_000;

/** For beforeAll: a clear message instead of dozens of confusing failures when dist/ is missing. */
export function requireBuiltCli(): void {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(
      `${BUILT_MAIN} is missing: the e2e tests run the built CLI. Run \`npm run build\` first ` +
        '(`npm test` builds before it runs vitest).',
    );
  }
}

export interface CliResult {
  /** Exit code, or null when the child was killed by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the time limit killed it. */
  timedOut: boolean;
}

export interface CliOptions {
  /** Kill the child (and its children) after this long; default 30 s. */
  timeoutMs?: number;
  /** Added to a copy of process.env (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export interface SignalPlan {
  name: NodeJS.Signals;
  /** Send it this long after the start... */
  afterMs?: number;
  /** ...or once stderr matches this (then `afterMs` counts from the match). */
  whenStderr?: RegExp;
}

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the stream so far; rejects after `timeoutMs`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  kill(signal: NodeJS.Signals): void;
  readonly result: Promise<CliResult>;
}

/** Starts `node bin/squall.js ...args`; the caller interacts with it while it runs. */
export function startCli(args: readonly string[], opts: CliOptions = {}): CliProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // Plain text, no stack traces unless a test asks: the assertions read what a user would see.
  delete env.FORCE_COLOR;
  delete env.SQUALL_DEBUG;
  // On GitHub Actions every run would append its summary to the job's page; tests that want
  // it set it themselves.
  delete env.GITHUB_STEP_SUMMARY;
  // squall honours proxy variables: a developer's proxy must not carry the tests' 127.0.0.1 traffic.
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
    delete env[k];
    delete env[k.toLowerCase()];
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout can kill squall and anything it started (serve-demo's
    // child) in one go, and a signal the test sends reaches squall alone, as `kill PID` would.
    detached: true,
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    notify();
  });

  let timedOut = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err, timedOut });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({
        code: null,
        signal: null,
        stdout: out,
        stderr: `${err}\n[spawn error] ${e.message}`,
        timedOut,
      });
    });
  });

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(stream, pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(stream === 'stdout' ? out : err);
          if (!m) return false;
          cleanup();
          resolve(m);
          return true;
        };
        const onExit = () => {
          if (!check()) {
            cleanup();
            reject(
              new Error(
                `squall exited before its ${stream} matched ${pattern}\n${describeStreams(out, err)}`,
              ),
            );
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no match for ${pattern} on ${stream} within ${timeoutMs} ms\n${describeStreams(out, err)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(t);
          listeners.delete(listener);
          child.off('close', onExit);
        };
        const listener = () => {
          check();
        };
        if (check()) return;
        listeners.add(listener);
        child.once('close', onExit);
      });
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    result,
  };
}

/** Runs squall to the end; with `signal`, sends it a signal on the way (SIGINT tests). */
export async function runCli(
  args: readonly string[],
  opts: CliOptions & { signal?: SignalPlan } = {},
): Promise<CliResult> {
  const p = startCli(args, opts);
  const plan = opts.signal;
  if (plan) {
    const send = () => setTimeout(() => p.kill(plan.name), plan.afterMs ?? 0);
    if (plan.whenStderr) {
      // If squall exits before the match, the result (and its assertions) tell the story.
      p.waitFor('stderr', plan.whenStderr, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS).then(send, () => {});
    } else {
      send();
    }
  }
  return p.result;
}

function describeStreams(stdout: string, stderr: string): string {
  const cut = (s: string) => (s.length > 6000 ? `${s.slice(0, 3000)}\n[…]\n${s.slice(-3000)}` : s);
  return `--- stderr ---\n${cut(stderr)}\n--- stdout ---\n${cut(stdout)}`;
}

/** For assertion messages: how the run ended and what it printed. */
export function explain(r: CliResult): string {
  const how = r.timedOut
    ? `timed out (killed), signal ${r.signal}`
    : r.code === null
      ? `killed by ${r.signal}`
      : `exit ${r.code}`;
  return `squall ${how}\n${describeStreams(r.stdout, r.stderr)}`;
}

/** A stack trace line as Node prints them (`    at fn (file:1:2)`): never for users. */
const STACK_LINE = /^\s+at\s+\S.*(?:\(.*:\d+:\d+\)|:\d+:\d+)\s*$|^\s{4}at\s/m;

export function hasStackTrace(text: string): boolean {
  return STACK_LINE.test(text) || text.includes('node:internal');
}

/** A fresh temporary directory and its remover, for result files. */
export function tempDir(prefix = 'squall-e2e-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Reads a result document written by `-o json=PATH`, naming the run when it is missing. */
export function readResult(path: string, run?: CliResult): ResultDocument {
  if (!existsSync(path)) {
    throw new Error(`squall did not write ${path}${run ? `\n${explain(run)}` : ''}`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as ResultDocument;
}
