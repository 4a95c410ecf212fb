/**
 * What `squall convert` produces from a k6 script, an Artillery YAML file or a locustfile: the
 * squall test, and an account of what was translated and what was left for a person to finish.
 */

export type ConvertSource = 'k6' | 'artillery' | 'locust';
export type ConvertFormat = 'yaml' | 'ts';

/** A part of the original that was not translated: left as a TODO with the original code. */
export interface ConvertTodo {
  /** 1-based line of the original file. */
  line: number;
  /** What is missing, in a few words ("a custom function in the processor"). */
  what: string;
}

export interface Conversion {
  source: ConvertSource;
  format: ConvertFormat;
  /** The squall test file's text. */
  text: string;
  /** What was translated, one short line each ("3 stages → ramping-vus"). */
  translated: string[];
  todos: ConvertTodo[];
}

/** Input the converter cannot read: a syntax error, or not a test of a tool it knows. */
export class ConvertError extends Error {
  constructor(
    message: string,
    /** 1-based line of the original, when known. */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ConvertError';
  }
}
