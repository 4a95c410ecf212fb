import { describe, expect, it } from 'vitest';
import { diedMonitor, leakingMonitor, resourceVerdict } from '../../test/helpers/monitor-docs.js';
import {
  monitorLeaks,
  monitorState,
  otherReasons,
  resourceState,
  resourceVerdicts,
} from './monitor-state.js';

describe('what the reports say of a watched process', () => {
  it('leads with a leak, names the leaking resources, and shows each resource in order', () => {
    const m = leakingMonitor();
    expect(monitorState(m)).toBe('leak');
    expect(monitorLeaks(m)).toEqual(['memory', 'fds']);
    expect(resourceVerdicts(m).map(({ resource }) => resource)).toEqual(['memory', 'fds', 'threads']);
    expect(
      resourceVerdicts({ ...m, resources: { ...m.resources!, fds: null } }).map((x) => x.resource),
    ).toEqual(['memory', 'threads']);
    // Every reason is a resource's sentence here: none is left to print again.
    expect(otherReasons(m)).toEqual([]);
    // A leak found before the process died still leads.
    expect(monitorState({ ...m, exit: diedMonitor().exit })).toBe('leak');
  });

  it('never calls a process that died healthy, nor its resources', () => {
    const m = diedMonitor();
    for (const verdict of ['healthy', 'inconclusive'] as const)
      expect(monitorState({ ...m, verdict })).toBe('died');
    expect(resourceVerdicts(m).map(({ r }) => resourceState(m, r))).toEqual(['unseen', 'unseen', 'unseen']);
    const alive = { ...m, exit: null };
    expect(monitorState({ ...alive, verdict: 'healthy' })).toBe('healthy');
    expect(resourceState(alive, resourceVerdict('healthy', 'fds', 'flat'))).toBe('healthy');
    expect(resourceState(m, resourceVerdict('inconclusive', 'fds', 'noisy'))).toBe('inconclusive');
  });

  it('reads older documents: a leak there is memory, and no verdict is none', () => {
    expect(monitorLeaks({ leakSuspected: true })).toEqual(['memory']);
    expect(monitorState({ leakSuspected: true })).toBe('leak');
    expect(monitorState({ leakSuspected: false })).toBe('none');
    expect(monitorState({ leakSuspected: false, verdict: 'inconclusive' })).toBe('inconclusive');
    expect(monitorState(null)).toBe('none');
    expect(resourceVerdicts({ resources: 'odd' } as never)).toEqual([]);
  });
});
