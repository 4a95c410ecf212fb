import { describe, expect, it } from 'vitest';
import type { MonitorSample } from '../result/schema.js';
import {
  describeChildren,
  IDLE_MIN_RESPONSES,
  idleUnderLoadWarning,
  isLocalHost,
  unwatchedChildrenWarning,
  watchingLine,
} from './process-checks.js';

const sample = (t: number, cpuPct: number, reqs?: number): MonitorSample => ({
  t,
  rssMb: 10,
  cpuPct,
  threads: 1,
  fds: 5,
  ...(reqs === undefined ? {} : { reqs }),
});
const who = { who: 'pid 7 (sh)', hint: 'look elsewhere' };

describe('idleUnderLoadWarning', () => {
  it('warns when the process spent next to no CPU on thousands of responses', () => {
    const s = [sample(1, 0, 2000), sample(2, 0.1, 4000), sample(3, 0, 6000)];
    expect(idleUnderLoadWarning(s, who)).toMatch(
      /^pid 7 \(sh\) used almost no CPU \(peak 0\.1% of a core, .* µs per response\) while the load got 6000 responses: .*; look elsewhere$/,
    );
  });

  it('says nothing of a process whose CPU is plausible for what it answered', () => {
    // 3% of a core for 3 s is 90 ms: 15 µs for each of 6000 responses.
    const s = [sample(1, 3, 2000), sample(2, 3, 4000), sample(3, 3, 6000)];
    expect(idleUnderLoadWarning(s, who)).toBeUndefined();
  });

  it('says nothing of a light load, nor without a load', () => {
    expect(idleUnderLoadWarning([sample(1, 0, IDLE_MIN_RESPONSES - 1)], who)).toBeUndefined();
    expect(idleUnderLoadWarning([sample(1, 0), sample(2, 0)], who)).toBeUndefined();
    expect(idleUnderLoadWarning([], who)).toBeUndefined();
  });

  it('a busy process that still answered nothing much: peak over 5% is not idle', () => {
    expect(idleUnderLoadWarning([sample(1, 6, 1e9)], who)).toBeUndefined();
  });
});

describe('children', () => {
  const kids = [
    { pid: 10, name: 'node', rssMb: 54.2 },
    { pid: 11, name: 'node', rssMb: 50 },
    { pid: 12, name: 'node', rssMb: 1 },
    { pid: 13, name: 'sh', rssMb: 1.5 },
  ];
  it('names one child with its size, and several with the first few and the total', () => {
    expect(describeChildren(kids.slice(0, 1))).toBe('1 child process (pid 10 node, 54.2 MiB)');
    expect(describeChildren(kids)).toBe(
      '4 child processes (pid 10 node, 54.2 MiB; pid 11 node, 50.0 MiB; pid 12 node, 1.0 MiB; 1 more; 106.7 MiB in all)',
    );
  });

  it('warns about children left out, suggesting the tree', () => {
    const w = { root: { pid: 7, name: 'sh', rssMb: 1.6 }, children: kids.slice(0, 1) };
    expect(unwatchedChildrenWarning(w, { noTree: '--no-monitor-tree', tree: '--monitor-tree' })).toBe(
      'pid 7 (sh) has 1 child process (pid 10 node, 54.2 MiB), left out by --no-monitor-tree: if it serves ' +
        'the requests, the figures are of the wrong process; drop --no-monitor-tree (--monitor-tree is the ' +
        'default) to sum it with pid 7, or watch it by its pid',
    );
    expect(
      unwatchedChildrenWarning({ ...w, children: [] }, { noTree: '--no-tree', tree: '--tree' }),
    ).toBeUndefined();
    expect(unwatchedChildrenWarning(undefined, { noTree: '--no-tree', tree: '--tree' })).toBeUndefined();
  });

  it('the line at attach says which processes are summed, and how to watch one alone', () => {
    const w = { root: { pid: 7, name: 'sh', rssMb: 1.6 }, children: kids.slice(0, 1) };
    const plan = { tree: true, intervalMs: 1000 };
    expect(watchingLine({ pid: 7, watched: w }, plan, 'monitoring', { noTree: '--no-monitor-tree' })).toBe(
      'monitoring pid 7 (sh) and its 1 child process (pid 10 node, 54.2 MiB) every 1s; ' +
        '--no-monitor-tree to watch pid 7 alone',
    );
    expect(
      watchingLine({ pid: 7, watched: { ...w, children: [] } }, plan, 'monitoring', { noTree: '--no-tree' }),
    ).toBe('monitoring pid 7 (sh) every 1s');
    expect(
      watchingLine(
        { pid: 7, watched: w },
        { ...plan, tree: false },
        'watching',
        { noTree: '--no-tree' },
        ', for 5s',
      ),
    ).toBe('watching pid 7 (sh) every 1s, for 5s');
    expect(
      watchingLine({ pid: 7, watched: w }, { ...plan, cmd: 'npm start' }, 'monitoring', {
        noTree: '--no-tree',
      }),
    ).toBe("monitoring 'npm start' (pid 7, sh) and its 1 child process (pid 10 node, 54.2 MiB) every 1s");
  });
});

describe('isLocalHost', () => {
  it('knows loopback names and addresses, and not a remote name', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '0.0.0.0'])
      expect(isLocalHost(h)).toBe(true);
    for (const h of ['example.com', '192.0.2.1', '2001:db8::1']) expect(isLocalHost(h)).toBe(false);
  });
});
