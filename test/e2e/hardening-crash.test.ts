import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
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
    'of a shell wrapper whose child serves the load: summed with it by default, a warning with --no-monitor-tree',
    async () => {
      const w = await startWrapper();
      try {
        const args = ['quick', w.url, '-d', '1500ms', '-c', '2', '--monitor-interval', '100ms'];
        // Issue 12: the tree is followed by default, and the line at attach names the child.
        const tree = await runCli([...args, '--monitor-pid', String(w.sh.pid)]);
        expect(tree.code, explain(tree)).toBe(0);
        expect(tree.stderr, explain(tree)).toMatch(
          new RegExp(`monitoring pid ${w.sh.pid} \\(sh\\) and its 1 child process \\(pid \\d+ node, `),
        );
        expect(tree.stderr, explain(tree)).not.toContain('warning:');
        // Watching the shell alone: it idled while its child served the load.
        const run = await runCli([...args, '--monitor-pid', String(w.sh.pid), '--no-monitor-tree']);
        expect(run.code, explain(run)).toBe(0);
        expect(run.stderr, explain(run)).toMatch(
          new RegExp(`warning: pid ${w.sh.pid} \\(sh\\) used almost no CPU .*drop --no-monitor-tree`),
        );
      } finally {
        w.stop();
      }
    },
  );
});

/**
 * Writes a TypeScript test with one user whose `run` body is `body`, and more top-level keys.
 * Under the temporary folder (no package.json) a .ts file is CommonJS, which tsx compiles under
 * a data: URL that Node does not source-map; a .mts file is an ES module, which Node maps.
 */
function tsTest(name: string, body: string, extra = '', user = ''): string {
  const path = join(dir.path, name);
  writeFileSync(
    path,
    `import { defineTest } from 'squall';
let n = 0;
export default defineTest({
  target: '${server.url}',
  scenarios: {
    s: {
      executor: 'per-vu-iterations', vus: 1, iterations: 3,
      users: [{ name: 'u',${user}
        async run({ http }) {
          n++;
          await http.get('/');
${body}
        },
      }],
    },
  },${extra}
});
`,
  );
  return path;
}

/** The 1-based line of the file's first line that contains `marker`. */
function lineOf(path: string, marker: string): number {
  const i = readFileSync(path, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} is not in ${path}`);
  return i + 1;
}

/** The result document's `exception` error group. */
function exceptionOf(out: string, run: Parameters<typeof readResult>[1]) {
  return readResult(out, run).errors.find((g) => g.kind === 'exception');
}

describe('a flow whose code throws outside the flow (issue 10, item 2)', () => {
  it.each(['cjs.ts', 'esm.mts'])(
    "%s: a throw in a setTimeout callback is an error at the file's own line, and the run finishes",
    async (name) => {
      const test = tsTest(
        `timer-${name}`,
        "          if (n === 1) setTimeout(() => { throw new Error('boom in timer'); }, 1);\n" +
          '          await new Promise((r) => setTimeout(r, 20));',
      );
      const out = join(dir.path, `timer-${name}.json`);
      const run = await runCli(['run', test, '-o', `json=${out}`]);
      expect(run.code, explain(run)).toBe(0);
      expect(run.stderr, explain(run)).not.toContain('data:text/javascript');
      expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
      const line = lineOf(test, 'boom in timer');
      const group = exceptionOf(out, run);
      expect(group?.count, explain(run)).toBe(1);
      expect(group?.example).toContain('boom in timer');
      expect(group?.example).toContain(`timer-${name}:${line}:`);
      // Every iteration ran: the throw cost none of them.
      expect(readResult(out, run).scenarios?.s?.iterations).toBe(3);
      expect(run.stdout, explain(run)).toMatch(/ERRORS/);
    },
  );

  it.each(['cjs.ts', 'esm.mts'])(
    '%s: a promise rejection nobody awaits is an error at its line, and the run finishes',
    async (name) => {
      const test = tsTest(`reject-${name}`, "          Promise.reject(new Error('nobody awaits me'));");
      const out = join(dir.path, `reject-${name}.json`);
      const run = await runCli(['run', test, '-q', '-o', `json=${out}`]);
      expect(run.code, explain(run)).toBe(0);
      expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
      const group = exceptionOf(out, run);
      expect(group?.count, explain(run)).toBe(3);
      expect(group?.example).toContain('nobody awaits me');
      expect(group?.example).toContain(`reject-${name}:${lineOf(test, 'nobody awaits me')}:`);
    },
  );

  it("an error thrown in the flow itself names the file's line too", async () => {
    const test = tsTest('throws.ts', "          if (n === 2) throw new TypeError('bad order');");
    const out = join(dir.path, 'throws.json');
    const run = await runCli(['run', test, '-q', '-o', `json=${out}`]);
    expect(run.code, explain(run)).toBe(0);
    const group = exceptionOf(out, run);
    expect(group?.example).toContain('TypeError: bad order');
    expect(group?.example).toContain(`throws.ts:${lineOf(test, 'bad order')}:`);
  });
});

describe('a script that fails after the load ran (issue 10, item 3)', () => {
  it('teardown() that throws: every output and the summary are written, the error has its line, exit 1', async () => {
    const test = tsTest('teardown.ts', '', "\n  teardown() {\n    throw new Error('teardown broke');\n  },");
    const outs = ['json', 'html', 'junit', 'md'].map((k) => [k, join(dir.path, `teardown.${k}`)] as const);
    const run = await runCli(['run', test, ...outs.flatMap(([k, p]) => ['-o', `${k}=${p}`])]);
    expect(run.code, explain(run)).toBe(1);
    for (const [, p] of outs) expect(existsSync(p), `${p}\n${explain(run)}`).toBe(true);
    expect(run.stdout, explain(run)).toMatch(/TOTAL RESULTS/);
    const line = lineOf(test, 'teardown broke');
    expect(run.stderr, explain(run)).toMatch(
      /^error SQ_SCRIPT_ERROR: teardown\(\) threw: Error: teardown broke/m,
    );
    expect(run.stderr, explain(run)).toContain(`teardown.ts:${line}`);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    const doc = readResult(join(dir.path, 'teardown.json'), run);
    expect(doc.scenarios?.s?.iterations).toBe(3);
    expect(doc.errors.find((g) => g.kind === 'exception')?.example).toContain('teardown broke');
  });

  it('teardown() that throws, with --json: the document is on stdout', async () => {
    const test = tsTest(
      'teardown-json.ts',
      '',
      "\n  teardown() {\n    throw new Error('teardown broke');\n  },",
    );
    const run = await runCli(['run', test, '--json']);
    expect(run.code, explain(run)).toBe(1);
    const doc = JSON.parse(run.stdout) as ResultDocument;
    expect(doc.scenarios?.s?.iterations).toBe(3);
  });

  it('a think function that throws mid-load: what ran is written (endReason script-error), exit 1', async () => {
    const test = tsTest(
      'think.ts',
      '',
      '',
      "\n        think: () => { if (n === 2) throw new Error('think broke'); return 1; },",
    );
    const out = join(dir.path, 'think.json');
    const html = join(dir.path, 'think.html');
    const run = await runCli(['run', test, '-o', `json=${out}`, '-o', `html=${html}`]);
    expect(run.code, explain(run)).toBe(1);
    expect(existsSync(html), explain(run)).toBe(true);
    const doc = readResult(out, run);
    expect(doc.endReason).toBe('script-error');
    expect(doc.scenarios?.s?.iterations).toBeGreaterThan(0);
    expect(run.stderr, explain(run)).toMatch(/SQ_SCRIPT_ERROR: a think function threw: Error: think broke/);
    expect(run.stderr, explain(run)).toContain(`think.ts:${lineOf(test, 'think broke')}`);
  });

  it('setup() that throws: exit 1 with its line, and no load is sent', async () => {
    const test = tsTest('setup.ts', '', "\n  setup() {\n    throw new Error('setup broke');\n  },");
    const before = server.count();
    const run = await runCli(['run', test, '-q']);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr, explain(run)).toMatch(/SQ_SCRIPT_ERROR: setup\(\) threw: Error: setup broke/);
    expect(run.stderr, explain(run)).toContain(`setup.ts:${lineOf(test, 'setup broke')}`);
    expect(server.count() - before, 'requests sent').toBe(0);
  });

  it('an output that fails at the end: the others are written, the failure named, exit 1', async () => {
    // The flow turns the json output's folder into a file after the pre-load check passed.
    const broken = join(dir.path, 'gone');
    mkdirSync(broken, { recursive: true });
    const test = tsTest(
      'reporter.ts',
      `          if (n === 1) {
            (await import('node:fs')).rmSync(${JSON.stringify(broken)}, { recursive: true, force: true });
            (await import('node:fs')).writeFileSync(${JSON.stringify(broken)}, 'now a file');
          }`,
    );
    const bad = join(broken, 'r.json');
    const good = join(dir.path, 'reporter.html');
    const junit = join(dir.path, 'reporter.xml');
    const run = await runCli([
      'run',
      test,
      '-o',
      `json=${bad}`,
      '-o',
      `html=${good}`,
      '-o',
      `junit=${junit}`,
    ]);
    expect(run.code, explain(run)).toBe(1);
    expect(existsSync(good), explain(run)).toBe(true);
    expect(existsSync(junit), explain(run)).toBe(true);
    expect(run.stderr, explain(run)).toMatch(/^error SQ_OUTPUT_WRITE: could not write the json output to /m);
    expect(run.stderr, explain(run)).toContain(bad);
    expect(run.stdout, explain(run)).toMatch(/TOTAL RESULTS/);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
  });
});
