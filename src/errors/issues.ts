import { type ErrorCode, type ErrorLocation, isSquallError, SquallError } from './index.js';

/**
 * Config validation collects every problem before it reports (STYLE.md, "Report all problems at
 * once"): each check returns issues, and one ConfigError carries them all, ordered by where they
 * are in the file.
 */

/** A key or an index on the way from the file's root to a value. */
export type PathSegment = string | number;
export type IssuePath = readonly PathSegment[];

export interface ConfigIssue {
  code: ErrorCode;
  path: IssuePath;
  /** What was given and what is expected, without the location. */
  message: string;
  hint?: string;
  /** Point at the key itself (an unknown key) rather than at its value. */
  at?: 'key' | 'value';
  /** A location already known (a flow compiler's error); wins over the path's. */
  where?: ErrorLocation;
}

/** Line and column of a path in the source, 1-based; undefined when the format has none (.ts). */
export type Locate = (path: IssuePath, at: 'key' | 'value') => { line: number; column: number } | undefined;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `scenarios.steady.users[0].weight`; odd keys quoted: `thresholds["http_req_duration{name:GET /}"]`. */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Where each key sits in the data, as a list of indices: the order of keys and items as the
 * author wrote them. It orders issues of a TypeScript test, which has no line numbers.
 */
function orderInData(data: unknown, path: IssuePath): number[] {
  const order: number[] = [];
  let node = data;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') {
      order.push(seg);
      node = node[seg];
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      const i = keys.indexOf(String(seg));
      // A missing key (a required one) sorts after the keys that are there.
      order.push(i < 0 ? keys.length : i);
      node = (node as Record<string, unknown>)[String(seg)];
    } else {
      break;
    }
  }
  return order;
}

function compareLists(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** An issue with its location resolved, ready to print. */
export interface LocatedIssue extends ConfigIssue {
  where: ErrorLocation;
}

export function locateIssues(
  issues: readonly ConfigIssue[],
  file: string,
  locate: Locate,
  data: unknown,
): LocatedIssue[] {
  const located = issues.map((iss) => {
    const pos = locate(iss.path, iss.at ?? 'value');
    const where: ErrorLocation = iss.where ?? {
      file,
      ...(pos ?? {}),
      ...(iss.path.length > 0 ? { path: formatPath(iss.path) } : {}),
    };
    return { iss: { ...iss, where }, order: orderInData(data, iss.path) };
  });
  located.sort((a, b) => {
    const la = a.iss.where.line;
    const lb = b.iss.where.line;
    if (la !== undefined && lb !== undefined && la !== lb) return la - lb;
    if (la !== undefined && lb !== undefined) return (a.iss.where.column ?? 0) - (b.iss.where.column ?? 0);
    return compareLists(a.order, b.order);
  });
  return located.map((x) => x.iss);
}

function placeOf(w: ErrorLocation): string {
  const pos = w.line ? `:${w.line}${w.column ? `:${w.column}` : ''}` : '';
  if (w.file) return `${w.file}${pos}${w.path ? ` (${w.path})` : ''}`;
  if (w.flag) return `flag ${w.flag}`;
  return w.path ?? '';
}

/**
 * All the problems of one test file. With one issue it is that issue (its code, message and
 * location); with several, the message lists every one with its place, so that the CLI's usual
 * `formatError` prints them all.
 */
export class ConfigError extends SquallError {
  readonly issues: readonly LocatedIssue[];

  constructor(file: string, issues: readonly LocatedIssue[]) {
    const first = issues[0]!;
    if (issues.length === 1) {
      super(first.code, first.message, { where: first.where, hint: first.hint });
    } else {
      const codes = new Set(issues.map((i) => i.code));
      const code: ErrorCode = codes.size === 1 ? first.code : 'SQ_CONFIG_INVALID';
      const lines = issues.map((i) => `  - ${placeOf(i.where)}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
      super(code, `${file} has ${issues.length} problems:\n${lines.join('\n')}`, { where: { file } });
    }
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** A ConfigError from any copy of this module (the brand, plus its list of issues). */
export function isConfigError(e: unknown): e is ConfigError {
  return isSquallError(e) && Array.isArray((e as { issues?: unknown }).issues);
}

/** Throws one ConfigError for all the issues, if there are any. */
export function throwIfIssues(
  issues: readonly ConfigIssue[],
  file: string,
  locate: Locate,
  data: unknown,
): void {
  if (issues.length === 0) return;
  throw new ConfigError(file, locateIssues(issues, file, locate, data));
}

/** A SquallError thrown by a helper (a threshold parser) as an issue at `path`. */
export function issueFromError(e: SquallError, path: IssuePath): ConfigIssue {
  return { code: e.code, path, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
}
