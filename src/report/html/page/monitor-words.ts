import { monitorState } from '../../monitor-state.js';
import type { Obj } from './read.js';
import { obj } from './read.js';

type State = 'healthy' | 'leak' | 'inconclusive' | 'died';

export const VERDICTS: Record<State, { mark: string; text: string; cls: string; badge: string }> = {
  healthy: { mark: '✓', text: 'Healthy: memory is flat', cls: 'ok', badge: 'target healthy' },
  leak: { mark: '✗', text: 'Memory leak suspected', cls: 'bad', badge: 'leak suspected' },
  inconclusive: { mark: '?', text: 'Inconclusive', cls: 'warn', badge: 'target inconclusive' },
  died: { mark: '✗', text: 'Died', cls: 'bad', badge: 'target died' },
};

/** The headline, by the rules every output uses: a process that died is never "healthy". */
export function stateOf(m: Obj): State | null {
  const state = monitorState(m);
  return state === 'none' ? null : state;
}

export function monitorExit(m: unknown): Obj | null {
  const exit = obj(m).exit;
  return exit && typeof exit === 'object' ? (exit as Obj) : null;
}
