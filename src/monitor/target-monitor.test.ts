import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort, serviceCmd, startService } from '../../test/fixtures/services/services.js';
import { serviceExitedError, startTargetMonitor, type TargetMonitor } from './target-monitor.js';

/**
 * The monitor end to end on real services started as `--monitor-cmd` starts them: a crash in use
 * reported with its exit code and last words, a watched pid that goes away. (The verdicts on a
 * leaking and a flat service, measured over 11–14 s, are in test/accuracy/monitor-verdicts.test.ts.)
 */

describe.runIf(process.platform !== 'win32')('startTargetMonitor', () => {
  it('reports a service that exits mid-run with its exit code, time and output', async () => {
    const port = await freePort();
    const afterMs = 1500;
    const mon: TargetMonitor = await startTargetMonitor({
      cmd: serviceCmd('exits', ['--port', String(port), '--after-ms', String(afterMs), '--code', '3']),
      readyUrl: `http://127.0.0.1:${port}/`,
      intervalMs: 200,
      verdict: { warmupMs: 0 },
    });
    const ended = await mon.ended;
    expect(ended).toMatchObject({ code: 3, signal: null });
    const r = await mon.finish();
    expect(r.exit).toEqual(ended);
    expect(r.exit!.tail).toContain('fatal: simulated crash, exiting with code 3');
    // It died after its own delay, counted from a start that preceded monitoring.
    expect(r.exit!.atSec).toBeLessThanOrEqual(afterMs / 1000 + 1);
    expect(
      r.reasons.some((s) =>
        s.startsWith(`the service exited with code 3 ${r.exit!.atSec.toFixed(1)} s into`),
      ),
    ).toBe(true);
    for (const s of r.samples) expect(s.t).toBeLessThanOrEqual(r.exit!.atSec + 0.5);
    const err = serviceExitedError(r)!;
    expect(err.code).toBe('SQ_MONITOR_EXITED');
    expect(err.message).toContain('exited with code 3');
    expect(err.message).toContain('| fatal: simulated crash, exiting with code 3');
  });

  it('attaches to a running process by pid, leaves it running, and notices when it goes away', async () => {
    const svc = await startService('flat', ['--port', '0'], /listening on/);
    try {
      const mon = await startTargetMonitor({ pid: svc.pid, intervalMs: 200, verdict: { warmupMs: 0 } });
      while (mon.sampler.samples.length < 3) await sleep(100);
      await svc.stop();
      const ended = await mon.ended;
      expect(ended).toMatchObject({ code: null, signal: null, tail: [] });
      const r = await mon.finish();
      expect(r.pid).toBe(svc.pid);
      // A pid is followed with its children by default (a wrapper's child is the service).
      expect(r.tree).toBe(true);
      expect(r.cmd).toBeNull();
      expect(r.exit).toEqual(ended);
      expect(r.reasons.some((s) => s.startsWith('the process went away'))).toBe(true);
      // It fails the run like a started service that died, with the time it went.
      const err = serviceExitedError(r);
      expect(err?.code).toBe('SQ_MONITOR_EXITED');
      expect(err?.message).toMatch(
        new RegExp(`^--monitor-pid ${svc.pid} went away [\\d.]+ s into the run, while it was in use`),
      );
    } finally {
      await svc.stop();
    }
  });

  it('stops sampling a pid at finish() without touching the process', async () => {
    const svc = await startService('flat', ['--port', '0'], /listening on/);
    try {
      const mon = await startTargetMonitor({ pid: svc.pid, intervalMs: 200 });
      while (mon.sampler.samples.length < 2) await sleep(100);
      const r = await mon.finish();
      expect(r.exit).toBeNull();
      expect(svc.child.exitCode).toBeNull();
      expect(svc.child.signalCode).toBeNull();
      expect(await mon.finish()).toBe(r);
    } finally {
      await svc.stop();
    }
  });
});
