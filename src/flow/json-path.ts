/**
 * The small JSONPath subset that YAML checks and captures need: `$`, `$.a.b`, `$.items[0].id`,
 * `$.items[-1]` (from the end), `$['odd key']`, and `.length` of an array or a string. Each path
 * yields at most one value, which is what `capture` and `equals` want; wildcards, recursive
 * descent and filters yield lists, so they are refused with a message rather than half-supported.
 * Written here (a few dozen lines) because jsonpath-plus needs Node 22 and we target Node 20.
 */

/** A property name, or an array index (negative counts from the end). */
export type JsonPathSegment = string | number;

/** What `queryJsonPath` returns when the path leads nowhere (distinct from a found `undefined`/`null`). */
export const NOT_FOUND: unique symbol = Symbol('json-path: not found');

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

export const JSON_PATH_FORMS = "$.a.b, $.items[0].id, $.items[-1], $['key'], $.items.length";

// A dotted name: anything up to the next `.`, `[` or whitespace; `*` is refused separately.
const DOT_NAME = /[^.[\]\s*]+/y;
const INDEX = /\[\s*(-?\d+)\s*\]/y;
const QUOTED = /\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/y;

/** Parses `source` into segments; throws JsonPathError naming the position and the forms we read. */
export function parseJsonPath(source: string): JsonPathSegment[] {
  const s = source.trim();
  if (!s.startsWith('$')) throw fail(source, 0, "a JSON path starts with '$'");
  const segments: JsonPathSegment[] = [];
  let at = 1;
  while (at < s.length) {
    const ch = s[at];
    if (s.startsWith('..', at)) throw fail(source, at, "recursive descent '..' is not supported");
    if (ch === '.') {
      DOT_NAME.lastIndex = at + 1;
      const m = DOT_NAME.exec(s);
      if (!m) throw fail(source, at + 1, s[at + 1] === '*' ? "wildcards '*' are not supported" : 'a name');
      segments.push(m[0]);
      at = DOT_NAME.lastIndex;
    } else if (ch === '[') {
      at = parseBracket(source, s, at, segments);
    } else {
      throw fail(source, at, "'.name' or '[…]'");
    }
  }
  return segments;
}

function parseBracket(source: string, s: string, at: number, out: JsonPathSegment[]): number {
  INDEX.lastIndex = at;
  const index = INDEX.exec(s);
  if (index) {
    out.push(Number(index[1]));
    return INDEX.lastIndex;
  }
  QUOTED.lastIndex = at;
  const quoted = QUOTED.exec(s);
  if (quoted) {
    out.push((quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1'));
    return QUOTED.lastIndex;
  }
  const inner = s.slice(at + 1).trimStart();
  if (inner.startsWith('*')) throw fail(source, at, "wildcards '[*]' are not supported");
  if (inner.startsWith('?')) throw fail(source, at, "filters '[?(…)]' are not supported");
  throw fail(source, at, "an index such as [0] or a quoted key such as ['name']");
}

function fail(source: string, at: number, expected: string): JsonPathError {
  const what = expected.includes('not supported') ? expected : `expected ${expected}`;
  return new JsonPathError(
    `JSON path '${source}' at character ${at + 1}: ${what} (supported: ${JSON_PATH_FORMS})`,
  );
}

/**
 * The value at `segments` inside `root`, or NOT_FOUND. Only own properties count, so a path can
 * never reach `constructor` or `__proto__` of a parsed body.
 */
export function queryJsonPath(root: unknown, segments: readonly JsonPathSegment[]): unknown {
  let value = root;
  for (const seg of segments) {
    value = step(value, seg);
    if (value === NOT_FOUND) return NOT_FOUND;
  }
  return value;
}

function step(value: unknown, seg: JsonPathSegment): unknown {
  if (Array.isArray(value)) {
    const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : undefined;
    if (i !== undefined) {
      const at = i < 0 ? value.length + i : i;
      return at >= 0 && at < value.length ? value[at] : NOT_FOUND;
    }
    return seg === 'length' ? value.length : NOT_FOUND;
  }
  if (typeof value === 'string') return seg === 'length' ? value.length : NOT_FOUND;
  if (typeof value !== 'object' || value === null) return NOT_FOUND;
  const key = String(seg);
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : NOT_FOUND;
}

/** A parsed path, ready for the hot path. */
export interface JsonPath {
  readonly source: string;
  readonly segments: readonly JsonPathSegment[];
  /** The value, or NOT_FOUND. */
  query(root: unknown): unknown;
}

export function compileJsonPath(source: string): JsonPath {
  const segments = parseJsonPath(source);
  return { source, segments, query: (root) => queryJsonPath(root, segments) };
}
