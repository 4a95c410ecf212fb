import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningService, serviceCmd, startService } from '../fixtures/services/services.js';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * `--monitor-cmd` / `--monitor-pid` on `squall quick` and `squall run`: the service under test is
 * started (or attached to), sampled while the load runs, stopped, and judged; its death, or a
 * start that never gets ready, is reported with its own words; and squall says when its own
 * figures measure squall rather than the target.
 */

const dir = tempDir();
beforeAll(requireBuiltCli);
afterAll(() => dir.remove());

/** The leak of leaky.mjs per minute, from its own settings: kb KiB every everyMs. */
const leakMbPerMin = (kb: number, everyMs: number) => ((kb / 1024) * (60_000 / everyMs)) as number;

// A leaking service, one that dies and one that never starts: each run watches its own, and
// nothing in them is timed closely, so the three go side by side (two concurrent suites).
describe.concurrent('squall run --monitor-cmd', () => {
  it('judges a leaking service as leaking, at the rate it leaks, and fails the growth budget', async () => {
    const port = await freePort();
    const test = join(dir.path, 'leak.yaml');
    writeFileSync(
      test,
      [
        `target: http://127.0.0.1:${port}`,
        'vus: 2',
        'duration: 7s',
        'users:',
        '  - name: Reader',
        '    flow:',
        '      - get: /',
        '      - think: 50ms',
        '',
      ].join('\n'),
    );
    const out = join(dir.path, 'leak.json');
    const run = await runCli(
      [
        'run',
        test,
        '--monitor-cmd',
        serviceCmd('leaky', ['--port', String(port), '--kb', '256', '--every-ms', '100']),
        // 150 MB/min: seven seconds at two samples a second pin it (as in monitor.test.ts).
        '--monitor-interval',
        '500ms',
        '--monitor-warmup',
        '2s',
        '--threshold',
        'target_rss_growth_mb_per_min:value<5',
        '-o',
        `json=${out}`,
      ],
      { timeoutMs: 60_000 },
    );
    expect(run.code, explain(run)).toBe(99);
    const r = readResult(out, run);
    const m = r.monitor!;
    expect(m.verdict, explain(run)).toBe('leak');
    expect(m.leakSuspected).toBe(true);
    const expected = leakMbPerMin(256, 100);
    expect(m.rssGrowthMbPerMin).toBeGreaterThan(expected * 0.6);
    expect(m.rssGrowthMbPerMin).toBeLessThan(expected * 1.4);
    expect(m.samples.length).toBeGreaterThanOrEqual(10);
    expect(m.cmd).toContain('leaky.mjs');
    expect(r.thresholds).toEqual([
      {
        metric: 'target_rss_growth_mb_per_min',
        expr: 'value<5',
        ok: false,
        actual: m.rssGrowthMbPerMin,
        aggregation: 'value',
      },
    ]);
    // The load reached the service squall started, and the summary says what was found.
    expect(r.metrics.http_reqs.count).toBeGreaterThan(0);
    expect(r.metrics.http_req_failed.fails).toBe(0);
    expect(run.stdout).toMatch(/TARGET PROCESS/);
    expect(run.stdout).toMatch(/leak suspected/);
  });
});

describe.concurrent('squall quick --monitor-cmd: a service that dies or never starts', () => {
  it('reports a service that dies under load with its exit code and last words, and still writes the result', async () => {
    const port = await freePort();
    const out = join(dir.path, 'exits.json');
    const run = await runCli(
      [
        'quick',
        '-c',
        '2',
        '-d',
        '4s',
        '--monitor-cmd',
        serviceCmd('exits', ['--port', String(port), '--after-ms', '2000', '--code', '3']),
        '-o',
        `json=${out}`,
        '-o',
        `md=${out}.md`,
        `http://127.0.0.1:${port}/`,
      ],
      { timeoutMs: 60_000 },
    );
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr, explain(run)).toMatch(
      /error SQ_MONITOR_EXITED: --monitor-cmd '.*exits\.mjs.*' exited with code 3/,
    );
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    const r = readResult(out, run);
    expect(r.monitor?.exit?.code).toBe(3);
    // It died 2 s after it started, before the 4 s of load ended.
    expect(r.monitor?.exit?.atSec).toBeGreaterThan(1);
    expect(r.monitor?.exit?.atSec).toBeLessThan(4);
    // Its last words (printed to stderr before exiting) are in the document and the message.
    const last = r.monitor!.exit!.tail.at(-1)!;
    expect(last.length).toBeGreaterThan(0);
    expect(run.stderr).toContain(last);
    // The load went on against the dead service: its refusals are counted, not fatal.
    expect(r.metrics.http_req_failed.fails).toBeGreaterThan(0);
    // No threshold failed, yet the run did: every report says so (a CI summary must not be green).
    expect(r.thresholds).toEqual([]);
    expect(r.passed).toBe(false);
    expect(run.stdout).toContain('FAILED: the service under test exited while in use');
    const md = readFileSync(`${out}.md`, 'utf8');
    expect(md).toMatch(/^### ❌ squall failed: the service under test exited/m);
    // A service that died is never called healthy: it died, unless a leak was found first.
    expect(md).toMatch(/^❌ \*\*(Died\*\*: the service exited with code 3 |Leak suspected)/m);
    expect(md).not.toMatch(/Healthy/);
    expect(run.stdout).not.toContain('✓ healthy');
  });

  it('gives a clear error, with the service output, when it never becomes ready', async () => {
    const port = await freePort();
    const run = await runCli(
      [
        'quick',
        '-d',
        '5s',
        '--monitor-cmd',
        serviceCmd('never-ready'),
        '--monitor-ready-timeout',
        '2s',
        `http://127.0.0.1:${port}/`,
      ],
      { timeoutMs: 30_000 },
    );
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr, explain(run)).toMatch(/error SQ_MONITOR_START: /);
    expect(run.stderr, explain(run)).toContain(`127.0.0.1:${port}`);
    expect(run.stderr, explain(run)).toContain('waiting for the database at 127.0.0.1:1');
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
  });
});

describe('squall quick --monitor-cmd', () => {
  it('judges a flat service no leak and passes the same budget', async () => {
    const port = await freePort();
    const out = join(dir.path, 'flat.json');
    const run = await runCli(
      [
        'quick',
        '-R',
        '50',
        '-d',
        '10s',
        '--monitor-cmd',
        serviceCmd('flat', ['--port', String(port)]),
        // A Node server grows a few MB in its first seconds under load (JIT, heap sizing): the
        // warm-up leaves them out, and twice the samples narrow the slope's interval. After 4 s,
        // six 10-s runs on a loaded 2-core machine measured 0–2.4 MB/min, under the 5 of the budget.
        '--monitor-warmup',
        '4s',
        '--monitor-interval',
        '500ms',
        '--threshold',
        'target_rss_growth_mb_per_min:value<5',
        '--threshold',
        'target_rss_peak_mb:value<1024',
        '-o',
        `json=${out}`,
        `http://127.0.0.1:${port}/`,
      ],
      { timeoutMs: 60_000 },
    );
    const r = readResult(out, run);
    // Six seconds after the warm-up may not pin a Node server's start-up growth under the leak
    // budget: healthy then, or inconclusive with how long to run; never a leak. The resource left
    // uncertain need not be memory (a CI run had memory settled and another resource unsure), so
    // some reason, not the first, says how long to run.
    expect(r.monitor?.verdict, explain(run)).not.toBe('leak');
    expect(r.monitor?.leakSuspected).toBe(false);
    if (r.monitor?.verdict === 'inconclusive')
      expect(r.monitor.reasons.join('\n'), explain(run)).toMatch(/run (about \d+ min more|longer)/);
    expect(
      r.thresholds.every((t) => t.ok),
      explain(run),
    ).toBe(true);
    expect(run.code, explain(run)).toBe(0);
    const peak = Math.max(...r.monitor!.samples.map((s) => s.rssMb));
    expect(r.monitor!.rssPeakMb).toBe(peak);
    expect(r.config.monitor).toMatchObject({ cmd: expect.stringContaining('flat.mjs'), tree: true });
  });
});

describe('squall quick --monitor-pid', () => {
  let service: RunningService;
  let port: number;
  beforeAll(async () => {
    service = await startService('flat', ['--port', '0'], /listening on .*:(\d+)/);
    port = Number(/:(\d+)/.exec(service.line)![1]);
  });
  afterAll(() => service.stop());

  it('samples a running process during the load and leaves it running', async () => {
    const out = join(dir.path, 'pid.json');
    const run = await runCli(
      [
        'quick',
        '-c',
        '2',
        '-d',
        '3s',
        '--monitor-pid',
        String(service.pid),
        '-o',
        `json=${out}`,
        `http://127.0.0.1:${port}/`,
      ],
      { timeoutMs: 30_000 },
    );
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    expect(r.monitor?.pid).toBe(service.pid);
    expect(r.monitor!.samples.length).toBeGreaterThanOrEqual(2);
    expect(r.monitor!.samples.every((s) => s.rssMb > 0)).toBe(true);
    // Under load the service used CPU, and squall saw it.
    expect(r.monitor!.cpuPeakPct).toBeGreaterThan(0);
    expect(service.child.exitCode).toBeNull();
    expect(() => process.kill(service.pid, 0)).not.toThrow();
  });

  // Refusals before any load measure nothing: side by side, since starting the CLI is most of each.
  describe.concurrent('refusals', () => {
    it('refuses a budget on the target when no process is watched', async () => {
      const run = await runCli([
        'quick',
        '-n',
        '10',
        '--threshold',
        'target_rss_peak_mb:value<100',
        `http://127.0.0.1:${port}/`,
      ]);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toContain('no process is monitored; add --monitor-pid PID or --monitor-cmd');
    });

    it('refuses readiness settings for a process it did not start', async () => {
      const run = await runCli([
        'quick',
        '-n',
        '10',
        '--monitor-pid',
        String(service.pid),
        '--monitor-ready-timeout',
        '2s',
        `http://127.0.0.1:${port}/`,
      ]);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toContain(
        '--monitor-ready-timeout is about a service squall starts, so it needs --monitor-cmd',
      );
    });

    it('names the flag when the pid to watch does not run, before any load', async () => {
      // A pid from a process that has just ended: nothing runs under it now.
      const gone = await startService('flat', ['--port', '0'], /listening on/);
      await gone.stop();
      const run = await runCli([
        'quick',
        '-n',
        '10',
        '--monitor-pid',
        String(gone.pid),
        `http://127.0.0.1:${port}/`,
      ]);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toContain(
        `error SQ_MONITOR_NO_PROCESS: --monitor-pid ${gone.pid}: no process with pid ${gone.pid}`,
      );
      expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    });

    it('refuses monitor settings without a process to watch', async () => {
      const run = await runCli(['quick', '-n', '10', '--monitor-tree', `http://127.0.0.1:${port}/`]);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toContain('--monitor-tree needs the process to watch');
    });
  });
});

describe("squall's own health", () => {
  it('says the figures measure squall when a CPU-bound flow starves it', async () => {
    const target = await startService('flat', ['--port', '0'], /listening on .*:(\d+)/);
    try {
      const p = Number(/:(\d+)/.exec(target.line)![1]);
      const test = join(dir.path, 'busy.ts');
      // Each iteration burns 200 ms of CPU on squall's thread before its request.
      writeFileSync(
        test,
        [
          "import { defineTest } from 'squall';",
          'export default defineTest({',
          `  target: 'http://127.0.0.1:${p}',`,
          '  vus: 4,',
          // Busy from the start: four seconds hold the two saturated ones the verdict needs.
          "  duration: '4s',",
          "  users: [{ name: 'Busy', async run({ http }) {",
          '    const end = Date.now() + 200;',
          '    while (Date.now() < end) {}',
          "    await http.get('/');",
          '  } }],',
          '});',
          '',
        ].join('\n'),
      );
      const out = join(dir.path, 'busy.json');
      const run = await runCli(['run', test, '-o', `json=${out}`], { timeoutMs: 60_000 });
      expect(run.code, explain(run)).toBe(0);
      const r = readResult(out, run);
      expect(r.generator?.saturated, explain(run)).toBe(true);
      expect(r.generator!.reasons.length).toBeGreaterThan(0);
      expect(run.stdout).toMatch(/measure squall/i);

      // The same target under a light open-model load: squall is far from busy.
      const light = join(dir.path, 'light.json');
      const calm = await runCli([
        'quick',
        '-R',
        '50',
        '-d',
        '3s',
        '-o',
        `json=${light}`,
        `http://127.0.0.1:${p}/`,
      ]);
      expect(calm.code, explain(calm)).toBe(0);
      const l = readResult(light, calm);
      expect(l.generator?.saturated, explain(calm)).toBe(false);
      expect(calm.stdout).not.toMatch(/measure squall/i);
    } finally {
      await target.stop();
    }
  });
});
