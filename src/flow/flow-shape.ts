import { SquallError } from '../errors/index.js';
import { parseDurationMs } from '../util/duration.js';
import { didYouMean as nearest } from '../util/suggest.js';

/**
 * Shape checks shared by the flow compiler's parts. Every failure is SQ_CONFIG_INVALID (exit 2)
 * naming the file, the key path, what was given and what was expected.
 */

/** Where the compiler is: the file, and the key path of the value being read. */
export interface At {
  file: string;
  path: string;
}

export const at = (base: At, suffix: string): At => ({ file: base.file, path: `${base.path}${suffix}` });

/** `.key`, or `['odd key']` when the key is not a plain name, so paths stay unambiguous. */
export const keyPath = (key: string): string =>
  /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

/**
 * `did you mean 'x'?`, or undefined. Adds to the shared suggester the commonest typo it misses in
 * short names: two neighbouring letters swapped (`gte` → `get`, `nmae` → `name`).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const near = nearest(input, list);
  if (near) return near;
  const swapped = list.find((c) => isSwap(input.toLowerCase(), c.toLowerCase()));
  return swapped === undefined ? undefined : `did you mean '${swapped}'?`;
}

function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
  const [i, j] = diff;
  return diff.length === 2 && j === i! + 1 && a[i!] === b[j] && a[j] === b[i!];
}

const PATH_TOKEN = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;

/**
 * The segments of a key path as `keyPath` and the loader's formatPath write it:
 * `users[0].flow[1]["odd key"]` → ['users', 0, 'flow', 1, 'odd key'], so the loader can find its
 * line. Text it cannot read ends the path (an error still points at the part before).
 */
export function parseKeyPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  PATH_TOKEN.lastIndex = 0;
  while (PATH_TOKEN.lastIndex < path.length) {
    const m = PATH_TOKEN.exec(path);
    if (!m) break;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}

export function invalid(where: At, message: string, hint?: string): SquallError {
  return new SquallError('SQ_CONFIG_INVALID', message, {
    where: { file: where.file, path: where.path },
    hint,
  });
}

/** A value as a message shows it: short JSON, clipped. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, where: At, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(where, `${what} must be a map, given ${show(value)}`);
  return value;
}

/**
 * Refuses keys outside `allowed`, suggesting the nearest one for a typo, or the key another tool
 * uses for the same thing (`aliases`: Artillery's `statusCode` → `status`).
 */
export function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  where: At,
  what: string,
  aliases: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const alias = Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    const hint = alias ? `did you mean '${alias}'?` : didYouMean(key, allowed);
    throw invalid(
      at(where, keyPath(key)),
      `unknown key '${key}' in ${what}${hint ? ` — ${hint}` : ''}`,
      `valid keys: ${allowed.join(', ')}`,
    );
  }
}

export function expectString(value: unknown, where: At, what: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalid(where, `${what} must be a non-empty string, given ${show(value)}`);
  return value;
}

/**
 * A duration with a unit (`500ms`, `2s`). Bare numbers are refused where they would be ambiguous
 * (a check's `maxDuration: 500` reads as milliseconds to a k6 user and as seconds to squall's parser).
 */
export function expectDurationWithUnit(value: unknown, where: At, what: string): number {
  const ms =
    typeof value === 'string' && !/^\s*\d+(\.\d+)?\s*$/.test(value) ? parseDurationMs(value) : undefined;
  if (ms === undefined) {
    throw invalid(where, `${what} must be a duration with a unit such as 500ms or 2s, given ${show(value)}`);
  }
  return ms;
}

/** Think time: `1s`, `250ms`, a number of seconds, or a range `1s..3s`. Returns [min, max] in ms. */
export function expectThink(value: unknown, where: At): [number, number] {
  const bad = () =>
    invalid(
      where,
      `think must be a duration (1s, 250ms, a number of seconds) or a range such as 1s..3s, given ${show(value)}`,
    );
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw bad();
    return [value * 1000, value * 1000];
  }
  if (typeof value !== 'string') throw bad();
  const parts = value.split('..');
  if (parts.length > 2) throw bad();
  const [lo, hi] = parts.map((p) => parseDurationMs(p));
  if (lo === undefined || (parts.length === 2 && hi === undefined)) throw bad();
  const max = hi ?? lo;
  if (max < lo)
    throw invalid(where, `think range ${show(value)} ends before it starts; write the smaller bound first`);
  return [lo, max];
}

/** HTTP statuses: one or a list, each an integer 100–599. */
export function expectStatuses(value: unknown, where: At, what: string, hint?: string): number[] {
  const list = Array.isArray(value) ? value : [value];
  const ok =
    list.length > 0 && list.every((s) => Number.isInteger(s) && (s as number) >= 100 && (s as number) <= 599);
  if (!ok)
    throw invalid(where, `${what} must be a status (100–599) or a list of them, given ${show(value)}`, hint);
  return list as number[];
}

/** A name a template can refer to: `${name}`. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
