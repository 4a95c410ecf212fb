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
  /** `--workers N`: each concurrent bench's calls in flight over N worker threads (1: this thread). */
  workers: number;
}

/** What a thread of `--workers` is handed (bench-thread.ts): one concurrent bench and its share. */
export interface BenchThreadTask {
  abs: string;
  rel: string;
  group: string | null;
  name: string;
  /** Its share of the bench's calls in flight. */
  concurrency: number;
  time: number;
  /** Its share of the bench's calls, when the bench counts calls rather than time. */
  iterations: number | undefined;
}

/** A bench thread to the process that started it. */
export type FromBenchThread =
  /** Warmed up: holds until every thread is (then `go`). */
  | { type: 'warm' }
  | { type: 'raw'; raw: WireConcurrent }
  /** The file did not load in the thread, or the bench is not there. */
  | { type: 'failed'; message: string };

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
