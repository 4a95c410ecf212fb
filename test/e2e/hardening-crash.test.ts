import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Issue 10's crash and input cases, each run as the user ran it: a run that goes wrong still
 * says what happened, and input that cannot work is refused at once (never a hang).
 */

const dir = tempDir('squall-hardening-');
let server: TargetServer;
beforeAll(async () => {
  requireBuiltCli();
  server = await startTarget();
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

describe('an output path that cannot be written (issue 10, item 10)', () => {
  it('quick -o junit=/proc/self/nope/r.xml exits 2 naming the flag and path, without a load or a spin', async () => {
    const before = server.count();
    // The bug spun at 100 % CPU forever: the time limit turns a hang into a failed test.
    const run = await runCli(['quick', server.url, '-n', '5', '-o', 'junit=/proc/self/nope/r.xml'], {
      timeoutMs: 15_000,
    });
    expect(run.timedOut, explain(run)).toBe(false);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/^error SQ_USAGE_BAD_FLAG: /m);
    expect(run.stderr, explain(run)).toContain('-o junit=/proc/self/nope/r.xml cannot be written');
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    expect(server.count() - before, 'requests sent').toBe(0);
  });

  it('a folder that can be made is made, and the output written there', async () => {
    const out = join(dir.path, 'new', 'deeper', 'r.xml');
    const run = await runCli(['quick', server.url, '-n', '5', '-q', '-o', `junit=${out}`]);
    expect(run.code, explain(run)).toBe(0);
    expect(existsSync(out)).toBe(true);
  });
});

describe('unknown commands (issue 10, item 17)', () => {
  it('squall nosuch exits 2 with SQ_USAGE_UNKNOWN_COMMAND and lists the commands', async () => {
    const run = await runCli(['nosuch']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/^error SQ_USAGE_UNKNOWN_COMMAND: unknown command 'nosuch'/m);
    expect(run.stderr, explain(run)).toContain('quick');
    expect(run.stdout, explain(run)).toBe('');
  });

  it('squall nosuch --help is the same error, not the help with exit 0', async () => {
    const run = await runCli(['nosuch', '--help']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/^error SQ_USAGE_UNKNOWN_COMMAND: /m);
    expect(run.stdout, explain(run)).not.toContain('Usage:');
  });

  it('a typo gets a "did you mean" over the commands', async () => {
    const run = await runCli(['quik', 'http://127.0.0.1:1/']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/SQ_USAGE_UNKNOWN_COMMAND/);
    expect(run.stderr, explain(run)).toContain("did you mean 'quick'?");
  });

  it('known commands and help still work: squall help run, squall --help', async () => {
    const help = await runCli(['help', 'run']);
    expect(help.code, explain(help)).toBe(0);
    expect(help.stdout, explain(help)).toContain('Usage: squall run');
    const top = await runCli(['--help']);
    expect(top.code, explain(top)).toBe(0);
  });

  it('an unknown flag keeps its own code', async () => {
    const run = await runCli(['quick', '--nosuch', server.url]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/^error SQ_USAGE_UNKNOWN_FLAG: /m);
  });
});

/** Starts `sh -c 'node child & wait'`: a shell that waits for its child, as `npm start` does. */
function startWrapper(): Promise<{ sh: ChildProcess; url: string; stop(): void }> {
  const child = join(dir.path, 'busy-server.mjs');
  writeFileSync(
    child,
    `import http from 'node:http';
const s = http.createServer((q, r) => { const t = Date.now(); while (Date.now() - t < 2) {} r.end('ok'); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
process.on('SIGTERM', () => process.exit(0));
`,
  );
  // In the background and waited for, so the shell cannot exec node in its place: it stays a
  // parent that only waits. Its stderr carries the child's pid, for the clean-up.
  const sh = spawn('sh', ['-c', `node ${JSON.stringify(child)} & echo $! >&2; wait`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let nodePid = 0;
    sh.stderr!.setEncoding('utf8').once('data', (d: string) => {
      nodePid = Number(d.trim());
    });
    sh.stdout!.setEncoding('utf8').once('data', (d: string) => {
      const port = Number(d.trim());
      resolve({
        sh,
        url: `http://127.0.0.1:${port}/`,
        stop() {
          for (const pid of [nodePid, sh.pid]) {
            try {
              if (pid) process.kill(pid, 'SIGTERM');
            } catch {
              // Already gone.
            }
          }
        },
      });
    });
    sh.once('error', reject);
  });
}

describe('--monitor-pid (issue 10, item 16)', () => {
  it('given twice with different pids: exit 2 before any load, naming the flag', async () => {
    const before = server.count();
    const run = await runCli([
      'quick',
      server.url,
      '-n',
      '5',
      '--monitor-pid',
      String(process.pid),
      '--monitor-pid',
      '1',
    ]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/^error SQ_USAGE_BAD_FLAG: --monitor-pid was given twice/m);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    expect(server.count() - before, 'requests sent').toBe(0);
  });

  it('squall monitor --pid given twice: the same refusal', async () => {
    const run = await runCli(['monitor', '--pid', String(process.pid), '--pid', '1', '-d', '1s']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/--pid was given twice/);
  });

  it.runIf(process.platform === 'linux')(
    'of a shell wrapper whose child serves the load: a hint to use --monitor-tree',
    async () => {
      const w = await startWrapper();
      try {
        const args = ['quick', w.url, '-d', '1500ms', '-c', '2', '--monitor-interval', '100ms'];
        const run = await runCli([...args, '--monitor-pid', String(w.sh.pid)]);
        expect(run.code, explain(run)).toBe(0);
        expect(run.stderr, explain(run)).toMatch(
          new RegExp(`hint: pid ${w.sh.pid} used almost no CPU .*child processes.*--monitor-tree`),
        );
        // With --monitor-tree the children are counted: no hint.
        const tree = await runCli([...args, '--monitor-pid', String(w.sh.pid), '--monitor-tree']);
        expect(tree.code, explain(tree)).toBe(0);
        expect(tree.stderr, explain(tree)).not.toContain('--monitor-tree to');
      } finally {
        w.stop();
      }
    },
  );
});
