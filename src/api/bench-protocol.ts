import type { RawConcurrent, RawSample } from '../engine/bench/raw.js';
import type { ErrorCode, ErrorLocation } from '../errors/index.js';

/**
 * The messages between `squall bench` and its child process (bench-child.ts), over Node's IPC
 * channel (JSON): the child measures, the parent computes statistics and reports.
 */

export interface BenchJob {
  type: 'job';
  files: { abs: string; rel: string }[];
  /** Source of a RegExp matched against "group name" and the name alone. */
  filter: string | null;
  /** Sampling time per bench in ms, from --time; null for each bench's own or the default. */
  timeMs: number | null;
  /** This process's share of each bench's time: 1/N of it with --forks N. */
  timeShare: number;
}

/** A raw result without the thrown value itself, which does not cross the channel. */
export type WireError = { phase: string; message: string };
export type WireSample = Omit<RawSample, 'error'> & { error: WireError | null };
export type WireConcurrent = Omit<RawConcurrent, 'error'> & { error: WireError | null };

export type ChildMessage =
  /** A file failed to load or registered nothing: bad input, nothing is measured. */
  | {
      type: 'bad-input';
      code: ErrorCode;
      message: string;
      where: ErrorLocation | undefined;
      hint: string | undefined;
    }
  | { type: 'start'; file: string; group: string | null; name: string }
  | {
      type: 'bench';
      file: string;
      group: string | null;
      name: string;
      concurrency: number;
      /** The bench's budget expressions, checked in the child before anything ran. */
      budget: string[];
      speedup: { over: string; atLeast: number | null } | null;
      raw: WireSample | WireConcurrent;
    }
  | {
      type: 'complexity';
      file: string;
      group: string | null;
      name: string;
      sizes: number[];
      timesMs: number[];
      expect: string | null;
      error: WireError | null;
    }
  | { type: 'done'; gcExposed: boolean };
