import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_MIN_RESPONSES } from '../../src/monitor/process-checks.js';
import { processTree } from '../../src/monitor/procfs.js';
import type { MonitorSample, ResultDocument } from '../../src/result/schema.js';
import { type RunningService, servicePath, startService } from '../fixtures/services/services.js';
import {
  explain,
  hasStackTrace,
  readResult,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * Issue 12, "the right process": which process `--monitor-pid` watches and what squall says
 * about it, through the real CLI against real services on 127.0.0.1. Loads are short (2 s) and
 * nothing asserts on speed, so the tests run side by side.
 */

const dir = tempDir('squall-monitor-process-');
beforeAll(() => requireBuiltCli());
afterAll(() => dir.remove());

const linux = process.platform === 'linux';

function vmRssMib(pid: number): number {
  const kb = Number(/^VmRSS:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

/** `sleep 60`: a process that runs, listens nowhere and does nothing. */
function bystander(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}

function kill(p: ChildProcess): void {
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/**
 * `sh -c 'node leaky.mjs …; true'`: the `; true` keeps the shell from exec'ing node in its place,
 * so the pid the user has is a parent that only waits, as with `npm start`.
 */
async function startWrapper(): Promise<{ sh: ChildProcess; childPid: number; url: string; stop(): void }> {
  const sh = spawn(
    'sh',
    ['-c', `'${process.execPath}' '${servicePath('leaky')}' --port 0 --kb 256 --every-ms 100; true`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    sh.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(`${m[1]}/`);
    });
    sh.once('exit', () => reject(new Error(`the wrapper exited before its child listened: ${out}`)));
  });
  const [, childPid] = await processTree(sh.pid!);
  if (childPid === undefined) throw new Error('the wrapper has no child');
  return {
    sh,
    childPid,
    url,
    stop() {
      for (const pid of [childPid, sh.pid!]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

function expectRequestCounts(doc: ResultDocument): void {
  const samples: readonly MonitorSample[] = doc.monitor!.samples;
  expect(samples.length).toBeGreaterThan(2);
  let previous = 0;
  for (const s of samples) {
    expect(typeof s.reqs, JSON.stringify(s)).toBe('number');
    expect(s.reqs!).toBeGreaterThanOrEqual(previous);
    previous = s.reqs!;
  }
  // Cumulative responses of the load: growing during it, never past the total.
  expect(samples[samples.length - 1]!.reqs!).toBeGreaterThan(samples[0]!.reqs!);
  expect(samples[samples.length - 1]!.reqs!).toBeLessThanOrEqual(doc.metrics.http_reqs.count);
}

// Each test watches its own process and asserts on what squall says of it, on memory and on the
// exit, none on speed: every suite of the file runs side by side (the longest, the wrapper's two
// 4-s runs, sets the file's length).
describe.runIf(linux).concurrent('--monitor-pid of a wrapper shell (sh -c "node …; true")', () => {
  it('follows its child by default and says so; --no-monitor-tree warns with the child, its size and a hint', async () => {
    const w = await startWrapper();
    try {
      const childBefore = vmRssMib(w.childPid);
      const shAlone = vmRssMib(w.sh.pid!);
      const json = join(dir.path, 'tree.json');
      const args = ['quick', w.url, '-d', '4s', '-c', '2', '--monitor-interval', '250ms'];
      const run = await runCli([...args, '--monitor-pid', String(w.sh.pid), '-o', `json=${json}`]);
      expect(run.code, explain(run)).toBe(0);
      expect(run.stderr, explain(run)).toMatch(
        new RegExp(
          `squall: monitoring pid ${w.sh.pid} \\(sh\\) and its 1 child process \\(pid ${w.childPid} node, [\\d.]+ MiB\\) ` +
            `every 0\\.25s; --no-monitor-tree to watch pid ${w.sh.pid} alone`,
        ),
      );
      expect(run.stderr, explain(run)).not.toContain('warning:');
      const doc = readResult(json, run);
      const mon = doc.monitor!;
      expect(mon.tree).toBe(true);
      expect(doc.config.monitor).toMatchObject({ pid: w.sh.pid, tree: true });
      expect(mon.warnings).toEqual([]);
      for (const s of mon.samples) expect(s.processes).toBeGreaterThanOrEqual(2);
      // The sum is the child's memory (it only grows: it leaks) plus the shell's few MiB.
      const childAfter = vmRssMib(w.childPid);
      expect(mon.rssEndMb).toBeGreaterThanOrEqual(childBefore);
      expect(mon.rssEndMb).toBeLessThanOrEqual(childAfter + shAlone + 1);
      expectRequestCounts(doc);
      // The child's leak (150 MiB/min) is found through the wrapper. At 37.5 MiB/min, the
      // child's own growth under the first second of load (its heap, its buffers) was as big as
      // the leak, and the 4 s run was judged "slowing, not settled" once on a quiet machine.
      expect(mon.leaks, mon.reasons.join('\n')).toContain('memory');

      const aloneJson = join(dir.path, 'alone.json');
      const alone = await runCli([
        ...args,
        '--monitor-pid',
        String(w.sh.pid),
        '--no-monitor-tree',
        '-o',
        `json=${aloneJson}`,
      ]);
      expect(alone.code, explain(alone)).toBe(0);
      const childWarning = new RegExp(
        `pid ${w.sh.pid} \\(sh\\) has 1 child process \\(pid ${w.childPid} node, [\\d.]+ MiB\\), left out by ` +
          '--no-monitor-tree: .*drop --no-monitor-tree \\(--monitor-tree is the default\\)',
      );
      expect(alone.stderr, explain(alone)).toMatch(new RegExp(`squall: warning: ${childWarning.source}`));
      const aloneDoc = readResult(aloneJson, alone);
      expect(aloneDoc.monitor!.tree).toBe(false);
      for (const s of aloneDoc.monitor!.samples) expect(s.processes).toBe(1);
      // The shell alone holds still: what it says of memory is not the service's.
      expect(aloneDoc.monitor!.leaks).not.toContain('memory');
      const warnings = aloneDoc.monitor!.warnings ?? [];
      expect(
        warnings.some((x) => childWarning.test(x)),
        warnings.join('\n'),
      ).toBe(true);
      // The child holds the listening socket, so the shell alone does not.
      expect(
        warnings.some((x) =>
          x.startsWith(
            `pid ${w.sh.pid} (sh) does not own the socket listening on 127.0.0.1:${new URL(w.url).port} ` +
              `(pid ${w.childPid}, node, does)`,
          ),
        ),
        warnings.join('\n'),
      ).toBe(true);
    } finally {
      w.stop();
    }
  });
});

describe.runIf(linux).concurrent('--monitor-pid of a process that does not serve the target', () => {
  let server: RunningService;
  let url: string;
  beforeAll(async () => {
    server = await startService('flat', ['--port', '0'], /listening on/);
    url = `${/http:\/\/\S+/.exec(server.line)![0]}/`;
  });
  afterAll(() => server.stop());

  it('warns that it does not own the listening socket and names the pid that does; the right pid gets no warning', async () => {
    const idle = bystander();
    try {
      const port = new URL(url).port;
      const args = ['quick', url, '-d', '2s', '-c', '2', '--monitor-interval', '250ms'];
      const wrongJson = join(dir.path, 'wrong.json');
      const rightJson = join(dir.path, 'right.json');
      const wrong = await runCli([...args, '--monitor-pid', String(idle.pid), '-o', `json=${wrongJson}`]);
      expect(wrong.code, explain(wrong)).toBe(0);
      const ownerWarning =
        `pid ${idle.pid} (sleep) does not own the socket listening on 127.0.0.1:${port} ` +
        `(pid ${server.pid}, node, does): the figures may be of the wrong process; use --monitor-pid ${server.pid}`;
      expect(wrong.stderr, explain(wrong)).toContain(`squall: warning: ${ownerWarning}`);
      const wrongDoc = readResult(wrongJson, wrong);
      const warnings = wrongDoc.monitor!.warnings ?? [];
      expect(warnings).toContain(ownerWarning);
      // Idle under load: said when the load got enough responses for the CPU to show.
      const responses = wrongDoc.monitor!.samples.at(-1)?.reqs ?? 0;
      if (responses >= IDLE_MIN_RESPONSES) {
        expect(
          warnings.some((x) => x.startsWith(`pid ${idle.pid} (sleep) used almost no CPU`)),
          warnings.join('\n'),
        ).toBe(true);
      }

      // The right pid, through `squall run` and its test file's target: no warning.
      const test = join(dir.path, 'right.yaml');
      writeFileSync(
        test,
        [
          `target: ${url}`,
          'vus: 2',
          'duration: 2s',
          'users:',
          '  - name: Reader',
          '    flow:',
          '      - get: /',
          '',
        ].join('\n'),
      );
      const right = await runCli([
        'run',
        test,
        '--monitor-interval',
        '250ms',
        '--monitor-pid',
        String(server.pid),
        '--leak-budget',
        '2MiB/min',
        '-o',
        `json=${rightJson}`,
      ]);
      expect(right.code, explain(right)).toBe(0);
      expect(right.stderr, explain(right)).toMatch(
        new RegExp(`squall: monitoring pid ${server.pid} \\(node\\) every`),
      );
      expect(right.stderr, explain(right)).not.toContain('warning:');
      const rightDoc = readResult(rightJson, right);
      expect(rightDoc.monitor!.warnings).toEqual([]);
      expect(rightDoc.config.monitor).toMatchObject({
        pid: server.pid,
        tree: true,
        leakBudgetMbPerHour: 120,
      });
      expectRequestCounts(rightDoc);
    } finally {
      kill(idle);
    }
  });

  it('a watched pid killed mid-run: exit 1 with the time it went, the results still written', async () => {
    const doomed = bystander();
    const json = join(dir.path, 'died.json');
    try {
      const cli = startCli([
        'quick',
        url,
        '-d',
        '3s',
        '-c',
        '2',
        '--monitor-interval',
        '200ms',
        '--monitor-pid',
        String(doomed.pid),
        '-o',
        `json=${json}`,
      ]);
      await cli.waitFor('stderr', /squall: monitoring pid/);
      setTimeout(() => kill(doomed), 700);
      const run = await cli.result;
      expect(run.code, explain(run)).toBe(1);
      expect(run.stderr, explain(run)).toMatch(
        new RegExp(
          `error SQ_MONITOR_EXITED: --monitor-pid ${doomed.pid} went away [\\d.]+ s into the run, while it was in use`,
        ),
      );
      expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
      const doc = readResult(json, run);
      const exit = doc.monitor!.exit!;
      expect(exit).toMatchObject({ code: null, signal: null });
      expect(exit.atSec).toBeGreaterThan(0);
      expect(run.stderr).toContain(`went away ${Math.round(exit.atSec * 10) / 10} s`);
      expect(doc.passed).toBe(false);
      // The load ran on: the run is as long as asked, the monitor's samples stop at the death.
      for (const s of doc.monitor!.samples) expect(s.t).toBeLessThanOrEqual(exit.atSec);
    } finally {
      kill(doomed);
    }
  });
});

describe.concurrent('squall monitor --pid', () => {
  it('samples without a load carry no request count; a --pid that goes away is exit 1', async () => {
    const doomed = bystander();
    const json = join(dir.path, 'monitor.json');
    // No -d: it watches until the process goes, which is killed once it is watched.
    const cli = startCli([
      'monitor',
      '--pid',
      String(doomed.pid),
      '--interval',
      '200ms',
      '-o',
      `json=${json}`,
    ]);
    await cli.waitFor('stderr', /squall monitor: watching pid/);
    setTimeout(() => kill(doomed), 600);
    const run = await cli.result;
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr, explain(run)).toMatch(
      new RegExp(`error SQ_MONITOR_EXITED: --pid ${doomed.pid} went away [\\d.]+ s into monitoring`),
    );
    const doc = readResult(json, run);
    expect(doc.monitor!.exit).not.toBeNull();
    expect(doc.monitor!.samples.length).toBeGreaterThan(0);
    for (const s of doc.monitor!.samples) expect(s).not.toHaveProperty('reqs');
  });
});

describe.concurrent('--leak-budget', () => {
  it('is recorded as MiB per hour in the config of quick and squall monitor', async () => {
    const idle = bystander();
    try {
      const qJson = join(dir.path, 'budget-q.json');
      const mJson = join(dir.path, 'budget-m.json');
      const { startTarget } = await import('../helpers/target-server.js');
      const target = await startTarget();
      try {
        const [q, m] = await Promise.all([
          runCli([
            'quick',
            target.url,
            '-n',
            '20',
            '-c',
            '1',
            '--monitor-pid',
            String(idle.pid),
            '--leak-budget',
            '2MiB/min',
            '-o',
            `json=${qJson}`,
          ]),
          runCli([
            'monitor',
            '--pid',
            String(idle.pid),
            '-d',
            '1s',
            '--interval',
            '250ms',
            '--leak-budget',
            '1GiB/h',
            '-o',
            `json=${mJson}`,
          ]),
        ]);
        expect(q.code, explain(q)).toBe(0);
        expect(m.code, explain(m)).toBe(0);
        expect(readResult(qJson, q).config.monitor).toMatchObject({ leakBudgetMbPerHour: 120 });
        expect(readResult(mJson, m).config).toMatchObject({ leakBudgetMbPerHour: 1024 });
      } finally {
        await target.close();
      }
    } finally {
      kill(idle);
    }
  });

  it.each([
    [
      [
        'quick',
        'http://127.0.0.1:9/',
        '-n',
        '1',
        '--monitor-pid',
        String(process.pid),
        '--leak-budget',
        '100MB',
      ],
    ],
    [['monitor', '--pid', String(process.pid), '-d', '1s', '--leak-budget', 'lots/h']],
  ])('a bad value is exit 2 naming the flag, the value and an example: %j', async (args) => {
    const run = await runCli(args);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(
      /^error SQ_USAGE_BAD_FLAG: --leak-budget "(100MB|lots\/h)" is not a memory growth rate; .*--leak-budget 100MB\/h/m,
    );
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
  });

  it('without a process to watch: exit 2, as the other stray monitor flags', async () => {
    const run = await runCli(['quick', 'http://127.0.0.1:9/', '-n', '1', '--leak-budget', '100MB/h']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toContain(
      "--leak-budget needs the process to watch: add --monitor-pid PID or --monitor-cmd 'COMMAND'",
    );
  });

  it('--no-monitor-tree without a pid, or with --monitor-cmd: exit 2 naming it', async () => {
    const stray = await runCli(['quick', 'http://127.0.0.1:9/', '-n', '1', '--no-monitor-tree']);
    expect(stray.code, explain(stray)).toBe(2);
    expect(stray.stderr, explain(stray)).toContain('--no-monitor-tree needs the process to watch');
    const withCmd = await runCli([
      'quick',
      'http://127.0.0.1:9/',
      '-n',
      '1',
      '--monitor-cmd',
      'true',
      '--no-monitor-tree',
    ]);
    expect(withCmd.code, explain(withCmd)).toBe(2);
    expect(withCmd.stderr, explain(withCmd)).toMatch(/--no-monitor-tree is about --monitor-pid/);
  });
});
