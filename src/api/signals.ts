import type { SessionIO } from './io.js';

export interface SessionSignals {
  signal: AbortSignal;
  /** The same end from elsewhere (the dashboard's Stop button). */
  stop(why: string): void;
  dispose(): void;
}

/**
 * SIGINT/SIGTERM abort the run so that its outputs are still written (exit 130). A second
 * signal exits at once, for a user who really wants out. `external` (a library caller's
 * AbortSignal) ends the run the same way.
 */
export function abortOnSignals(
  io: Pick<SessionIO, 'signals' | 'stderr' | 'forceExit'>,
  external?: AbortSignal,
): SessionSignals {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) {
      io.forceExit();
      return;
    }
    io.stderr.write('\nsquall: interrupted; writing the results of the part that ran (again to quit now)\n');
    ac.abort();
  };
  const onExternal = () => ac.abort();
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  if (external?.aborted) ac.abort();
  else external?.addEventListener('abort', onExternal, { once: true });
  return {
    signal: ac.signal,
    stop(why: string) {
      if (ac.signal.aborted) return;
      io.stderr.write(`\nsquall: ${why}; writing the results of the part that ran\n`);
      ac.abort();
    },
    dispose() {
      io.signals.off('SIGINT', onSignal);
      io.signals.off('SIGTERM', onSignal);
      external?.removeEventListener('abort', onExternal);
    },
  };
}
