import { SquallError } from '../errors/index.js';
import { didYouMean as nearest } from '../util/suggest.js';

/**
 * What the flow compiler's parts share: where a problem is (the file and key path), how it is
 * reported (SQ_CONFIG_INVALID, exit 2) and how a value is shown in a message. The shape checks
 * themselves are the zod schema in flow-schema.ts.
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

/** A name a template can refer to: `${name}`. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
