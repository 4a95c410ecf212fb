import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../test/fixtures/services/services.js';
import { isSquallError } from '../errors/index.js';
import { readProc, USER_HZ } from './procfs.js';
import { type Sampler, startSampler } from './sampler.js';

const MIB = 1024 * 1024;
const running: RunningService[] = [];
const samplers: Sampler[] = [];

afterEach(async () => {
  await Promise.all(samplers.splice(0).map((s) => s.stop()));
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(...args: Parameters<typeof startService>): Promise<RunningService> {
  const s = await startService(...args);
  running.push(s);
  return s;
}

async function sampler(opts: Parameters<typeof startSampler>[0]): Promise<Sampler> {
  const s = await startSampler(opts);
  samplers.push(s);
  return s;
}

/** Resolves once the sampler holds at least n samples. */
async function samples(s: Sampler, n: number): Promise<void> {
  while (s.samples.length < n) await sleep(s.intervalMs / 2);
}

describe.runIf(process.platform === 'linux')('startSampler on Linux (/proc)', () => {
  it('sums a parent and its children in tree mode, and reads the parent alone otherwise', async () => {
    const children = 3;
    const mbEach = 24;
    const svc = await start('tree', ['--children', String(children), '--mb', String(mbEach)], /^ready /);
    const childPids = /children=([\d,]+)/.exec(svc.line)![1]!.split(',').map(Number);
    expect(childPids).toHaveLength(children);

    const tree = await sampler({ pid: svc.pid, tree: true, intervalMs: 200 });
    const single = await sampler({ pid: svc.pid, tree: false, intervalMs: 200 });
    await samples(tree, 3);
    await samples(single, 3);
    // The processes as each reads itself, right after the last samples.
    const own = await Promise.all([svc.pid, ...childPids].map(readProc));
    await tree.stop();
    await single.stop();

    const t = tree.samples[tree.samples.length - 1]!;
    const s = single.samples[single.samples.length - 1]!;
    expect(t.processes).toBe(1 + children);
    expect(s.processes).toBe(1);
    const ownRssMb = own.reduce((a, r) => a + r!.rssBytes, 0) / MIB;
    expect(Math.abs(t.rssMb - ownRssMb) / ownRssMb).toBeLessThan(0.1);
    // Threads and descriptors are summed too (a process has several of each, so ±2 still shows
    // the sum, and allows for a libuv thread or a socket coming and going between readings).
    expect(Math.abs(t.threads! - own.reduce((a, r) => a + r!.threads, 0))).toBeLessThanOrEqual(2);
    expect(Math.abs(t.fds! - own.reduce((a, r) => a + r!.fds!, 0))).toBeLessThanOrEqual(2);
    expect(t.threads!).toBeGreaterThan(s.threads! + children);
    // Each child holds what it was told to, so the tree is bigger than the parent by at least that.
    expect(t.rssMb - s.rssMb).toBeGreaterThanOrEqual(children * mbEach);
    expect(Math.abs(s.rssMb - own[0]!.rssBytes / MIB) / s.rssMb).toBeLessThan(0.1);
  });

  it("measures CPU as the process's own CPU time over wall time", async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    await once(busy, 'spawn');
    try {
      const ticks = () => {
        const f = readFileSync(`/proc/${busy.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(f[11]) + Number(f[12]);
      };
      const s = await sampler({ pid: busy.pid!, intervalMs: 250 });
      const before = { ticks: ticks(), at: performance.now() };
      await samples(s, 6);
      const after = { ticks: ticks(), at: performance.now() };
      await s.stop();
      const ownPct = ((after.ticks - before.ticks) / USER_HZ / ((after.at - before.at) / 1000)) * 100;
      const cpu = s.samples.map((x) => x.cpuPct);
      const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
      expect(ownPct).toBeGreaterThan(0);
      expect(Math.abs(mean - ownPct)).toBeLessThan(20);
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('ends cleanly when the process goes away', async () => {
    const svc = await start('flat', ['--port', '0'], /listening on/);
    const s = await sampler({ pid: svc.pid, intervalMs: 200 });
    await samples(s, 2);
    const taken = s.samples.length;
    await svc.stop();
    const end = await s.done;
    expect(end.reason).toBe('gone');
    expect(s.samples.length).toBeGreaterThanOrEqual(taken);
    expect(end.atSec).toBeGreaterThanOrEqual(s.samples[s.samples.length - 1]!.t);
    // Stopping an ended sampler changes nothing.
    expect(await s.stop()).toEqual(end);
  });
});

describe('startSampler, any platform', () => {
  it('reads RSS and CPU through pidusage, with threads and fds unknown', async () => {
    const svc = await start('flat', ['--port', '0'], /listening on/);
    const s = await sampler({ pid: svc.pid, intervalMs: 200, source: 'pidusage' });
    await samples(s, 3);
    await s.stop();
    expect(s.source).toBe('pidusage');
    const last = s.samples[s.samples.length - 1]!;
    expect(last).toMatchObject({ threads: null, fds: null, vszMb: null, processes: 1 });
    expect(last.rssMb).toBeGreaterThan(0);
    if (process.platform === 'linux') {
      const own = (await readProc(svc.pid))!;
      expect(Math.abs(last.rssMb - own.rssBytes / MIB) / last.rssMb).toBeLessThan(0.2);
    }
  });

  it('refuses a pid that runs no process', async () => {
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(gone, 'exit');
    const err = await startSampler({ pid: gone.pid! }).catch((e: unknown) => e);
    expect(isSquallError(err) && err.code).toBe('SQ_MONITOR_NO_PROCESS');
    expect((err as Error).message).toContain(String(gone.pid));
  });
});
