/**
 * The bench API a `*.bench.ts` file imports from 'squall': `bench`, `group`, `complexity`.
 * Calls only register; `squall bench` runs what a file registered once it has loaded.
 */

export interface BenchOptions<A = unknown> {
  /** Runs once before the bench, not timed; its value is what the function receives. */
  setup?: () => A | Promise<A>;
  /** Runs once after the bench (also after an error), not timed. */
  teardown?: (value: A) => unknown;
  /** Calls kept in flight (default 1: one after another). */
  concurrency?: number;
  /** Sampling time in ms (default about 1000, or `--time`). */
  time?: number;
  /** Timed calls in all, instead of a time. */
  iterations?: number;
  /** Warm-up before sampling; `false` for none. */
  warmup?: { time?: number; iterations?: number } | false;
  /** Threshold expressions on this bench, such as 'mean<5ms', 'p(99)<20ms', 'ops>500'. */
  budget?: string | string[];
  /** This bench must be at least `atLeast` times faster than the bench `over` of its group. */
  speedup?: { over: string; atLeast?: number };
}

export interface ComplexityOptions<I = unknown> {
  /** The input sizes n to time, at least three. */
  sizes: number[];
  /** Builds the input of size n, not timed. */
  setup: (n: number) => I | Promise<I>;
  /** The timed work on that input. */
  fn: (input: I) => unknown;
  /** The class it must not grow faster than: O(1) O(log n) O(n) O(n log n) O(n^2) O(n^3). */
  expect?: string;
}

export interface BenchRegistration {
  kind: 'bench';
  group: string | null;
  name: string;
  fn: (arg: unknown) => unknown;
  options: BenchOptions;
}

export interface ComplexityRegistration {
  kind: 'complexity';
  group: string | null;
  name: string;
  options: ComplexityOptions;
}

export type Registration = BenchRegistration | ComplexityRegistration;

export interface BenchRegistry {
  /** What the files loaded so far registered, in order; the runner takes it after each file. */
  entries: Registration[];
  /** The group whose body is running, if any. */
  group: string | null;
}

const KEY = Symbol.for('squall.bench.registry');

/**
 * One registry per process, on a global: a bench file may get its own copy of this module (a
 * second install, a JavaScript file resolved elsewhere), and its calls must still reach the runner.
 */
export function benchRegistry(): BenchRegistry {
  const g = globalThis as { [KEY]?: BenchRegistry };
  g[KEY] ??= { entries: [], group: null };
  return g[KEY];
}

function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`${what}() needs a name (a non-empty string) first, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** Registers a benchmark of `fn` (sync, or async when it returns a promise). */
export function bench<A = undefined>(
  name: string,
  fn: (arg: A) => unknown,
  options: BenchOptions<A> = {},
): void {
  checkName('bench', name);
  if (typeof fn !== 'function') throw new TypeError(`bench('${name}') needs a function to measure`);
  const r = benchRegistry();
  r.entries.push({
    kind: 'bench',
    group: r.group,
    name,
    fn: fn as (arg: unknown) => unknown,
    options: options as BenchOptions,
  });
}

/** Benches registered in `body` share a table and may compare speeds (`speedup`). */
export function group(name: string, body: () => void): void {
  checkName('group', name);
  const r = benchRegistry();
  const outer = r.group;
  r.group = name;
  try {
    body();
  } finally {
    r.group = outer;
  }
}

/** Times `fn` on inputs of growing size and fits the growth to a complexity class. */
export function complexity<I>(name: string, options: ComplexityOptions<I>): void {
  checkName('complexity', name);
  const r = benchRegistry();
  r.entries.push({ kind: 'complexity', group: r.group, name, options: options as ComplexityOptions });
}
