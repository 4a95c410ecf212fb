/**
 * The session's I/O, injected: the CLI hands it the process's streams, signals and environment;
 * a program using squall as a library (or a test) hands it its own, or nothing at all.
 */

import type { SignalSource, Writer } from '../util/io-types.js';

export type { SignalName, SignalSource, Writer } from '../util/io-types.js';

export interface SessionIO {
  stdout: Writer;
  stderr: Writer;
  signals: SignalSource;
  env: Readonly<Record<string, string | undefined>>;
  /** A second Ctrl-C: the user wants out now (the CLI exits 130; a library ignores it). */
  forceExit(): void;
}

const discard: Writer = { write: () => true };
const noSignals: SignalSource = { on: () => undefined, off: () => undefined };

/** The CLI's I/O: the process's own. */
export function processIO(): SessionIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
    env: process.env,
    forceExit: () => process.exit(130),
  };
}

/**
 * A library call's I/O: silent, deaf to the process's signals (the program decides what Ctrl-C
 * means; an AbortSignal stops the run), and the process's environment; `given` replaces parts.
 */
export function libraryIO(given: Partial<SessionIO> = {}): SessionIO {
  return {
    stdout: discard,
    stderr: discard,
    signals: noSignals,
    env: process.env,
    forceExit: () => undefined,
    ...given,
  };
}

/** Colour only for a terminal, and never when the user said no (flag or NO_COLOR). */
export function useColor(
  stream: { isTTY?: boolean },
  flag: boolean | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
