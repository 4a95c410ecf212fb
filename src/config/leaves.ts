import { z } from 'zod';
import type { ThinkPlan } from '../engine/plan.js';
import type { ErrorCode } from '../errors/index.js';
import { parseDurationMs } from '../util/duration.js';
import { isToken } from '../util/http-token.js';

/**
 * The leaves of the test-file schema: zod transforms that check one value and turn it into its
 * resolved form (durations into ms, think times into ThinkPlan), each with a message that quotes
 * the value and says what is accepted. The structure around them (strict objects, lists) is
 * plain zod, in schema.ts.
 */

/** What a failed leaf says; the key's name is prefixed later, when the path is known. */
export interface LeafProblem {
  /** What is expected, e.g. 'a whole number of at least 1'. */
  expected: string;
  /** A complete message, when the usual "KEY is VALUE; expected …" does not fit. */
  message?: string;
  hint?: string;
  code?: ErrorCode;
}

/** Carried in a zod custom issue's params, so that schema.ts can build the message. */
export interface LeafParams {
  leaf: LeafProblem;
  missing: boolean;
}

type Check<T> = (value: unknown) => T | LeafProblem;

const PROBLEM = Symbol('leaf problem');

function problem(expected: string, extra: Omit<LeafProblem, 'expected'> = {}): LeafProblem {
  return Object.assign({ expected, ...extra }, { [PROBLEM]: true });
}

function isProblem(v: unknown): v is LeafProblem {
  return v !== null && typeof v === 'object' && PROBLEM in v;
}

/**
 * A leaf schema. A missing value is reported as missing (zod gives undefined for an absent key);
 * wrap the leaf in `.optional()` when the key may be left out.
 */
export function leaf<T>(expected: string, check: Check<T>) {
  return z.unknown().transform((value, ctx): T => {
    const out = value === undefined ? problem(expected) : check(value);
    if (isProblem(out)) {
      const params: LeafParams = { leaf: out, missing: value === undefined };
      ctx.issues.push({ code: 'custom', message: out.message ?? out.expected, input: value, params });
      return z.NEVER;
    }
    return out as T;
  });
}

/** A value quoted as the user wrote it: strings in quotes, the rest as JSON. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'a function';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

const DURATION_FORM =
  'a duration: a number with a unit, such as 500ms, 30s, 5m or 2h (a bare number is seconds)';

/** ms from `'30s'` or a number of seconds; undefined when it is not a duration. */
export function toDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  if (typeof v === 'string') return parseDurationMs(v);
  return undefined;
}

export const durationMs = leaf(DURATION_FORM, (v) => toDurationMs(v) ?? problem(DURATION_FORM));

const POSITIVE_DURATION_FORM = 'a duration above 0, such as 500ms, 10s or 1m (a bare number is seconds)';

export const positiveDurationMs = leaf(POSITIVE_DURATION_FORM, (v) => {
  const ms = toDurationMs(v);
  return ms !== undefined && ms > 0 ? ms : problem(POSITIVE_DURATION_FORM);
});

export function wholeNumber(min: number) {
  const expected = `a whole number of at least ${min}`;
  return leaf(expected, (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : problem(expected),
  );
}

export function numberAtLeast(min: number, expected = `a number of at least ${min}`) {
  return leaf(expected, (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min ? v : problem(expected),
  );
}

export function numberAbove(min: number, expected = `a number above ${min}`, hint?: string) {
  return leaf(expected, (v) =>
    typeof v === 'number' && Number.isFinite(v) && v > min ? v : problem(expected, hint ? { hint } : {}),
  );
}

export const ratio = leaf('a number from 0 to 1 (0.1 is 10%)', (v) =>
  typeof v === 'number' && v >= 0 && v <= 1 ? v : problem('a number from 0 to 1 (0.1 is 10%)'),
);

export const text = leaf('a non-empty string', (v) =>
  typeof v === 'string' && v.trim() !== '' ? v : problem('a non-empty string'),
);

export function oneOf<const T extends string>(values: readonly T[]) {
  const expected = `one of ${values.join(', ')}`;
  return leaf(expected, (v) => (values.includes(v as T) ? (v as T) : problem(expected)));
}

// biome-ignore lint/complexity/noBannedTypes: any callable is accepted; its shape is the user's.
export const func = leaf<Function>('a function', (v) =>
  typeof v === 'function'
    ? v
    : problem('a function', {
        hint: 'functions exist only in TypeScript/JavaScript tests; YAML users use flow:',
      }),
);

const HOOK_EXPECTED = 'a list of steps, e.g. [{ post: /login }], or a function in a TypeScript test';

/** A per-VU hook (onStart, onStop): steps (YAML), or a function (TypeScript). */
// biome-ignore lint/complexity/noBannedTypes: any callable is accepted; its shape is the user's.
export const hook = leaf<Function | Array<Record<string, unknown>>>(HOOK_EXPECTED, (v) =>
  typeof v === 'function' ||
  (Array.isArray(v) && v.every((s) => s !== null && typeof s === 'object' && !Array.isArray(s)))
    ? (v as Array<Record<string, unknown>>)
    : problem(HOOK_EXPECTED),
);

/** A tag value: strings, numbers and booleans are kept as their text (YAML reads `2` as a number). */
export const tagValue = leaf('a string', (v) =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : problem('a string'),
);

/** An HTTP header name: an RFC 9110 token. */
export function isHeaderName(name: string): boolean {
  return isToken(name);
}

export const headerValue = leaf('a header value on one line', (v) => {
  const s = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
  if (typeof s !== 'string') return problem('a header value on one line');
  if (/[\r\n\0]/.test(s))
    return problem('a header value on one line', {
      hint: 'HTTP does not allow line breaks or NUL in a header',
    });
  return s;
});

/** An absolute http:// or https:// URL. */
export const baseUrl = leaf('an absolute http:// or https:// URL, such as http://127.0.0.1:5110', (v) => {
  const expected = 'an absolute http:// or https:// URL, such as http://127.0.0.1:5110';
  if (typeof v !== 'string') return problem(expected);
  try {
    const u = new URL(v);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '') return v.trim();
  } catch {}
  return problem(expected);
});

const THINK_FORM =
  "'1s..3s' (uniformly random), '2s' (constant), a number of seconds, or a function returning seconds";

/**
 * A user's think function answers in seconds (like every number in a test file); the plan's in
 * ms. An answer that is not a positive number means no wait (engine/think.ts).
 */
function thinkFromFunction(fn: (vu: { id: number; iteration: number }) => number): ThinkPlan {
  return { kind: 'function', fn: (vu) => fn(vu) * 1000 };
}

function constantThink(ms: number): ThinkPlan {
  return ms === 0 ? { kind: 'none' } : { kind: 'constant', ms };
}

export const think = leaf<ThinkPlan>(THINK_FORM, (v) => {
  if (typeof v === 'function')
    return thinkFromFunction(v as (vu: { id: number; iteration: number }) => number);
  if (typeof v === 'number') {
    const ms = toDurationMs(v);
    return ms === undefined ? problem(THINK_FORM) : constantThink(ms);
  }
  if (typeof v !== 'string') return problem(THINK_FORM);
  const range = v.split('..');
  if (range.length === 1) {
    const ms = parseDurationMs(v);
    return ms === undefined ? problem(THINK_FORM) : constantThink(ms);
  }
  const [minMs, maxMs] = range.map((part) => parseDurationMs(part));
  if (range.length !== 2 || minMs === undefined || maxMs === undefined) return problem(THINK_FORM);
  if (minMs > maxMs) {
    return problem(THINK_FORM, {
      message: `think is '${v}', a range whose minimum is above its maximum; write it 'MIN..MAX', e.g. '1s..3s'`,
    });
  }
  return minMs === maxMs ? constantThink(minMs) : { kind: 'uniform', minMs, maxMs };
});
