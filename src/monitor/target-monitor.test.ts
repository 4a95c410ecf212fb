import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { freePort, serviceCmd, startService } from '../../test/fixtures/services/services.js';
import { serviceExitedError, startTargetMonitor, type TargetMonitor } from './target-monitor.js';

/**
 * The monitor end to end on real services started as `--monitor-cmd` starts them: a leak judged
 * a leak at the rate the service itself reports, a flat service under light load judged healthy,
 * and a crash in use reported with its exit code and last words.
 */

const MIB = 1024 * 1024;
/**
 * Long enough for a warm-up and a dozen samples after it; short enough for the suite. A leak
 * shows at once; a Node server under fresh load grows a few MB in its first seconds (JIT, heap
 * sizing), which the flat case's longer warm-up leaves out as a real run's 10 s would.
 */
const INTERVAL_MS = 500;
const LEAK_RUN = { runMs: 11_000, warmupMs: 3_000 };
const FLAT_RUN = { runMs: 14_000, warmupMs: 6_000 };

async function getJson(url: string): Promise<Record<string, number>> {
  const res = await request(url);
  return (await res.body.json()) as Record<string, number>;
}

/** Keeps a trickle of requests going, as a load test would, until stopped. */
function trickle(url: string): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const loop = (async () => {
    while (running) {
      const res = await request(url).catch(() => undefined);
      await res?.body.dump();
      sent++;
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return sent;
    },
  };
}

async function launched(name: 'leaky' | 'flat', warmupMs: number, extra: string[] = []) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const mon = await startTargetMonitor({
    cmd: serviceCmd(name, ['--port', String(port), ...extra]),
    readyUrl: `${base}/`,
    intervalMs: INTERVAL_MS,
    verdict: { warmupMs },
  });
  return { mon, base };
}

describe.runIf(process.platform !== 'win32')('startTargetMonitor', () => {
  // The two long runs are independent and mostly idle, so they share their wait.
  describe.concurrent('verdicts on real services', () => {
    it('judges a leaking service a leak, at the rate the service reports', async () => {
      const { mon, base } = await launched('leaky', LEAK_RUN.warmupMs, ['--kb', '256', '--every-ms', '100']);
      let own: Record<string, number>;
      try {
        await sleep(LEAK_RUN.runMs);
        own = await getJson(`${base}/stats`);
      } finally {
        await mon.finish();
      }
      const r = await mon.finish();
      expect(r.verdict, r.reasons.join('\n')).toBe('leak');
      expect(r.leakSuspected).toBe(true);
      expect(r.settled).toBe(false);
      expect(r.leaks).toContain('memory');
      expect(r.reasons[0]).toMatch(
        /^memory \(RSS\) after the warm-up \([^)]*the first \d+ s\) grows [\d.]+ MiB\/min \(95% CI [\d.]+ to [\d.]+\) and is not slowing/,
      );
      expect(r.warmupSec).toBe(LEAK_RUN.warmupMs / 1000);
      // Every byte the service keeps is resident, so RSS grows at its rate, give or take the heap.
      const ownMbPerMin = own.bytesPerMin! / MIB;
      expect(r.rssGrowthMbPerMin).toBeGreaterThan(0.7 * ownMbPerMin);
      expect(r.rssGrowthMbPerMin).toBeLessThan(1.3 * ownMbPerMin);
      expect(r.rssEndMb - r.rssStartMb).toBeGreaterThan(0.5 * (own.keptBytes! / MIB));
      expect(r.cmd).toContain('leaky.mjs');
      expect(r.tree).toBe(true);
      expect(r.exit).toBeNull();
      expect(r.samples.length).toBeGreaterThan(0);
      expect(r.samples.every((s) => (s.processes ?? 0) >= 1)).toBe(true);
    });

    it('judges a flat service under light load no leak, and healthy only within the budget', async () => {
      const { mon, base } = await launched('flat', FLAT_RUN.warmupMs);
      let sent = 0;
      try {
        const load = trickle(`${base}/items`);
        await sleep(FLAT_RUN.runMs);
        sent = await load.stop();
      } finally {
        await mon.finish();
      }
      const r = await mon.finish();
      expect(sent).toBeGreaterThan(0);
      // Eight seconds after the warm-up cannot always pin a start-up's growth under the budget:
      // healthy then, or inconclusive with how much longer to run; never a leak.
      expect(r.verdict, r.reasons.join('\n')).not.toBe('leak');
      expect(r.leakSuspected).toBe(false);
      expect(r.leaks).toEqual([]);
      const mem = r.resources!.memory;
      if (r.verdict === 'healthy') expect(mem.ciPerMin![1] * 60).toBeLessThanOrEqual(r.leakBudgetMbPerHour!);
      else expect(r.reasons[0]).toMatch(/run (about \d+ min more|longer)/);
      expect(r.cpuPeakPct).toBeGreaterThanOrEqual(r.cpuAvgPct!);
    });
  });

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
