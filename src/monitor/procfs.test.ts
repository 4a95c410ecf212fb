import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupMembers, parseProcStat, processTree, readProc, statusBytes } from './procfs.js';

describe('parseProcStat', () => {
  it('counts fields from the last parenthesis, whatever the command name holds', () => {
    // Fields 3..24 of proc(5); the name has spaces and parentheses, as a process may set.
    const fields = ['S', '41', '4321', '4321', '0', '-1', '4194560', '10', '0', '0', '0'];
    fields.push('250', '75', '0', '0', '20', '0', '7', '0', '123456', '104857600', '2560');
    const text = `4321 (my (weird) app) ${fields.join(' ')}\n`;
    expect(parseProcStat(text)).toEqual({
      pid: 4321,
      comm: 'my (weird) app',
      state: 'S',
      ppid: 41,
      pgrp: 4321,
      cpuTicks: 325,
      threads: 7,
      startTicks: 123456,
      vszBytes: 104857600,
    });
  });

  it('rejects text that is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (x) S')).toBeUndefined();
  });

  it('reads kB lines of /proc/PID/status as bytes', () => {
    expect(statusBytes('Name:\tnode\nVmRSS:\t   51200 kB\nThreads:\t7\n', 'VmRSS')).toBe(51200 * 1024);
    expect(statusBytes('Name:\tkthreadd\n', 'VmRSS')).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('reading /proc', () => {
  it("parses this process's own stat line", () => {
    const stat = parseProcStat(readFileSync('/proc/self/stat', 'utf8'))!;
    expect(stat.pid).toBe(process.pid);
    expect(stat.ppid).toBe(process.ppid);
    expect(stat.state).toBe('R');
    expect(stat.threads).toBeGreaterThan(1);
  });

  it('reads the memory, threads and descriptors this process reports of itself', async () => {
    const r = (await readProc(process.pid))!;
    const rss = process.memoryUsage.rss();
    expect(Math.abs(r.rssBytes - rss) / rss).toBeLessThan(0.2);
    const fds = readdirSync('/proc/self/fd').length;
    // readdir opens a descriptor of its own while it lists; allow for that and for sockets in flight.
    expect(Math.abs(r.fds! - fds)).toBeLessThanOrEqual(3);
    expect(r.threads).toBe(Number(/^Threads:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]));
    expect(r.ppid).toBe(process.ppid);
  });

  it('finds a child in the tree, and reads nothing once it has exited', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    expect(await processTree(process.pid)).toContain(child.pid);
    expect(await readProc(child.pid!)).toBeDefined();
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await readProc(child.pid!)).toBeUndefined();
    expect(await processTree(process.pid)).not.toContain(child.pid);
  });

  it('lists the live members of a process group', async () => {
    const leader = spawn('sh', ['-c', `${process.execPath} -e 'setInterval(() => {}, 1000)' & wait`], {
      stdio: 'ignore',
      detached: true,
    });
    await once(leader, 'spawn');
    let members: number[] = [];
    while (members.length < 2) {
      await new Promise((r) => setTimeout(r, 20));
      members = await groupMembers(leader.pid!);
    }
    expect(members).toContain(leader.pid);
    const [worker] = members.filter((pid) => pid !== leader.pid);
    expect((await readProc(worker!))!.ppid).toBe(leader.pid);
    process.kill(-leader.pid!, 'SIGKILL');
    await once(leader, 'exit');
    // The orphaned worker may linger as a zombie until PID 1 reaps it; it is no live member.
    while ((await groupMembers(leader.pid!)).length > 0) await new Promise((r) => setTimeout(r, 20));
    expect(await groupMembers(leader.pid!)).toEqual([]);
  });
});
