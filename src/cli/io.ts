/** Colour only for a terminal, and never when the user said no (flag or NO_COLOR). */
export function useColor(stream: { isTTY?: boolean }, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** Repeatable flags: commander hands each value to this with the list so far. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * SIGINT/SIGTERM abort the run so that its outputs are still written (exit 130). A second
 * signal exits at once, for a user who really wants out.
 */
export function abortOnSignals(): { signal: AbortSignal; stop(why: string): void; dispose(): void } {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nsquall: interrupted; writing the results of the part that ran (again to quit now)\n',
    );
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    /** The same end from elsewhere (the dashboard's Stop button). */
    stop(why: string) {
      if (ac.signal.aborted) return;
      process.stderr.write(`\nsquall: ${why}; writing the results of the part that ran\n`);
      ac.abort();
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
