import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SquallError } from '../errors/index.js';

/** The demo API is its own program (DESIGN.md): squall starts it, never imports it. */
export const DEMO_MAIN = fileURLToPath(new URL('../demo/main.js', import.meta.url));
const READY_LINE = /^squall demo API listening on (http:\/\/\S+)$/m;
const START_TIMEOUT_MS = 10_000;

export interface DemoProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the demo API on a free port and waits for the line that gives its URL. */
export function startDemo(args: string[] = ['--port', '0']): Promise<DemoProcess> {
  const child = spawn(process.execPath, [DEMO_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new SquallError('SQ_DEMO_START', `the demo API did not start: ${why}`, {
          hint: output.trim() || undefined,
        }),
      );
    };
    const timer = setTimeout(
      () => fail(`no ready line within ${START_TIMEOUT_MS / 1000}s`),
      START_TIMEOUT_MS,
    );
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => fail(`it exited with code ${code}`));
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = READY_LINE.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        url: m[1]!,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3000).unref();
          }),
      });
    });
  });
}
