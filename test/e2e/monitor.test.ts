import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { processTree } from '../../src/monitor/procfs.js';
import { freePort, type RunningService, serviceCmd, startService } from '../fixtures/services/services.js';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * `squall monitor` through the built CLI: attach by pid, start a command, a crash in use, Ctrl-C,
 * thresholds on the target's figures, and bad input.
 */

beforeAll(requireBuiltCli);

/** A result folder, removed when the test ends (each test its own: they run side by side). */
function outDir(t: TestContext): string {
  const d = tempDir('squall-monitor-');
  t.onTestFinished(() => d.remove());
  return d.path;
}

/** A service to watch, stopped when the test ends. */
async function flatService(t: TestContext): Promise<RunningService> {
  const s = await startService('flat', ['--port', '0'], /listening on/);
  t.onTestFinished(() => s.stop());
  return s;
}

/** Processes anywhere on the machine whose command line holds `needle` (a unique port). */
async function processesWith(needle: string): Promise<number[]> {
  return (await processTree(1)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

describe('squall monitor', () => {
  // Each watches its own process and asserts on its memory, exit and output, none on speed: the
  // five go side by side, so the file lasts about as long as the longest (the 7-s leak).
  it.concurrent('--pid samples a running process, judges it and leaves it running', async (t) => {
    const svc = await flatService(t);
    const json = join(outDir(t), 'r.json');
    const run = await runCli([
      'monitor',
      '--pid',
      String(svc.pid),
      '-d',
      '3s',
      '--interval',
      '250ms',
      '--warmup',
      '1s',
      '-o',
      `json=${json}`,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const doc = readResult(json, run);
    const mon = doc.monitor!;
    expect(mon.pid).toBe(svc.pid);
    expect(mon.samples.length, explain(run)).toBeGreaterThan(0);
    for (const s of mon.samples) expect(s.t).toBeLessThanOrEqual(doc.durationSec);
    expect(mon.verdict).toBeDefined();
    expect(mon.reasons.length).toBeGreaterThan(0);
    // A pid is summed with its children by default (issue 12); this one has none.
    expect(mon.tree).toBe(true);
    expect(mon.warmupSec).toBe(1);
    expect(doc.config).toMatchObject({ command: 'monitor', pid: svc.pid, cmd: null });
    expect(doc.metrics.http_reqs.count).toBe(0);
    expect(doc.endpoints).toEqual([]);
    expect(doc.endReason).toBe('completed');
    expect(doc.passed).toBe(true);
    // The process is untouched, and its memory is what it reports of itself.
    expect(svc.child.exitCode).toBeNull();
    if (process.platform === 'linux') {
      const vmRssKb = Number(/^VmRSS:\s*(\d+)/m.exec(readFileSync(`/proc/${svc.pid}/status`, 'utf8'))![1]);
      expect(Math.abs(mon.rssEndMb - vmRssKb / 1024) / mon.rssEndMb).toBeLessThan(0.2);
    }
    expect(run.stdout).toContain('TARGET PROCESS');
    expect(run.stdout).toContain(`pid ${svc.pid}`);
    expect(run.stderr).toContain(`squall monitor: watching pid ${svc.pid}`);
    expect(run.stderr).toContain(`wrote ${json}`);
  });

  it.concurrent('--cmd starts a leaking service, fails its growth threshold with 99, and stops it', async (t) => {
    const port = await freePort();
    const json = join(outDir(t), 'leak.json');
    const run = await runCli(
      [
        'monitor',
        '--cmd',
        serviceCmd('leaky', ['--port', String(port), '--kb', '256', '--every-ms', '100']),
        '--ready',
        `http://127.0.0.1:${port}/`,
        '-d',
        '7s',
        '--interval',
        '500ms',
        '--warmup',
        '2s',
        '--threshold',
        'target_rss_growth_mb_per_min:value<5',
        '--threshold',
        'target_leak_suspected:value==0',
        '--threshold',
        'target_memory_leak_suspected:value==0',
        '-o',
        `json=${json}`,
      ],
      { timeoutMs: 40_000 },
    );
    expect(run.code, explain(run)).toBe(99);
    const doc = readResult(json, run);
    const mon = doc.monitor!;
    expect(mon.verdict, mon.reasons.join('\n')).toBe('leak');
    expect(mon.cmd).toContain('leaky.mjs');
    expect(mon.tree).toBe(true);
    expect(mon.exit).toBeNull();
    expect(doc.thresholds).toEqual([
      {
        metric: 'target_rss_growth_mb_per_min',
        expr: 'value<5',
        ok: false,
        actual: mon.rssGrowthMbPerMin,
        aggregation: 'value',
      },
      { metric: 'target_leak_suspected', expr: 'value==0', ok: false, actual: 1, aggregation: 'value' },
      {
        metric: 'target_memory_leak_suspected',
        expr: 'value==0',
        ok: false,
        actual: 1,
        aggregation: 'value',
      },
    ]);
    expect(doc.passed).toBe(false);
    // Documents with per-resource verdicts name the leaking resources; older ones said memory.
    expect(run.stdout).toMatch(/✗ (memory leak suspected|leak suspected: memory)/);
    if (process.platform === 'linux') expect(await processesWith(`--port\0${port}`)).toEqual([]);
  });

  it.concurrent('--cmd reports a service that dies in use: exit 1 with its code and last output, results written', async (t) => {
    const port = await freePort();
    const json = join(outDir(t), 'crash.json');
    const run = await runCli([
      'monitor',
      '--cmd',
      serviceCmd('exits', ['--port', String(port), '--after-ms', '1500', '--code', '3']),
      '--ready',
      `http://127.0.0.1:${port}/`,
      '-d',
      '20s',
      '--interval',
      '250ms',
      '-o',
      `json=${json}`,
    ]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toContain('error SQ_MONITOR_EXITED:');
    expect(run.stderr).toMatch(
      /--cmd '.*exits\.mjs.*' exited with code 3 [\d.]+ s into the run, while it was in use/,
    );
    expect(run.stderr).toContain('| fatal: simulated crash, exiting with code 3');
    expect(hasStackTrace(run.stderr)).toBe(false);
    const doc = readResult(json, run);
    expect(doc.monitor!.exit).toMatchObject({ code: 3, signal: null });
    expect(doc.monitor!.exit!.tail).toContain('fatal: simulated crash, exiting with code 3');
    // It ended when the service did, not after the 20 s asked for.
    expect(doc.durationSec).toBeLessThan(20);
  });

  it.concurrent('Ctrl-C ends monitoring early and still writes the results (exit 130)', async (t) => {
    const svc = await flatService(t);
    const json = join(outDir(t), 'int.json');
    const run = await runCli(
      ['monitor', '--pid', String(svc.pid), '--interval', '200ms', '-o', `json=${json}`],
      {
        signal: { name: 'SIGINT', whenStderr: /squall monitor: watching/, afterMs: 1200 },
      },
    );
    expect(run.code, explain(run)).toBe(130);
    const doc = readResult(json, run);
    expect(doc.endReason).toBe('interrupted');
    expect(doc.monitor!.pid).toBe(svc.pid);
    expect(doc.monitor!.samples.length).toBeGreaterThan(0);
    expect(svc.child.exitCode).toBeNull();
  });

  it.concurrent('--cmd that never gets ready: exit 1 with the probe and the output tail', async () => {
    const port = await freePort();
    const run = await runCli([
      'monitor',
      '--cmd',
      serviceCmd('never-ready'),
      '--ready',
      `http://127.0.0.1:${port}/health`,
      '--ready-timeout',
      '1500ms',
      '-d',
      '5s',
    ]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toContain('error SQ_MONITOR_START:');
    expect(run.stderr).toContain('was not ready within 1.5s');
    expect(run.stderr).toContain('| starting never-ready service');
    expect(run.stderr).toContain('  --> flag --cmd');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  describe('bad input: exit 2 with a message naming the flag', () => {
    const cases: Array<[string, string[], RegExp]> = [
      [
        'neither --pid nor --cmd',
        ['monitor', '-d', '1s'],
        /error SQ_USAGE_MISSING_ARG: squall monitor needs the process to watch/,
      ],
      [
        'both --pid and --cmd',
        ['monitor', '--pid', '1', '--cmd', 'true'],
        /error SQ_USAGE_BAD_FLAG: --pid and --cmd were both given/,
      ],
      ['a --pid that is not a number', ['monitor', '--pid', 'abc'], /--pid "abc" is not a whole number/],
      [
        '--ready without --cmd',
        ['monitor', '--pid', '1', '--ready', 'http://127.0.0.1:1/'],
        /--ready is about a service squall starts, so it needs --cmd/,
      ],
      [
        '--ready-timeout without --cmd',
        ['monitor', '--pid', '1', '--ready-timeout', '2s'],
        /--ready-timeout is about a service squall starts, so it needs --cmd/,
      ],
      [
        'a bad --interval',
        ['monitor', '--pid', '1', '--interval', '10ms'],
        /--interval "10ms" is shorter than 100ms/,
      ],
      ['a bad --warmup', ['monitor', '--pid', '1', '--warmup', 'soon'], /--warmup "soon" is not a duration/],
      [
        'a threshold on an unknown metric',
        ['monitor', '--pid', '1', '--threshold', 'target_rss_peak_md:value<5'],
        /error SQ_THRESHOLD_UNKNOWN_METRIC: .*'target_rss_peak_md'.*did you mean 'target_rss_peak_mb'/,
      ],
      [
        'a threshold with tags',
        ['monitor', '--pid', '1', '--threshold', 'target_rss_peak_mb{name:x}:value<5'],
        /target metrics of squall monitor have none/,
      ],
    ];
    // Refusals before anything is watched measure nothing: side by side (as run-invalid.test.ts),
    // since starting the CLI is most of each.
    it.concurrent.each(cases)('%s', async (_name, args, message) => {
      const run = await runCli(args);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(hasStackTrace(run.stderr)).toBe(false);
    });

    it('a --pid that runs no process', async (t) => {
      const svc = await flatService(t);
      await svc.stop();
      const run = await runCli(['monitor', '--pid', String(svc.pid), '-d', '1s']);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toContain(
        `error SQ_MONITOR_NO_PROCESS: --pid ${svc.pid}: no process with pid ${svc.pid} is running`,
      );
      expect(run.stderr).toContain('  --> flag --pid');
    });
  });

  it('--help shows examples', async () => {
    const run = await runCli(['monitor', '--help']);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toContain('Usage: squall monitor');
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('target_rss_growth_mb_per_min');
  });
});
