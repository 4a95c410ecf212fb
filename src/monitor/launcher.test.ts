import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { freePort, serviceCmd } from '../../test/fixtures/services/services.js';
import { isSquallError, type SquallError } from '../errors/index.js';
import { type LaunchedService, launchService } from './launcher.js';
import { groupMembers, processTree } from './procfs.js';

/** True while any process of the service's group runs (not counting zombies nobody reaps). */
async function groupAlive(pid: number): Promise<boolean> {
  if (process.platform === 'linux') return (await groupMembers(pid)).length > 0;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Descendants of this test process whose command line mentions `needle`. */
async function descendantsRunning(needle: string): Promise<number[]> {
  const pids = (await processTree(process.pid)).slice(1);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

async function startError(p: Promise<LaunchedService>): Promise<SquallError> {
  const e = await p.then(
    async (s) => {
      await s.stop(0);
      throw new Error('the service was reported ready');
    },
    (err: unknown) => err,
  );
  if (!isSquallError(e)) throw e;
  return e;
}

describe.runIf(process.platform !== 'win32')('launchService', () => {
  it('gives up on a service that never becomes ready, with the probe and its output tail', async () => {
    const port = await freePort();
    const readyUrl = `http://127.0.0.1:${port}/health`;
    const cmd = serviceCmd('never-ready');
    const err = await startError(launchService({ cmd, readyUrl, readyTimeoutMs: 1500 }));
    expect(err.code).toBe('SQ_MONITOR_START');
    expect(err.exitCode).toBe(1);
    expect(err.where?.flag).toBe('--monitor-cmd');
    expect(err.message).toContain(`--monitor-cmd '${cmd}' was not ready within 1.5s`);
    expect(err.message).toContain(
      `waiting for ${readyUrl}; last probe: GET ${readyUrl} failed: ECONNREFUSED`,
    );
    // What the service printed, first line and its latest complaints.
    expect(err.message).toContain('| starting never-ready service');
    expect(err.message).toMatch(/\| waiting for the database at 127\.0\.0\.1:1 \(attempt \d+\)/);
    if (process.platform === 'linux') expect(await descendantsRunning('never-ready.mjs')).toEqual([]);
  });

  it('reports a command that exits before it is ready with its exit code and output', async () => {
    const cmd = `echo 'config error: PORT is not set' >&2; exit 7`;
    const err = await startError(
      launchService({ cmd, readyAddress: { host: '127.0.0.1', port: await freePort() } }),
    );
    expect(err.code).toBe('SQ_MONITOR_START');
    expect(err.message).toContain('exited with code 7 before it was ready');
    expect(err.message).toContain('| config error: PORT is not set');
  });

  it('reports a command killed by a signal before it is ready', async () => {
    const err = await startError(launchService({ cmd: 'echo about to die; kill -9 $$', flag: '--cmd' }));
    expect(err.message).toContain(
      "--cmd 'echo about to die; kill -9 $$' was killed by SIGKILL before it was ready",
    );
    expect(err.message).toContain('| about to die');
  });

  it('waits for a TCP port, then stops the whole process group on request', async () => {
    const port = await freePort();
    // A shell that starts the service in the background and waits: two processes in the group.
    const cmd = `${serviceCmd('flat', ['--port', String(port)])} & wait`;
    const svc = await launchService({ cmd, readyAddress: { host: '127.0.0.1', port } });
    expect(svc.exit).toBeUndefined();
    expect(await groupAlive(svc.pid)).toBe(true);
    // The port can answer a moment before the line it logged reaches the pipe (seen with the
    // unit files running in parallel): wait for it, up to 2 s.
    const line = `flat service listening on http://127.0.0.1:${port}`;
    await vi.waitFor(() => expect(svc.tail().join('\n')).toContain(line), { timeout: 2000, interval: 50 });
    const exit = await svc.stop(2000);
    expect(exit.stopped).toBe(true);
    expect(await groupAlive(svc.pid)).toBe(false);
  });

  it('kills a service that ignores SIGTERM once the grace period is over', async () => {
    const stubborn = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); setInterval(() => {}, 1000)`;
    const svc = await launchService({ cmd: `${process.execPath} -e "${stubborn}" & wait` });
    await svc.stop(300);
    expect(await groupAlive(svc.pid)).toBe(false);
  });

  it('tells a service that dies while in use from one that was stopped', async () => {
    const port = await freePort();
    const cmd = serviceCmd('exits', [
      '--port',
      String(port),
      '--after-ms',
      '300',
      '--code',
      '5',
      '--count-from',
      'first-request',
    ]);
    const svc = await launchService({ cmd, readyUrl: `http://127.0.0.1:${port}/` });
    const exit = await svc.exited;
    expect(exit).toMatchObject({ code: 5, signal: null, stopped: false });
    expect(exit.at).toBeGreaterThanOrEqual(svc.startedAt);
    expect(exit.tail).toContain('fatal: simulated crash, exiting with code 5');
    expect(svc.exit).toBe(exit);
    // Stopping it afterwards reports the same exit: the crash, not the stop.
    expect(await svc.stop(0)).toBe(exit);
  });

  it('stops the service and rejects when the wait is aborted', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const port = await freePort();
    const err = await launchService({
      cmd: serviceCmd('never-ready'),
      readyUrl: `http://127.0.0.1:${port}/`,
      signal: ac.signal,
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    if (process.platform === 'linux') expect(await descendantsRunning('never-ready.mjs')).toEqual([]);
  });
});
